import { lineContentEnd } from "./lines.js";
import type { Board, BoardItem } from "./parse-board.js";
import { parseTaskLine } from "./task-line.js";

/**
 * The board for `next`, derived from `previous` (the board parsed from `previousText`) without parsing again —
 * or undefined when that is not certainly safe, and the caller must parse.
 *
 * Why: parsing is linear but slow (about 1.5 s for a 10,000-item board on our 2-core machine), while almost
 * every write — claim, release, complete, whether ours or another agent's — changes text inside one item's
 * line, after its checkbox. Such a change cannot alter the document's block structure: the rest of that line
 * is inline content of a paragraph that exists before and after. So when the two texts differ only within one
 * item line, the container prefix up to the checkbox is unchanged, and the line still reads as a task item
 * with text, the new board is the old one with that item re-read and later line offsets shifted.
 */
export function patchBoard(previousText: string, previous: Board, next: string): Board | undefined {
  const { start, previousEnd, nextEnd } = changedRange(previousText, next);
  if (hasLineBreak(previousText, start, previousEnd) || hasLineBreak(next, start, nextEnd)) return undefined;

  const lineIndex = lineIndexAt(previous.starts, start);
  const itemIndex = itemIndexAt(previous.items, lineIndex + 1);
  const item = previous.items[itemIndex];
  if (!item) return undefined;

  const lineStart = previous.starts[lineIndex]!;
  const delta = next.length - previousText.length;
  const lineEnd = lineContentEnd(next, lineStart);
  const task = parseTaskLine(next.slice(lineStart, lineEnd));
  if (!task || task.prefix !== item.task.prefix || !/^[ \t]/.test(task.rest) || task.description === "") return undefined;

  const items = previous.items.slice();
  const updated: BoardItem = {
    ...item,
    description: task.description,
    status: task.status,
    claimedBy: task.claimedBy,
    task,
  };
  items[itemIndex] = updated;
  const starts = delta === 0 ? previous.starts : previous.starts.map((offset, i) => (i > lineIndex ? offset + delta : offset));
  return { ...previous, items, starts };
}

function changedRange(a: string, b: string): { start: number; previousEnd: number; nextEnd: number } {
  const shorter = Math.min(a.length, b.length);
  let start = 0;
  while (start < shorter && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < shorter - start && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return { start, previousEnd: a.length - tail, nextEnd: b.length - tail };
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code === 10 || code === 13) return true;
  }
  return false;
}

// Index (0-based) of the line containing `offset`.
function lineIndexAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

// Index of the item whose checkbox is on `line` (items are in line order), or -1.
function itemIndexAt(items: readonly BoardItem[], line: number): number {
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
