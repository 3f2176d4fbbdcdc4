import { lineSpan, lineStarts } from "./lines.js";
import { type Board, type BoardItem, itemIndexAtLine } from "./parse-board.js";
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

  let items: BoardItem[] | undefined;
  let structure = previous.structure;
  for (const index of changedLines(previousText, previous.starts, next, starts)) {
    const before = lineSpan(previousText, previous.starts, index + 1)!;
    const after = lineSpan(next, starts, index + 1)!;
    if (sameText(previousText, before.start, before.end, next, after.start, after.end)) continue; // a line ending
    const itemIndex = itemIndexAtLine(previous.items, index + 1);
    const item = previous.items[itemIndex];
    if (!item) return undefined;
    const task = parseTaskLine(next.slice(after.start, after.end));
    if (!task || task.prefix !== item.task.prefix || !/^[ \t]/.test(task.rest) || task.description === "") return undefined;
    items ??= previous.items.slice();
    items[itemIndex] = { ...item, description: task.description, status: task.status, claimedBy: task.claimedBy, task };
    if (task.description !== item.description || !sameNames(task.after, item.task.after)) structure = {};
  }
  return { ...previous, items: items ?? previous.items, starts, structure };
}

/**
 * The (0-based) lines whose text differs between two texts of as many lines, in order. Ranges of lines are
 * compared whole and halved only where they differ, so an unchanged stretch costs one native comparison, not
 * one per line: with eight agents' claims scattered over a 10,000-item board, comparing line by line took
 * ~0.9 ms, and this runs inside the lock whenever another agent wrote first.
 */
function changedLines(a: string, aStarts: readonly number[], b: string, bStarts: readonly number[]): number[] {
  const changed: number[] = [];
  const end = (text: string, starts: readonly number[], line: number) => (line < starts.length ? starts[line]! : text.length);
  const visit = (low: number, high: number): void => {
    const aStart = aStarts[low]!;
    const bStart = bStarts[low]!;
    const aEnd = end(a, aStarts, high);
    const bEnd = end(b, bStarts, high);
    if (sameText(a, aStart, aEnd, b, bStart, bEnd)) return;
    if (high - low === 1) {
      changed.push(low);
      return;
    }
    const middle = (low + high) >> 1;
    visit(low, middle);
    visit(middle, high);
  };
  visit(0, aStarts.length);
  return changed;
}

function sameText(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): boolean {
  return aEnd - aStart === bEnd - bStart && a.slice(aStart, aEnd) === b.slice(bStart, bEnd);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, k) => name === b[k]);
}
