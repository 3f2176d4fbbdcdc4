import { toString as textOf } from "mdast-util-to-string";
import { parseUnlimited } from "../parse-markdown.js";
import type { ScannedHeading } from "./scan-types.js";

/**
 * Characters of heading text the mdast parser may be given for titles. Inline parsing costs mdast up to
 * 4–5 µs a character on markup-dense text (measured: 1 MB of `*a _b ` in one heading, 4.4 s), so titles
 * that need it are bounded: past this, the scanner declines and the caller parses the whole board with mdast.
 */
export const TITLE_PARSE_BUDGET = 64 * 1024;

/**
 * Each heading's title as `toBoardHeading` computes it (`mdast-util-to-string` of its inline content,
 * trimmed): known already for text without markup, else from one mdast parse of all such headings' text,
 * each alone between blank lines, so none can affect another. Undefined over the budget.
 */
export function headingTitles(headings: readonly ScannedHeading[]): string[] | undefined {
  const parts: string[] = [];
  let size = 0;
  for (const heading of headings) {
    if (heading.title !== undefined) continue;
    size += heading.source.length;
    if (size > TITLE_PARSE_BUDGET) return undefined;
    parts.push(heading.source);
  }
  if (parts.length === 0) return headings.map((heading) => heading.title!);
  const parsed = parseUnlimited(parts.join("\n\n")).children;
  if (parsed.length !== parts.length || parsed.some((node) => node.type !== "heading")) return undefined;
  let next = 0;
  const titles: string[] = [];
  for (const heading of headings) {
    if (heading.title !== undefined) {
      titles.push(heading.title);
      continue;
    }
    const text = textOf(parsed[next++]);
    if (heading.leadLine && !text.startsWith("x\n")) return undefined;
    titles.push((heading.leadLine ? text.slice(2) : text).trim());
  }
  return titles;
}
