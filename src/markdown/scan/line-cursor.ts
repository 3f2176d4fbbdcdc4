/**
 * A position inside one line, counted in columns the way CommonMark (and micromark) count them: a tab advances
 * to the next multiple of 4 (spec 0.31, "Tabs"), and a container may consume only part of a tab, leaving the
 * rest of its columns as whitespace for what follows (micromark models that as one tab code followed by
 * "virtual spaces"). Every width, indent and prefix rule of the block scanner is measured through this cursor.
 */

export const TAB = 9;
export const SPACE = 32;

export class LineCursor {
  text = "";
  /** Index of the character under the cursor. */
  pos = 0;
  /** Absolute column of the cursor (0-based, from the line's first character). */
  col = 0;
  /** Column where `text[pos]` starts: less than `col` only inside a partly consumed tab. */
  charCol = 0;
  /** Index just past the line's content (before its line ending). */
  end = 0;
  /** Index just past the line's last character other than a space or tab. */
  private filled = 0;

  reset(text: string, start: number, end: number): void {
    this.text = text;
    this.pos = start;
    this.col = 0;
    this.charCol = 0;
    this.end = end;
    let filled = end;
    for (let code = text.charCodeAt(filled - 1); filled > start && (code === SPACE || code === TAB); code = text.charCodeAt(filled - 1)) {
      filled--;
    }
    this.filled = filled;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The character under the cursor (a tab also when inside one), or -1 at the end of the line. */
  code(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Inside a tab some of whose columns were consumed (micromark: at a virtual space). */
  inTab(): boolean {
    return this.col > this.charCol;
  }

  isSpace(): boolean {
    const code = this.code();
    return code === SPACE || code === TAB;
  }

  /** Consume one column: a space, one column of a tab, or any other character. */
  advance(): void {
    if (this.text.charCodeAt(this.pos) === TAB) {
      this.col++;
      if (this.col - this.charCol >= 4 - (this.charCol & 3)) {
        this.pos++;
        this.charCol = this.col;
      }
      return;
    }
    this.pos++;
    this.col++;
    this.charCol = this.col;
  }

  /** Consume at most `max` columns of whitespace; returns how many were consumed. */
  skipSpaces(max: number): number {
    let count = 0;
    while (count < max && this.isSpace()) {
      this.advance();
      count++;
    }
    return count;
  }

  /** Columns of whitespace from the cursor to the first other character, without moving. */
  spaceColumns(): number {
    let pos = this.pos;
    let col = this.charCol;
    while (pos < this.end) {
      const code = this.text.charCodeAt(pos);
      if (code === SPACE) col++;
      else if (code === TAB) col += 4 - (col & 3);
      else break;
      pos++;
    }
    return col - this.col;
  }

  /** Only whitespace (or nothing) from the cursor to the end of the line. */
  restIsBlank(): boolean {
    return this.pos >= this.filled;
  }

  /** Back to a position read earlier from `pos`, `col` and `charCol` (no allocation: this runs per line). */
  moveTo(pos: number, col: number, charCol: number): void {
    this.pos = pos;
    this.col = col;
    this.charCol = charCol;
  }
}
