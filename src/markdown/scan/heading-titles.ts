import { toString as textOf } from "mdast-util-to-string";
import { parseUnlimited } from "../parse-markdown.js";
import type { ScannedHeading } from "./scan-types.js";

/**
 * Each heading's title as `toBoardHeading` computes it (`mdast-util-to-string` of its inline content,
 * trimmed): known already for ATX text without any inline markup (the usual heading), else from one mdast
 * parse of all the other headings' text, each alone between blank lines, so none can affect another.
 *
 * That parse costs what mdast's inline parsing costs, up to 4–5 µs a character on markup-dense text
 * (measured: 1 MB of `*a _b ` in one heading, 4.4 s), so it is bounded by the headings' text, not by a
 * budget: giving up on a long heading would mean parsing the whole board with mdast, which costs more.
 * Undefined (the caller declines) only if that parse does not give one heading per part.
 */
export function headingTitles(headings: readonly ScannedHeading[]): string[] | undefined {
  const parts: string[] = [];
  for (const heading of headings) if (heading.title === undefined) parts.push(heading.source);
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
