import { EndLines } from "./end-lines.js";
import { Flow, type FlowHost } from "./flow.js";
import { LineCursor } from "./line-cursor.js";
import { type ItemStart, listItemStart } from "./list-marker.js";
import type { BlockScan, ScannedHeading, ScannedItem } from "./scan-types.js";

/**
 * CommonMark's block structure in one pass over the lines: the container part (block quotes and list items,
 * spec 5) mirrors micromark's document tokenizer, step for step, since that is what gives mdast its tree:
 * 1. each open container, outermost first, tries to continue on the line (`>`; a list item's indentation,
 *    or a blank line; else a new item of the same list);
 * 2. unless fenced code or HTML is open in the innermost one, new containers may start (with the
 *    interruption rules of spec 5.2 when a paragraph or indented code is open);
 * 3. the rest of the line goes to the innermost container's flow (flow.ts), lazily when step 1 left
 *    containers unmatched: if the line then does not continue a paragraph, those containers close first.
 * List items' end lines follow mdast's positions (end-lines.ts).
 */

interface Container {
  quote: boolean;
  // The rest is for lists: micromark keeps one container state per list, renewed by each item's marker.
  ordered: boolean;
  /** The bullet, or the delimiter of an ordered list. */
  marker: number;
  /** Columns of the current item's content indentation. */
  size: number;
  initialBlankLine: boolean;
  furtherBlankLines: boolean;
  item: number;
  list: number;
}

export function scanBlocks(text: string, starts: readonly number[]): BlockScan {
  return new BlockScanner(text, starts).scan();
}

class BlockScanner implements FlowHost {
  readonly ends = new EndLines();
  private readonly cursor = new LineCursor();
  private readonly stack: Container[] = [];
  private readonly items: ScannedItem[] = [];
  private readonly headings: ScannedHeading[] = [];
  private readonly flow: Flow;
  private readonly start: ItemStart = { ordered: false, marker: 0, size: 0, initialBlankLine: false };
  private lists = 0;

  constructor(
    readonly text: string,
    private readonly starts: readonly number[],
  ) {
    // One flow object, reset whenever micromark would start a new flow tokenizer.
    this.flow = new Flow(this);
  }

  scan(): BlockScan {
    const { starts, text } = this;
    // The last line is only the end of the document when it is empty (after a final line ending, or empty text).
    const last = starts.length;
    const lines = this.lineEndOf(last) > starts[last - 1]! ? last : last - 1;
    for (let line = 1; line <= lines; line++) {
      this.cursor.reset(text, starts[line - 1]!, this.lineEndOf(line));
      this.line(line);
    }
    // micromark sees an empty last line after a final line ending: only list items continue on it, so with
    // a block quote open it is lazy (which stops fenced code and HTML before that line ending).
    const lazyEnd = lines < last && lines > 0 && this.stack.some((container) => container.quote);
    this.flow.close(lazyEnd);
    this.exit(0, last);
    return { items: this.items, headings: this.headings };
  }

  private line(line: number): void {
    const { cursor, stack } = this;
    let continued = 0;
    let quoted = false;
    let sibling = -1;
    while (continued < stack.length) {
      const container = stack[continued]!;
      const { pos, col, charCol } = cursor;
      if (container.quote) {
        cursor.skipSpaces(3);
        if (cursor.code() !== 62 /* > */ || cursor.inTab()) {
          cursor.moveTo(pos, col, charCol);
          break;
        }
        cursor.advance();
        if (cursor.isSpace()) cursor.advance();
        quoted = true;
        continued++;
        continue;
      }
      if (cursor.restIsBlank()) {
        container.furtherBlankLines = container.furtherBlankLines || container.initialBlankLine;
        cursor.skipSpaces(container.size);
        continued++;
        continue;
      }
      const further = container.furtherBlankLines;
      container.furtherBlankLines = false;
      container.initialBlankLine = false;
      if (!further && cursor.isSpace() && cursor.spaceColumns() >= container.size) {
        cursor.skipSpaces(container.size);
        continued++;
        continue;
      }
      // Not in the current item: maybe the list's next item (never interrupting).
      if (listItemStart(cursor, container, cursor.skipSpaces(3), false, this.start)) sibling = continued++;
      else cursor.moveTo(pos, col, charCol);
      break;
    }

    if (sibling >= 0) {
      this.flow.close(false);
      this.exit(sibling + 1, line);
      if (quoted) this.ends.blockQuotePrefix();
      const list = stack[sibling]!;
      const { start } = this;
      this.items[list.item]!.end = this.ends.itemMarker(line);
      list.marker = start.marker;
      list.size = start.size;
      list.initialBlankLine = start.initialBlankLine;
      list.item = this.newItem(list);
      this.openContainers(line, false, list.item);
      return;
    }

    const flow = this.flow;
    if (line === 1) {
      this.openContainers(line, false, -1);
      return;
    }
    let interrupt = false;
    if (continued === stack.length) {
      if (flow.concrete()) {
        flow.resolve(cursor, line, false);
        flow.consume(cursor, line, false, quoted);
        return;
      }
      interrupt = flow.interrupts();
    }
    if (this.startsContainer(interrupt)) {
      flow.close(false);
      if (quoted) this.ends.blockQuotePrefix();
      this.exit(continued, line);
      this.openContainers(line, interrupt, -1);
      return;
    }
    const lazy = continued < stack.length;
    if (lazy && cursor.atEnd() && !this.hasLineEnding(line)) {
      // Nothing after the prefixes of the last line: micromark's flow sees the end of the document there, not
      // a lazy line. The flow ends (lazily), and the containers exit at the end, after this line's prefixes.
      flow.close(true);
      if (quoted) this.ends.blockQuotePrefix();
      return;
    }
    if (!flow.resolve(cursor, line, lazy) && lazy) this.exit(continued, line);
    flow.consume(cursor, line, lazy, quoted);
  }

  // New containers on the line (micromark's `documentContinued`), then a new flow for the rest of it.
  private openContainers(line: number, interrupt: boolean, item: number): void {
    let flowItem = item;
    for (;;) {
      const opened = this.containerStart(line, interrupt);
      if (opened === undefined) break;
      flowItem = opened;
    }
    this.flow.reset(flowItem);
    this.flow.consume(this.cursor, line, false, false);
  }

  /** Whether a container starts at the cursor (micromark's check before closing anything). */
  private startsContainer(interrupt: boolean): boolean {
    const { cursor } = this;
    const { pos, col, charCol } = cursor;
    const indent = cursor.skipSpaces(3);
    const found = (cursor.code() === 62 && !cursor.inTab()) || listItemStart(cursor, undefined, indent, interrupt, this.start);
    cursor.moveTo(pos, col, charCol);
    return found;
  }

  /**
   * A container starting at the cursor: pushed, and the cursor moved past its prefix. Returns the new list
   * item's index (-1 for a block quote), or undefined (cursor unmoved) when there is none.
   */
  private containerStart(line: number, interrupt: boolean): number | undefined {
    const { cursor } = this;
    const { pos, col, charCol } = cursor;
    const indent = cursor.skipSpaces(3);
    if (cursor.code() === 62 /* > */ && !cursor.inTab()) {
      cursor.advance();
      if (cursor.isSpace()) cursor.advance();
      this.child(line);
      this.ends.stop();
      this.stack.push({
        quote: true,
        ordered: false,
        marker: 0,
        size: 0,
        initialBlankLine: false,
        furtherBlankLines: false,
        item: -1,
        list: -1,
      });
      return -1;
    }
    if (!listItemStart(cursor, undefined, indent, interrupt, this.start)) {
      cursor.moveTo(pos, col, charCol);
      return undefined;
    }
    this.child(line);
    this.ends.stop();
    const { start } = this;
    const list: Container = {
      quote: false,
      ordered: start.ordered,
      marker: start.marker,
      size: start.size,
      initialBlankLine: start.initialBlankLine,
      furtherBlankLines: false,
      item: -1,
      list: this.lists++,
    };
    list.item = this.newItem(list);
    this.stack.push(list);
    return list.item;
  }

  private newItem(list: Container): number {
    const { stack } = this;
    let parent = -1;
    let outer = -1;
    for (let index = 0; index < stack.length; index++) {
      const container = stack[index]!;
      if (container === list || container.quote) continue;
      if (outer < 0) outer = container.item;
      parent = container.item;
    }
    const index = this.items.length;
    this.items.push({
      firstChild: 0,
      list: list.list,
      ordered: list.ordered,
      parent,
      outer: outer < 0 ? index : outer,
      end: 0,
      checked: false,
    });
    return index;
  }

  /** Containers from `from` up close on `line` (innermost first, as micromark exits them). */
  private exit(from: number, line: number): void {
    const { stack } = this;
    if (from >= stack.length) return;
    const { first, others } = this.ends.exits(line);
    for (let index = stack.length - 1; index >= from; index--) {
      const container = stack[index]!;
      if (!container.quote) this.items[container.item]!.end = index === stack.length - 1 ? first : others;
    }
    stack.length = from;
  }

  private lineEndOf(line: number): number {
    const { starts, text } = this;
    const following = starts[line];
    if (following === undefined) return text.length;
    return following - (text.charCodeAt(following - 1) === 10 && text.charCodeAt(following - 2) === 13 ? 2 : 1);
  }

  // FlowHost

  hasLineEnding(line: number): boolean {
    return line < this.starts.length;
  }

  lineEnding(line: number): string {
    return this.text.slice(this.lineEndOf(line), this.starts[line]);
  }

  owner(): number {
    const innermost = this.stack[this.stack.length - 1];
    return innermost && !innermost.quote ? innermost.item : -1;
  }

  child(line: number): void {
    const item = this.items[this.owner()];
    if (item && item.firstChild === 0) item.firstChild = line;
  }

  markChecked(item: number, from: number, to: number): void {
    const at = this.items[item]!;
    at.checked = true;
    if (at.firstChild === from) at.firstChild = to;
  }

  heading(heading: ScannedHeading): void {
    this.headings.push(heading);
  }
}
