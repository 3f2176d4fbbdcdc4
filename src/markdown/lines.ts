/**
 * Line arithmetic over raw text. Every edit in hfs-mcp is a splice at offsets computed here, so that bytes
 * outside the edited line — line endings, a BOM, trailing spaces, a missing final newline — survive as they were.
 */

export type LineEnding = "\n" | "\r\n";

export interface LineSpan {
  /** Offset of the first character of the line (after a BOM on line 1). */
  start: number;
  /** Offset just past the line's content, before its line ending. */
  end: number;
  /** Offset just past the line ending (equal to `end` on a last line without one). */
  next: number;
}

const BOM = "\uFEFF";

/** Offsets where each line starts; index 0 is line 1. A BOM belongs to no line's content. */
export function lineStarts(text: string): number[] {
  const starts = [text.startsWith(BOM) ? 1 : 0];
  let at = text.indexOf("\n");
  while (at !== -1) {
    starts.push(at + 1);
    at = text.indexOf("\n", at + 1);
  }
  return starts;
}

/** The span of 1-based `line`, or undefined when the text has no such line. */
export function lineSpan(text: string, starts: readonly number[], line: number): LineSpan | undefined {
  const start = starts[line - 1];
  if (start === undefined) return undefined;
  const following = starts[line];
  const next = following ?? text.length;
  let end = next;
  if (following !== undefined) {
    end -= 1;
    if (text.charCodeAt(end - 1) === 13) end -= 1;
  }
  return { start, end, next };
}

/** The file's own line ending: that of its first line break, LF for a file without one. */
export function detectLineEnding(text: string): LineEnding {
  const at = text.indexOf("\n");
  return at > 0 && text.charCodeAt(at - 1) === 13 ? "\r\n" : "\n";
}

export function endsWithLineBreak(text: string): boolean {
  return text.endsWith("\n");
}

/** Replace the content of one line (not its line ending). */
export function replaceLineContent(text: string, span: LineSpan, content: string): string {
  return text.slice(0, span.start) + content + text.slice(span.end);
}
