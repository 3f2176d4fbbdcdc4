import { parseUnlimited } from "../parse-markdown.js";
import { type ContentLine, ContentReader } from "./content-reader.js";
import { ScanDeclined } from "./declined.js";
import { paragraphAfterDefinitions } from "./definitions.js";
import { COMPLETE, htmlStart } from "./html-block.js";
import { atxHeading, fenceOpening, isSetextUnderline, isThematicBreak } from "./leaf-starts.js";
import type { LineCursor } from "./line-cursor.js";
import { NOT_A_TASK, TASK, taskCheck } from "./task-check.js";

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

  constructor(
    private readonly text: string,
    private readonly lineEnding: (line: number) => string,
  ) {
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

  /**
   * A line of the block as its flow part read, to be parsed on its own: its characters (whitespace matters
   * inside code spans). Put at a multiple of 4 columns, its leading whitespace is then at least 4 columns
   * wide wherever it was here, so it goes on the paragraph wherever it did. The rest of a tab partly taken by
   * a container prefix is written as spaces: as leading whitespace of a paragraph line it is no text. Inside
   * a code span or inline HTML running on from the line before, micromark keeps those columns as spaces that
   * are not space characters (a code span does not strip them as its padding): not modelled.
   */
  private lineAsRead(at: ContentLine): string {
    if (at.virtual > 0 && this.mayRunOn()) throw new ScanDeclined("a paragraph line starting inside a tab, after a backtick or `<`");
    return " ".repeat(at.virtual) + this.text.slice(at.start, at.end);
  }

  // Whether an inline construct might run from one line of the paragraph into the next.
  private mayRunOn(): boolean {
    for (let index = this.start; index < this.count; index++) {
      const at = this.lines[index]!;
      for (let pos = at.start; pos < at.end; pos++) {
        const code = this.text.charCodeAt(pos);
        if (code === 96 || code === 60) return true;
      }
    }
    return false;
  }

  /** After `end()`: the line where the paragraph proper starts. */
  startLine(): number {
    return this.lines[this.start]!.line;
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

  /**
   * After `end()`, the paragraph is a list item's first content: whether it opens with a task-list check, as
   * the line where mdast then starts it (0: no task). That is its first line, except after a box spanning a
   * line ending: `mdast-util-gfm-task-list-item` drops the whitespace after the box from the paragraph's first
   * text node and, unless that empties the node, starts the paragraph there, on the `]` line. Whether it does
   * depends on the inline content after the box, so that content is parsed alone, after `-   [ ]`.
   */
  task(): number {
    const check = taskCheck(this.reader);
    if (check === NOT_A_TASK) return 0;
    const first = this.startLine();
    if (check === TASK) return first;
    const { lines, text } = this;
    const box = lines[this.start + 1]!;
    // The item's content at column 4: the following lines go in indented that far, so each goes on the
    // paragraph as it did here. Only a line that reads as a setext underline goes in as it is: it was a lazy
    // line here, and is one there.
    let source = `-   [ ]${text.slice(box.start + 1, box.end)}`;
    for (let index = this.start + 2; index < this.count; index++) {
      const part = this.lineAsRead(lines[index]!);
      source += this.lineEnding(lines[index - 1]!.line) + (UNDERLINE_LIKE.test(part) ? part : `    ${part}`);
    }
    const list = parseUnlimited(source).children[0];
    const item = list?.type === "list" ? list.children[0] : undefined;
    const paragraph = item?.children[0];
    if (paragraph?.type !== "paragraph" || typeof item?.checked !== "boolean") {
      throw new ScanDeclined("a task list check box spanning a line ending, in a paragraph read differently alone");
    }
    return paragraph.position?.start.column === 5 ? first : box.line;
  }

  /**
   * After `end()`, the paragraph is a setext heading's text: markdown whose parse gives its title. The lines
   * as the flow had them (whitespace matters in code spans), after a line `x` so that the first one is read
   * as paragraph continuation, as the rest were here (a paragraph after definitions starts on such a line).
   * A line that reads as a setext underline on its own would end the paragraph there: the first one (`===`
   * starting the paragraph) goes with its first character escaped (the same text, and no inline markup can
   * start before it); a later, lazy one is not modelled (escaping it could change a code span around it).
   */
  setextTitleSource(): string {
    const { lines } = this;
    let source = "x\n";
    for (let index = this.start; index < this.count; index++) {
      const at = lines[index]!;
      let part = this.lineAsRead(at);
      if (UNDERLINE_LIKE.test(part)) {
        if (index !== this.start) throw new ScanDeclined("a setext heading line that reads as an underline");
        const indent = part.length - part.trimStart().length;
        part = `${part.slice(0, indent)}\\${part.slice(indent)}`;
      }
      source += part + this.lineEnding(at.line);
    }
    return `${source}=`;
  }
}
