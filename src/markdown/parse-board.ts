import type { List, ListItem, Nodes } from "mdast";
import { detectLineEnding, type LineEnding, lineSpan, lineStarts } from "./lines.js";
import { assertParseable } from "./parse-limits.js";
import { parseMarkdown } from "./parse-markdown.js";
import { scanBoard } from "./scan-board.js";
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
  /** Index in `items` of the nearest task item this one is nested in, or -1. */
  parent: number;
  /** Index in `items` of the task item before this one in the same list, or -1. */
  previous: number;
  /** Its list is ordered (`1.`, `1)`): in an ordered list each item follows the one before. */
  ordered: boolean;
}

export interface Board {
  items: BoardItem[];
  headings: BoardHeading[];
  lineEnding: LineEnding;
  /** Offsets of line starts in the parsed text, for splicing. */
  starts: number[];
  /**
   * Stands for what the dependency graph is built from (the items' descriptions, names, nesting and lists): a
   * patch that changes only statuses and markers keeps it, so whether a board shares its graph with the last
   * one is one comparison, not one per item. Boards with different tokens may still have the same structure.
   */
  structure: object;
}

/** Index in `items` (which are in line order) of the item whose checkbox is on 1-based `line`, or -1. */
export function itemIndexAtLine(items: readonly BoardItem[], line: number): number {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = items[mid]!.line;
    if (at === line) return mid;
    if (at < line) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/**
 * Find every GFM task item and heading in a board. CommonMark's block structure decides what is an item (so
 * task-like text in code, HTML or paragraphs is not); each item's line is then read raw. Throws
 * MarkdownLimitError for text beyond the parse limits.
 *
 * The linear block scanner (scan-board.ts) finds them; for the rare text it does not model, mdast does.
 */
export function parseBoard(text: string): Board {
  assertParseable(text);
  return scanned(text) ?? parseBoardWithMdast(text);
}

// The scanner is held to mdast by a differential test; should it still fail on some text, that text gets the
// mdast parse (slower, and right) rather than an error. (Tests call scanBoard itself, which throws.)
function scanned(text: string): Board | undefined {
  try {
    return scanBoard(text);
  } catch {
    return undefined;
  }
}

/**
 * The same Board from the mdast parser (mdast-util-from-markdown with GFM task list items): the reference the
 * scanner is tested against, and its fallback. Positions map each item to its line, whose text is read raw.
 */
export function parseBoardWithMdast(text: string): Board {
  const tree = parseMarkdown(text);
  const starts = lineStarts(text);
  const headings: BoardHeading[] = [];
  const listItems: FoundItem[] = [];
  collect(tree, headings, listItems, {});

  const items: BoardItem[] = [];
  const indexOf = new Map<ListItem, number>();
  const lastInList = new Map<List, number>();
  let headingIndex = -1;
  for (const { node, endLine, list, parent } of listItems) {
    const first = node.children[0];
    const line = first?.position?.start.line;
    if (line === undefined || endLine === undefined) continue;
    const span = lineSpan(text, starts, line);
    if (!span) continue;
    const task = parseTaskLine(text.slice(span.start, span.end));
    if (!task) continue;
    while (headingIndex + 1 < headings.length && headings[headingIndex + 1]!.line < line) headingIndex++;
    indexOf.set(node, items.length);
    items.push({
      line,
      endLine,
      description: task.description,
      status: task.status,
      claimedBy: task.claimedBy,
      section: headingIndex >= 0 ? headings[headingIndex]!.title : null,
      task,
      parent: parent === undefined ? -1 : (indexOf.get(parent) ?? -1),
      previous: lastInList.get(list) ?? -1,
      ordered: list.ordered === true,
    });
    lastInList.set(list, items.length - 1);
  }
  return { items, headings, lineEnding: detectLineEnding(text), starts, structure: {} };
}

interface FoundItem {
  node: ListItem;
  endLine: number | undefined;
  list: List;
  /** The nearest task list item around this one. */
  parent: ListItem | undefined;
}

interface Around {
  /** End line of the outermost list item around the node. */
  outerEnd?: number;
  list?: List;
  task?: ListItem;
}

// Document order: headings and task items each come out sorted by line, which section lookup relies on.
function collect(node: Nodes, headings: BoardHeading[], found: FoundItem[], around: Around): void {
  if (node.type === "heading") {
    headings.push(toBoardHeading(node));
    return;
  }
  let inner = around;
  if (node.type === "list") inner = { ...around, list: node };
  if (node.type === "listItem") {
    const outerEnd = around.outerEnd ?? node.position?.end.line;
    inner = { ...around, outerEnd };
    if (typeof node.checked === "boolean" && around.list) {
      found.push({ node, endLine: outerEnd, list: around.list, parent: around.task });
      inner.task = node;
    }
  }
  if ("children" in node) for (const child of node.children) collect(child, headings, found, inner);
}
