import type { EndLines } from "./end-lines.js";
import { htmlEndsOnLine, htmlStart } from "./html-block.js";
import { atxHeading, fenceOpening, isFenceClosing, isSetextUnderline, isThematicBreak } from "./leaf-starts.js";
import type { LineCursor } from "./line-cursor.js";
import { LAZY_HTML, Paragraph, paragraphInterruption, UNDERLINES } from "./paragraph.js";
import type { ScannedHeading } from "./scan-types.js";

/** What the flow needs from the block scanner around it. */
export interface FlowHost {
  readonly text: string;
  readonly ends: EndLines;
  hasLineEnding(line: number): boolean;
  /** The line ending characters after `line`. */
  lineEnding(line: number): string;
  /** Index of the list item that owns a block starting now (the innermost container, if an item), or -1. */
  owner(): number;
  /** A block starts on `line` as a child of the innermost container. */
  child(line: number): void;
  /**
   * The item is a task: its paragraph starts on `from` (as the scanner sees it) and, for mdast, on `to`
   * (Paragraph.task). When that paragraph is the item's first child, `to` is the item's line.
   */
  markChecked(item: number, from: number, to: number): void;
  heading(heading: ScannedHeading): void;
}

const NONE = 0;
const CONTENT = 1;
const INDENTED = 2;
const FENCED = 3;
const HTML = 4;

// Whether this flow still starts with what makes a list item's first content (micromark-util-subtokenize's
// hook for the task-list extension: the item's flow events start with `content`, or with one bare blank line
// and then `content`).
const FIRST = 0;
const AFTER_BLANK = 1;
const PAST = 2;

/** ATX content without any character that starts inline markup: its title is its text as written. */
const INLINE_MARKUP = /[\\`*_&<]/;

/**
 * The leaf blocks inside one container (micromark's flow tokenizer for it): paragraphs with their leading
 * definitions, headings, thematic breaks, fenced and indented code, HTML blocks, blank lines. The block
 * scanner feeds it each line's part after the container prefixes, in two steps, as micromark's document
 * tokenizer does: `resolve` first decides whether the open block goes on into the line (closing it if not),
 * then, after any container exits that this decision causes, `consume` takes the line.
 */
export class Flow {
  private kind = NONE;
  private phase = PAST;
  private lastLine = 0;
  // Content (a paragraph and/or definitions), the list item it is in (-1: none), and whether it is that
  // item's first content.
  private readonly paragraph: Paragraph;
  private owner = -1;
  private first = false;
  /** The content just ended has a paragraph that the line being taken may underline (setext heading). */
  private setext = false;
  // Fenced code.
  private marker = 0;
  private size = 0;
  // HTML.
  private html = 0;
  // Indented code: its last line, and blank lines that may still belong to it.
  private lastCode = 0;
  private readonly pending: { line: number; quoted: boolean }[] = [];

  constructor(private readonly host: FlowHost) {
    this.paragraph = new Paragraph(host.text, (line) => host.lineEnding(line));
  }

  /** Start afresh, as a new flow; `item`: the list item whose prefix it directly follows, or -1. */
  reset(item: number): void {
    this.kind = NONE;
    this.phase = item >= 0 ? FIRST : PAST;
    this.setext = false;
    if (this.pending.length > 0) this.pending.length = 0;
  }

  /** Something is open that makes a new container an interruption (micromark's `currentConstruct`). */
  interrupts(): boolean {
    return this.kind === CONTENT || this.kind === INDENTED;
  }

  /** Fenced code or HTML is open: containers cannot start inside it (micromark's `concrete`). */
  concrete(): boolean {
    return this.kind === FENCED || this.kind === HTML;
  }

  /** Close the open block if the line does not continue it; returns whether it continues. */
  resolve(cursor: LineCursor, line: number, lazy: boolean): boolean {
    switch (this.kind) {
      case CONTENT: {
        if (cursor.restIsBlank()) {
          this.endContent(false);
          return false;
        }
        if (cursor.spaceColumns() >= 4) return true;
        const ends = paragraphInterruption(this.host.text, cursor, lazy);
        if (ends === undefined) return true;
        if (ends === LAZY_HTML) {
          // micromark lets a complete tag (HTML kind 7) interrupt a paragraph on a lazy line, and decides so
          // only when it has seen the next line: by then the line has been taken as not closing the
          // containers it did not continue, so the HTML block starts inside them.
          this.endContent(false);
          return this.host.hasLineEnding(line);
        }
        this.endContent(ends === UNDERLINES);
        return false;
      }
      case INDENTED:
        // micromark's `furtherStart`: not lazily, 4 columns of indentation, blank lines held until then.
        if (lazy) {
          this.endIndented();
          return false;
        }
        if (cursor.spaceColumns() >= 4 || cursor.restIsBlank()) return true;
        this.endIndented();
        return false;
      case FENCED:
        if (!lazy) return true;
        this.endBeforeLastLineEnding();
        return false;
      case HTML:
        if (!lazy && !(this.html >= 6 && cursor.restIsBlank())) return true;
        this.endBeforeLastLineEnding();
        return false;
      default:
        return false;
    }
  }

  /** Take the line: into the block that goes on, or as the start of a new one. `quoted`: it had a `>`. */
  consume(cursor: LineCursor, line: number, lazy: boolean, quoted: boolean): void {
    const { ends } = this.host;
    const kind = this.kind;
    if (kind === INDENTED && cursor.spaceColumns() < 4) {
      this.pending.push({ line, quoted });
      this.lastLine = line;
      return;
    }
    if (kind === INDENTED) {
      // The held blank lines were code after all (their tokens are inside the code: only `>` counts).
      for (const held of this.pending) if (held.quoted) ends.blockQuotePrefix();
      this.pending.length = 0;
    }
    if (quoted) ends.blockQuotePrefix();
    this.lastLine = line;
    if (kind === NONE) {
      this.start(cursor, line, lazy);
      return;
    }
    ends.stop();
    if (kind === CONTENT) this.paragraph.add(cursor, line);
    else if (kind === INDENTED) this.lastCode = line;
    else if (kind === FENCED) {
      if (isFenceClosing(cursor, this.marker, this.size)) this.endAfter(line);
    } else if (this.html <= 5 && htmlEndsOnLine(this.html, this.host.text, cursor.pos, cursor.end)) this.endAfter(line);
  }

  /**
   * The flow ends (end of the document, or a new container). `lazyEnd`: micromark sees the place where it
   * ends as a lazy line, so fenced code and HTML kinds 1–5 stop before their last line ending instead of
   * taking it in.
   */
  close(lazyEnd: boolean): void {
    switch (this.kind) {
      case CONTENT:
        this.endContent(false);
        break;
      case INDENTED:
        this.endIndented();
        break;
      case FENCED:
        if (lazyEnd) this.endBeforeLastLineEnding();
        break;
      case HTML:
        if (lazyEnd || this.html >= 6) this.endBeforeLastLineEnding();
        break;
    }
    this.kind = NONE;
  }

  private start(cursor: LineCursor, line: number, lazy: boolean): void {
    const { host } = this;
    const { ends, text } = host;
    const setext = this.setext;
    this.setext = false;
    if (cursor.restIsBlank()) {
      // A blank line; a bare one (no whitespace at all) keeps a list item's first content possible.
      this.phase = this.phase === FIRST && cursor.atEnd() ? AFTER_BLANK : PAST;
      this.endAfter(line);
      return;
    }
    const indent = cursor.spaceColumns();
    const firstContent = this.phase !== PAST && indent === 0;
    this.phase = PAST;
    if (indent >= 4) {
      host.child(line);
      ends.stop();
      this.kind = INDENTED;
      this.lastCode = line;
      // `furtherStart` checks first whether this very line was lazy: then the code ends with it, at once.
      if (lazy) this.endIndented();
      return;
    }
    cursor.skipSpaces(3);
    const pos = cursor.pos;
    const end = cursor.end;
    const code = text.charCodeAt(pos);
    if ((code === 61 || code === 45) /* = - */ && setext && !lazy && isSetextUnderline(text, pos, end)) {
      this.setextHeading(line, code === 61 ? 1 : 2);
      ends.stop();
      this.endAfter(line);
      return;
    }
    if (code === 35 /* # */) {
      const atx = atxHeading(text, pos, end);
      if (atx) {
        host.child(line);
        const content = text.slice(atx.start, atx.end);
        host.heading({
          line,
          endLine: line,
          depth: atx.depth,
          source: `# ${content}`,
          leadLine: false,
          title: INLINE_MARKUP.test(content) ? undefined : content.trim(),
        });
        ends.stop();
        this.endAfter(line);
        return;
      }
    }
    if ((code === 42 || code === 45 || code === 95) /* * - _ */ && isThematicBreak(text, pos, end)) {
      host.child(line);
      ends.stop();
      this.endAfter(line);
      return;
    }
    if (code === 96 || code === 126 /* ` ~ */) {
      const size = fenceOpening(text, pos, end);
      if (size > 0) {
        host.child(line);
        ends.stop();
        this.kind = FENCED;
        this.marker = code;
        this.size = size;
        return;
      }
    }
    if (code === 60 /* < */) {
      const html = htmlStart(text, pos, end);
      if (html.kind > 0) {
        host.child(line);
        ends.stop();
        if (html.kind <= 5 && htmlEndsOnLine(html.kind, text, html.resume, end, html.state)) this.endAfter(line);
        else {
          this.kind = HTML;
          this.html = html.kind;
        }
        return;
      }
    }
    host.child(line);
    ends.stop();
    this.kind = CONTENT;
    this.paragraph.begin(cursor, line);
    this.owner = host.owner();
    this.first = firstContent;
  }

  private endContent(underline: boolean): void {
    const { host, paragraph } = this;
    this.kind = NONE;
    const hasParagraph = paragraph.end();
    this.endAfter(paragraph.lastLine());
    if (!hasParagraph) return;
    // An underline on the next line (`start` decides) makes the paragraph a setext heading, with no check.
    if (underline) this.setext = true;
    else if (this.first && this.owner >= 0) {
      const line = paragraph.task();
      if (line > 0) host.markChecked(this.owner, paragraph.startLine(), line);
    }
  }

  private setextHeading(line: number, depth: number): void {
    const { host, paragraph } = this;
    const source = paragraph.setextTitleSource();
    host.heading({ line: paragraph.firstLine(), endLine: line, depth, source, leadLine: true, title: undefined });
  }

  private endIndented(): void {
    const { ends } = this.host;
    this.kind = NONE;
    if (this.host.hasLineEnding(this.lastCode)) ends.lineEnding(this.lastCode);
    for (const held of this.pending) {
      if (held.quoted) ends.blockQuotePrefix();
      if (this.host.hasLineEnding(held.line)) ends.lineEnding(held.line);
    }
    this.pending.length = 0;
  }

  // The block ended with its last line's content; that line's line ending follows it.
  private endBeforeLastLineEnding(): void {
    this.kind = NONE;
    this.endAfter(this.lastLine);
  }

  private endAfter(line: number): void {
    this.kind = NONE;
    if (this.host.hasLineEnding(line)) this.host.ends.lineEnding(line);
  }
}
