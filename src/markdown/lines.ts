/**
 * Line arithmetic over raw text. Every edit in hfs-mcp is a splice at offsets computed here, so that bytes
 * outside the edited line — line endings, a BOM, trailing spaces, a missing final newline — survive as they were.
 */

export type LineEnding = "\n" | "\r\n" | "\r";

export interface LineSpan {
  /** Offset of the first character of the line (after a BOM on line 1). */
  start: number;
  /** Offset just past the line's content, before its line ending. */
  end: number;
  /** Offset just past the line ending (equal to `end` on a last line without one). */
  next: number;
}

const BOM = "\uFEFF";
const LF = 10;
const CR = 13;

/**
 * Offsets where each line starts; index 0 is line 1. A BOM belongs to no line's content. Like CommonMark (and so
 * like the parser's positions), a line ends at LF, CRLF or a lone CR.
 */
export function lineStarts(text: string): number[] {
  const starts = [firstLineStart(text)];
  if (!text.includes("\r")) {
    // The usual case, much faster through indexOf (this runs on every parse of the board).
    for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === LF) starts.push(i + 1);
    else if (code === CR && text.charCodeAt(i + 1) !== LF) starts.push(i + 1);
  }
  return starts;
}

/** Offset where line 1 starts: after a BOM, if there is one. */
export function firstLineStart(text: string): number {
  return text.startsWith(BOM) ? 1 : 0;
}

/** Index (0-based) of the line containing `offset`, by binary search over `starts`. */
export function lineIndexAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The span of 1-based `line`, or undefined when the text has no such line. */
export function lineSpan(text: string, starts: readonly number[], line: number): LineSpan | undefined {
  const start = starts[line - 1];
  if (start === undefined) return undefined;
  const following = starts[line];
  if (following === undefined) return { start, end: text.length, next: text.length };
  const crlf = text.charCodeAt(following - 1) === LF && text.charCodeAt(following - 2) === CR;
  return { start, end: following - (crlf ? 2 : 1), next: following };
}

/** Offset just past the content of the line that starts at `from`. */
function lineContentEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === LF || code === CR) return i;
  }
  return text.length;
}

/** The file's own line ending: that of its first line break, LF for a file without one. */
export function detectLineEnding(text: string): LineEnding {
  const at = lineContentEnd(text, 0);
  if (at === text.length || text.charCodeAt(at) === LF) return "\n";
  return text.charCodeAt(at + 1) === LF ? "\r\n" : "\r";
}

export function endsWithLineBreak(text: string): boolean {
  return text.endsWith("\n") || text.endsWith("\r");
}

/**
 * A change to a text: the characters from `start` up to `end` replaced by `insert`. Edits are returned as
 * this rather than as the new text so that a writer can produce the new file's bytes as a splice of the old
 * ones: the new text is itself a splice (a V8 cons string), and encoding it flattens it into a fresh copy of
 * the whole board, which on a 600 KB board costs a large-object allocation of ~150 freshly faulted pages.
 */
export interface TextEdit {
  start: number;
  end: number;
  insert: string;
}

/** The text after `edit`. */
export function applyEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.start) + edit.insert + text.slice(edit.end);
}

/** Replace the content of one line (not its line ending). */
export function replaceLineContent(span: LineSpan, content: string): TextEdit {
  return { start: span.start, end: span.end, insert: content };
}
