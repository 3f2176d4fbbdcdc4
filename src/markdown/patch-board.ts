import { lineSpan, lineStarts } from "./lines.js";
import type { Board, BoardItem } from "./parse-board.js";
import { parseTaskLine } from "./task-line.js";

/**
 * The board for `next`, derived from `previous` (the board parsed from `previousText`) without parsing again —
 * or undefined when that is not certainly safe, and the caller must parse.
 *
 * Why: a parse is still the largest part of a call (tens of ms for a 10,000-item board with the block scanner
 * on our 2-core machine; about 1.5 s with the mdast parse it falls back to), while almost every write — claim, release, complete, whether ours or other agents' — changes text inside item lines,
 * after their checkboxes. Such a change cannot alter the document's block structure: the rest of such a line
 * is inline content of a paragraph that exists before and after. So when the two texts have the same lines
 * except for item lines whose container prefix is unchanged and which still read as task items with text,
 * the new board is the old one with those items re-read and line offsets recomputed. Several agents' edits
 * made since this process last looked are patched together.
 */
export function patchBoard(previousText: string, previous: Board, next: string): Board | undefined {
  if (previousText === next) return previous;
  const starts = lineStarts(next);
  if (starts.length !== previous.starts.length || starts[0] !== previous.starts[0]) return undefined;

  const { first, last } = changedOffsets(previousText, next);
  const firstLine = lineIndexAt(starts, first);
  const lastLine = Math.max(lineIndexAt(previous.starts, last.previous), lineIndexAt(starts, last.next));

  let items: BoardItem[] | undefined;
  for (let index = firstLine; index <= lastLine; index++) {
    const before = lineSpan(previousText, previous.starts, index + 1)!;
    const after = lineSpan(next, starts, index + 1)!;
    if (sameText(previousText, before.start, before.end, next, after.start, after.end)) continue;
    const itemIndex = itemIndexAt(previous.items, index + 1);
    const item = previous.items[itemIndex];
    if (!item) return undefined;
    const task = parseTaskLine(next.slice(after.start, after.end));
    if (!task || task.prefix !== item.task.prefix || !/^[ \t]/.test(task.rest) || task.description === "") return undefined;
    items ??= previous.items.slice();
    items[itemIndex] = { ...item, description: task.description, status: task.status, claimedBy: task.claimedBy, task };
  }
  return { ...previous, items: items ?? previous.items, starts };
}

// Compared a chunk at a time (native string comparison), then a character at a time inside the chunk that
// differs: on a 10,000-item board this runs inside the lock whenever another agent wrote first, and a
// character-by-character loop over both 580 KB texts took most of the ~3 ms the re-decision cost.
const CHUNK = 512;

// First offset where the texts differ, and the last differing offset in each (from the common suffix).
function changedOffsets(a: string, b: string): { first: number; last: { previous: number; next: number } } {
  const shorter = Math.min(a.length, b.length);
  let first = 0;
  while (first + CHUNK <= shorter && a.slice(first, first + CHUNK) === b.slice(first, first + CHUNK)) first += CHUNK;
  while (first < shorter && a.charCodeAt(first) === b.charCodeAt(first)) first++;
  let tail = 0;
  const room = shorter - first;
  while (tail + CHUNK <= room && a.slice(a.length - tail - CHUNK, a.length - tail) === b.slice(b.length - tail - CHUNK, b.length - tail))
    tail += CHUNK;
  while (tail < room && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return { first, last: { previous: Math.max(first, a.length - tail - 1), next: Math.max(first, b.length - tail - 1) } };
}

function sameText(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): boolean {
  return aEnd - aStart === bEnd - bStart && a.slice(aStart, aEnd) === b.slice(bStart, bEnd);
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
