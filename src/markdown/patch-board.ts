import { firstLineStart, lineSpan, lineStarts } from "./lines.js";
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
  const lines = sameLinesBesides(previousText, previous.starts, next);
  if (!lines) return undefined;
  const { starts, changed } = lines;

  let items: BoardItem[] | undefined;
  let structure = previous.structure;
  for (const index of changed) {
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
 * When `next` has as many lines as `previous` (whose line starts are `previousStarts`) and starts as it does (a
 * BOM or not): its line starts, and the (0-based) lines whose text differs, in order. Undefined otherwise.
 */
function sameLinesBesides(
  previous: string,
  previousStarts: readonly number[],
  next: string,
): { starts: number[]; changed: number[] } | undefined {
  if (firstLineStart(next) !== previousStarts[0]) return undefined;
  if (!previous.includes("\r") && !next.includes("\r")) return changedLinesLF(previous, previousStarts, next);
  const starts = lineStarts(next);
  if (starts.length !== previousStarts.length) return undefined;
  return { starts, changed: changedLines(previous, previousStarts, next, starts) };
}

/**
 * sameLinesBesides for two texts whose only line break is LF, without first finding every line of `next`
 * (10,000 searches for a line break on a 10,000-item board, ~0.3 ms, twice a call when another agent wrote
 * first). The lines of `previous` are compared in ranges, halved only where they differ, each against the text
 * of `next` at the same offset shifted by what the changed lines before it grew or shrank: an unchanged range
 * is the same lines in both; a changed line is matched with the line of `next` starting at its shifted offset.
 * Matching every line so, `next` must end where the last one does, or it has lines `previous` has not.
 */
function changedLinesLF(a: string, aStarts: readonly number[], b: string): { starts: number[]; changed: number[] } | undefined {
  const lines = aStarts.length;
  const changed: number[] = [];
  const shifts: number[] = []; // by changed line: where the lines after it start in b, less where they do in a
  let shift = 0;
  let fits = true;
  const visit = (low: number, high: number): void => {
    const aStart = aStarts[low]!;
    const aEnd = high < lines ? aStarts[high]! : a.length;
    const bStart = aStart + shift;
    const bEnd = bStart + (aEnd - aStart);
    const unchanged = (high < lines ? bEnd <= b.length : bEnd === b.length) && a.slice(aStart, aEnd) === b.slice(bStart, bEnd);
    if (unchanged) return;
    if (high - low > 1) {
      const middle = (low + high) >> 1;
      visit(low, middle);
      if (fits) visit(middle, high);
      return;
    }
    const lineBreak = b.indexOf("\n", bStart);
    if (high === lines) {
      fits = lineBreak === -1; // the last line: b must have no further line
      shift = b.length - a.length;
    } else {
      fits = lineBreak !== -1; // b must have a line after this one
      shift = lineBreak + 1 - aEnd;
    }
    changed.push(low);
    shifts.push(shift);
  };
  visit(0, lines);
  if (!fits) return undefined;
  const starts = aStarts.slice();
  for (let k = 0; k < changed.length; k++) {
    const until = k + 1 < changed.length ? changed[k + 1]! : lines - 1;
    for (let line = changed[k]! + 1; line <= until; line++) starts[line] = aStarts[line]! + shifts[k]!;
  }
  return { starts, changed };
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
