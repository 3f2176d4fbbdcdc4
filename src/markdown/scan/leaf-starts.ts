import { type LineCursor, SPACE, TAB } from "./line-cursor.js";

/**
 * Recognisers for the one-line parts of CommonMark's leaf blocks: ATX headings, thematic breaks, setext
 * underlines, code fence lines. Each takes the line from its first non-whitespace character (`pos`, the flow
 * having skipped at most 3 columns of indentation) to `end`, and mirrors the corresponding micromark tokenizer
 * (micromark-core-commonmark 2.x), which is what decides structure for the mdast parser.
 */

export function isSpaceOrTab(code: number): boolean {
  return code === SPACE || code === TAB;
}

const HASH = 35;

/** Where an ATX heading's text is; `start === end` for an empty heading. */
export interface AtxHeading {
  depth: number;
  start: number;
  end: number;
}

/**
 * Spec 4.2: 1–6 `#`, then whitespace or the end of the line. The content runs from the first non-whitespace
 * character to the last, without a closing sequence of `#` that stands alone or after whitespace
 * (micromark's `resolveHeadingAtx`).
 */
export function atxHeading(text: string, pos: number, end: number): AtxHeading | undefined {
  let p = pos;
  while (p < end && text.charCodeAt(p) === HASH) p++;
  const depth = p - pos;
  if (depth > 6 || (p < end && !isSpaceOrTab(text.charCodeAt(p)))) return undefined;
  while (p < end && isSpaceOrTab(text.charCodeAt(p))) p++;
  let last = end;
  while (last > p && isSpaceOrTab(text.charCodeAt(last - 1))) last--;
  let hashes = last;
  while (hashes > p && text.charCodeAt(hashes - 1) === HASH) hashes--;
  if (hashes < last && (hashes === p || isSpaceOrTab(text.charCodeAt(hashes - 1)))) {
    last = hashes;
    while (last > p && isSpaceOrTab(text.charCodeAt(last - 1))) last--;
  }
  return { depth, start: p, end: last };
}

/** Spec 4.1: three or more of the same `*`, `-` or `_`, with only spaces or tabs between and after. */
export function isThematicBreak(text: string, pos: number, end: number): boolean {
  const marker = text.charCodeAt(pos);
  let count = 0;
  for (let p = pos; p < end; p++) {
    const code = text.charCodeAt(p);
    if (code === marker) count++;
    else if (!isSpaceOrTab(code)) return false;
  }
  return count >= 3;
}

/** Spec 4.3: a run of `=` or of `-`, then only spaces or tabs (whether it underlines is the caller's rule). */
export function isSetextUnderline(text: string, pos: number, end: number): boolean {
  const marker = text.charCodeAt(pos);
  let p = pos;
  while (p < end && text.charCodeAt(p) === marker) p++;
  while (p < end && isSpaceOrTab(text.charCodeAt(p))) p++;
  return p === end;
}

const BACKTICK = 96;

/**
 * Spec 4.5: an opening fence is 3+ backticks or tildes; the info string of a backtick fence cannot contain a
 * backtick. Returns the fence length, 0 when the line is no opening fence.
 */
export function fenceOpening(text: string, pos: number, end: number): number {
  const marker = text.charCodeAt(pos);
  let p = pos;
  while (p < end && text.charCodeAt(p) === marker) p++;
  const size = p - pos;
  if (size < 3) return 0;
  if (marker === BACKTICK) for (; p < end; p++) if (text.charCodeAt(p) === BACKTICK) return 0;
  return size;
}

/**
 * Spec 4.5: a closing fence is indented at most 3 columns (whatever the opening's indent), at least as long as
 * the opening, of the same character, and followed only by whitespace. The cursor is at the line's flow part.
 */
export function isFenceClosing(cursor: LineCursor, marker: number, size: number): boolean {
  const { pos, col, charCol } = cursor;
  cursor.skipSpaces(3);
  const ok = !cursor.inTab() && closingRun(cursor.text, cursor.pos, cursor.end, marker, size);
  cursor.moveTo(pos, col, charCol);
  return ok;
}

function closingRun(text: string, pos: number, end: number, marker: number, size: number): boolean {
  let p = pos;
  while (p < end && text.charCodeAt(p) === marker) p++;
  if (p - pos < size) return false;
  while (p < end && isSpaceOrTab(text.charCodeAt(p))) p++;
  return p === end;
}
