/**
 * The characters of a paragraph-like block ("content" in micromark) as micromark's tokenizers see them: the
 * lines' flow parts joined by line endings, a tab as one tab code plus virtual spaces up to the next tab stop,
 * the end of the block as EOF. Link reference definitions and the task-list check are read through it, so
 * that what they count (label lengths are in codes) and what they stop at is exactly micromark's.
 */

export const EOF = -100;
export const EOL = -4;
export const HT = -2;
export const VS = -1;

export interface ContentLine {
  line: number;
  /** First character of the line's part of the block. */
  start: number;
  end: number;
  /** Columns of a partly consumed tab before `start` (left over by a container prefix). */
  virtual: number;
  /** Absolute column of the line's first code (the virtual columns included). */
  col: number;
}

export class ContentReader {
  /** Lines of `lines` in the block (the array is reused from block to block). */
  count = 0;
  line = 0;
  pos = 0;
  /** Virtual spaces left before `pos`. */
  virtual = 0;
  col = 0;

  constructor(
    readonly text: string,
    readonly lines: readonly ContentLine[],
  ) {}

  seek(line: number, pos: number, virtual: number, col: number): void {
    this.line = line;
    this.pos = pos;
    this.virtual = virtual;
    this.col = col;
  }

  seekLine(line: number): void {
    const at = this.lines[line]!;
    this.seek(line, at.start, at.virtual, at.col);
  }

  save(): number[] {
    return [this.line, this.pos, this.virtual, this.col];
  }

  restore(state: readonly number[]): void {
    this.seek(state[0]!, state[1]!, state[2]!, state[3]!);
  }

  code(): number {
    if (this.virtual > 0) return VS;
    if (this.pos < this.lines[this.line]!.end) {
      const code = this.text.charCodeAt(this.pos);
      return code === 9 ? HT : code;
    }
    return this.line === this.count - 1 ? EOF : EOL;
  }

  next(): void {
    if (this.virtual > 0) {
      this.virtual--;
      this.col++;
      return;
    }
    const at = this.lines[this.line]!;
    if (this.pos < at.end) {
      if (this.text.charCodeAt(this.pos) === 9) this.virtual = 3 - (this.col & 3);
      this.pos++;
      this.col++;
      return;
    }
    this.seekLine(this.line + 1);
  }

  skipSpaces(): void {
    while (isMarkdownSpace(this.code())) this.next();
  }
}

export function isMarkdownSpace(code: number): boolean {
  return code === HT || code === VS || code === 32;
}

export function isLineEndingOrSpace(code: number): boolean {
  return code === EOL || code === HT || code === VS || code === 32;
}

/** micromark's `asciiControl`, which also holds for its negative codes (tabs, virtual spaces, line endings). */
export function isAsciiControl(code: number): boolean {
  return code !== EOF && (code < 32 || code === 127);
}
