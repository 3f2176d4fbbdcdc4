import type { Heading, Nodes } from "mdast";
import { toString as textOf } from "mdast-util-to-string";
import { looseKey } from "./loose-key.js";

export interface BoardHeading {
  line: number;
  /** Last line of the heading itself (setext headings span two). */
  endLine: number;
  depth: number;
  title: string;
}

export interface SectionRange {
  heading: BoardHeading;
  /** First line after the heading. */
  firstLine: number;
  /** Last line that belongs to the section (before the next heading of the same or a higher level). */
  lastLine: number;
}

/** Normalise a title for lookup: case and runs of whitespace do not distinguish sections. */
export const sectionKey = looseKey;

/** The first heading whose title matches, with the lines it governs; undefined when there is none. */
export function findSection(headings: readonly BoardHeading[], title: string, lineCount: number): SectionRange | undefined {
  const key = sectionKey(title);
  const index = headings.findIndex((heading) => sectionKey(heading.title) === key);
  const heading = headings[index];
  if (!heading) return undefined;
  const next = headings.slice(index + 1).find((other) => other.depth <= heading.depth);
  return { heading, firstLine: heading.endLine + 1, lastLine: next ? next.line - 1 : lineCount };
}

export function toBoardHeading(node: Heading): BoardHeading {
  return {
    line: node.position?.start.line ?? 0,
    endLine: node.position?.end.line ?? 0,
    depth: node.depth,
    title: textOf(node).trim(),
  };
}

/** Every heading of a parsed document, in document order. */
export function collectHeadings(tree: Nodes): BoardHeading[] {
  const found: BoardHeading[] = [];
  const visit = (node: Nodes): void => {
    if (node.type === "heading") found.push(toBoardHeading(node));
    else if ("children" in node) for (const child of node.children) visit(child);
  };
  visit(tree);
  return found;
}
