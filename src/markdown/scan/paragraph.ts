import { type ContentLine, ContentReader } from "./content-reader.js";
import { ScanDeclined } from "./declined.js";
import { paragraphAfterDefinitions } from "./definitions.js";
import { COMPLETE, htmlStart } from "./html-block.js";
import { atxHeading, fenceOpening, isSetextUnderline, isThematicBreak } from "./leaf-starts.js";
import type { LineCursor } from "./line-cursor.js";
import { TASK, taskCheck, UNMODELLED } from "./task-check.js";

// How a line interrupts a paragraph.
export const INTERRUPTS = 0;
/** A setext underline, if what ends is a paragraph. */
export const UNDERLINES = 1;
/** A complete tag (HTML kind 7) on a lazy line: see Flow.resolve. */
export const LAZY_HTML = 2;

/**
 * Whether a line ends the paragraph before it, from the line's flow part (spec 4.8; micromark's content
 * continuation, which tries the flow constructs in "interrupt" mode): undefined when it does not. Blank
 * lines and 4+ columns of indentation are the caller's; so are new containers, decided before.
 */
export function paragraphInterruption(text: string, cursor: LineCursor, lazy: boolean): number | undefined {
  const { end } = cursor;
  let pos = cursor.pos;
  if (cursor.isSpace()) {
    const { col, charCol } = cursor;
    cursor.skipSpaces(3);
    const past = cursor.pos;
    cursor.moveTo(pos, col, charCol);
    pos = past;
  }
  const code = text.charCodeAt(pos);
  switch (code) {
    case 35:
      return atxHeading(text, pos, end) ? INTERRUPTS : undefined;
    case 42:
    case 95:
      return isThematicBreak(text, pos, end) ? INTERRUPTS : undefined;
    case 45:
    case 61:
      // A setext underline cannot be lazy (micromark checks the line), a thematic break can.
      if (!lazy && isSetextUnderline(text, pos, end)) return UNDERLINES;
      return code === 45 && isThematicBreak(text, pos, end) ? INTERRUPTS : undefined;
    case 96:
    case 126:
      return fenceOpening(text, pos, end) > 0 ? INTERRUPTS : undefined;
    case 60: {
      // A complete tag (kind 7) cannot interrupt a paragraph, except on a lazy line (micromark's rule).
      const { kind } = htmlStart(text, pos, end);
      if (kind === COMPLETE) return lazy ? LAZY_HTML : undefined;
      return kind > 0 ? INTERRUPTS : undefined;
    }
    default:
      return undefined;
  }
}

const UNDERLINE_LIKE = /^ {0,3}(=+|-+)[ \t]*$/;

/**
 * The lines of one paragraph-like block (micromark's "content": leading link reference definitions, then
 * maybe a paragraph), and what it means once it ends: whether it holds a paragraph, whether that paragraph
 * opens with a GFM task-list check, or the title source of the setext heading it becomes. The line objects
 * are reused from block to block: the scanner creates one paragraph per document.
 */
export class Paragraph {
  private readonly lines: ContentLine[] = [];
  private count = 0;
  private readonly reader: ContentReader;
  /** Index of the line where the paragraph proper starts (after definitions; the reader is there), or -1. */
  private start = -1;

  constructor(private readonly text: string) {
    this.reader = new ContentReader(text, this.lines);
  }

  /** The block starts with `line`, its flow part at the cursor. */
  begin(cursor: LineCursor, line: number): void {
    this.count = 0;
    this.add(cursor, line);
  }

  add(cursor: LineCursor, line: number): void {
    let at = this.lines[this.count];
    if (!at) {
      at = { line: 0, start: 0, end: 0, virtual: 0, col: 0 };
      this.lines.push(at);
    }
    this.count++;
    at.line = line;
    at.end = cursor.end;
    at.col = cursor.col;
    if (cursor.inTab()) {
      at.start = cursor.pos + 1;
      at.virtual = cursor.charCol + 4 - (cursor.charCol & 3) - cursor.col;
    } else {
      at.start = cursor.pos;
      at.virtual = 0;
    }
  }

  firstLine(): number {
    return this.lines[0]!.line;
  }

  lastLine(): number {
    return this.lines[this.count - 1]!.line;
  }

  /** The block has ended: reads its definitions; returns whether a paragraph follows them. */
  end(): boolean {
    this.reader.count = this.count;
    this.start = paragraphAfterDefinitions(this.reader);
    return this.start >= 0;
  }

  /** After `end()`, the paragraph is a list item's first: does it open with a task-list check? */
  isTask(): boolean {
    const check = taskCheck(this.reader);
    if (check === UNMODELLED) throw new ScanDeclined("a task list check box spanning a line ending");
    return check === TASK;
  }

  /**
   * After `end()`, the paragraph is a setext heading's text: markdown whose parse gives its title. The lines
   * as the flow had them (whitespace matters in code spans), after a line `x` so that the first one is read
   * as paragraph continuation, as the rest were here (a paragraph after definitions starts on such a line).
   * A line that reads as a setext underline on its own would end the paragraph there: the first one (`===`
   * starting the paragraph) goes with its first character escaped (the same text, and no inline markup can
   * start before it); a later, lazy one is not modelled (escaping it could change a code span around it).
   */
  setextTitleSource(lineEnding: (line: number) => string): string {
    const { lines, text } = this;
    let source = "x\n";
    for (let index = this.start; index < this.count; index++) {
      const at = lines[index]!;
      let part = " ".repeat(at.virtual) + text.slice(at.start, at.end);
      if (UNDERLINE_LIKE.test(part)) {
        if (index !== this.start) throw new ScanDeclined("a setext heading line that reads as an underline");
        const indent = part.length - part.trimStart().length;
        part = `${part.slice(0, indent)}\\${part.slice(indent)}`;
      }
      source += part + lineEnding(at.line);
    }
    return `${source}=`;
  }
}
