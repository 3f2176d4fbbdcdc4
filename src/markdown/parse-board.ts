import type { ListItem, Nodes } from "mdast";
import { detectLineEnding, type LineEnding, lineSpan, lineStarts } from "./lines.js";
import { parseMarkdown } from "./parse-markdown.js";
import { type BoardHeading, toBoardHeading } from "./sections.js";
import { type ItemStatus, parseTaskLine, type TaskLine } from "./task-line.js";

export type { BoardHeading } from "./sections.js";

export interface BoardItem {
  /** 1-based line of the item's checkbox. */
  line: number;
  /**
   * Last line of the outermost list item that contains this one (itself when it is not nested), nested lines
   * included: a new item inserted after this line cannot cut into an existing item's content.
   */
  endLine: number;
  description: string;
  status: ItemStatus;
  claimedBy: string | null;
  /** Text of the nearest heading above the item, or null. */
  section: string | null;
  task: TaskLine;
}

export interface Board {
  items: BoardItem[];
  headings: BoardHeading[];
  lineEnding: LineEnding;
  /** Offsets of line starts in the parsed text, for splicing. */
  starts: number[];
}

/**
 * Find every GFM task item and heading in a board. The parser decides what is an item (so task-like text in
 * code, HTML, tables or paragraphs is not); positions map each item to its line, whose text is then read raw.
 */
export function parseBoard(text: string): Board {
  const tree = parseMarkdown(text);
  const starts = lineStarts(text);
  const headings: BoardHeading[] = [];
  const listItems: FoundItem[] = [];
  collect(tree, headings, listItems, undefined);

  const items: BoardItem[] = [];
  let headingIndex = -1;
  for (const { node, endLine } of listItems) {
    const first = node.children[0];
    const line = first?.position?.start.line;
    if (line === undefined || endLine === undefined) continue;
    const span = lineSpan(text, starts, line);
    if (!span) continue;
    const task = parseTaskLine(text.slice(span.start, span.end));
    if (!task) continue;
    while (headingIndex + 1 < headings.length && headings[headingIndex + 1]!.line < line) headingIndex++;
    items.push({
      line,
      endLine,
      description: task.description,
      status: task.status,
      claimedBy: task.claimedBy,
      section: headingIndex >= 0 ? headings[headingIndex]!.title : null,
      task,
    });
  }
  return { items, headings, lineEnding: detectLineEnding(text), starts };
}

interface FoundItem {
  node: ListItem;
  endLine: number | undefined;
}

// Document order: headings and task items each come out sorted by line, which section lookup relies on.
// `outerEnd` is the end line of the outermost list item around `node`, if any.
function collect(node: Nodes, headings: BoardHeading[], found: FoundItem[], outerEnd: number | undefined): void {
  if (node.type === "heading") {
    headings.push(toBoardHeading(node));
    return;
  }
  let end = outerEnd;
  if (node.type === "listItem") {
    end ??= node.position?.end.line;
    if (typeof node.checked === "boolean") found.push({ node, endLine: end });
  }
  if ("children" in node) for (const child of node.children) collect(child, headings, found, end);
}
