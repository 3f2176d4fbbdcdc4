import { type ContentReader, EOF, EOL, isAsciiControl, isLineEndingOrSpace, isMarkdownSpace } from "./content-reader.js";

/**
 * Link reference definitions (spec 4.7) at the start of a paragraph-like block, as micromark's `definition`
 * construct and its label/destination/title factories read them. They matter to the board twice: a block made
 * only of definitions is no paragraph (so it cannot be a setext heading's text), and a list item's check box
 * belongs to the paragraph after its leading definitions.
 */

const LABEL_SIZE_MAX = 999;

/**
 * Reads the leading definitions of the block in `reader`; returns the index of the block's line where its
 * paragraph starts, the reader left at that start, or -1 when the block is definitions only.
 */
export function paragraphAfterDefinitions(reader: ContentReader): number {
  let titles: TitleScan | undefined;
  reader.seekLine(0);
  for (;;) {
    if (reader.code() !== 91 /* [ */ || cannotBeDefinition(reader)) break;
    const before = reader.save();
    titles ??= new TitleScan();
    if (!definition(reader, titles)) {
      reader.restore(before);
      break;
    }
    if (reader.code() === EOF) return -1;
    reader.next(); // the line ending after the definition
    reader.skipSpaces();
  }
  return reader.line;
}

/**
 * A quick, exact no for the usual case, a task line `[ ] …`: the label ends at the first unescaped `]` (or
 * fails before it), so if that `]` is on this line and no `:` follows it, this is no definition.
 */
function cannotBeDefinition(reader: ContentReader): boolean {
  const { text } = reader;
  const end = reader.lines[reader.line]!.end;
  let escaped = false;
  for (let pos = reader.pos + 1; pos < end; pos++) {
    const code = text.charCodeAt(pos);
    if (code === 93 && !escaped) return text.charCodeAt(pos + 1) !== 58 || pos + 1 >= end;
    escaped = code === 92 && !escaped;
  }
  return false;
}

function definition(reader: ContentReader, titles: TitleScan): boolean {
  if (!label(reader) || reader.code() !== 58 /* : */) return false;
  reader.next();
  skipWhitespace(reader);
  if (!destination(reader)) return false;
  const afterDestination = reader.save();
  if (!title(reader, titles)) reader.restore(afterDestination);
  reader.skipSpaces();
  const code = reader.code();
  return code === EOF || code === EOL;
}

// micromark-factory-label: at most 999 codes, no unescaped brackets, at least one non-whitespace code.
function label(reader: ContentReader): boolean {
  reader.next(); // [
  let size = 0;
  let seen = false;
  for (;;) {
    let code = reader.code();
    if (size > LABEL_SIZE_MAX || code === EOF || code === 91 || (code === 93 && !seen)) return false;
    if (code === 93) {
      reader.next();
      return true;
    }
    if (code === EOL) {
      reader.next();
      continue;
    }
    for (;;) {
      code = reader.code();
      if (code === EOF || code === 91 || code === 93 || code === EOL || size++ > LABEL_SIZE_MAX) break;
      reader.next();
      if (!seen) seen = !isMarkdownSpace(code);
      if (code === 92 /* \ */) {
        const escaped = reader.code();
        if (escaped === 91 || escaped === 92 || escaped === 93) {
          reader.next();
          size++;
        }
      }
    }
  }
}

// micromark-factory-whitespace: spaces, tabs and line endings (a block has no blank line, so at most one).
function skipWhitespace(reader: ContentReader): void {
  while (isLineEndingOrSpace(reader.code())) reader.next();
}

// micromark-factory-destination: `<…>` on one line, or raw text with balanced parentheses.
function destination(reader: ContentReader): boolean {
  let code = reader.code();
  if (code === 60 /* < */) {
    reader.next();
    for (;;) {
      code = reader.code();
      if (code === 62) {
        reader.next();
        return true;
      }
      if (code === EOF || code === 60 || code === EOL) return false;
      reader.next();
      if (code === 92) {
        const escaped = reader.code();
        if (escaped === 60 || escaped === 62 || escaped === 92) reader.next();
      }
    }
  }
  if (code === EOF || code === 32 || code === 41 || isAsciiControl(code)) return false;
  let balance = 0;
  for (;;) {
    code = reader.code();
    if (balance === 0 && (code === EOF || code === 41 || isLineEndingOrSpace(code))) return true;
    if (code === 40) balance++;
    else if (code === 41) balance--;
    else if (code === EOF || code === 32 || isAsciiControl(code)) return false;
    reader.next();
    if (code === 92) {
      const escaped = reader.code();
      if (escaped === 40 || escaped === 41 || escaped === 92) reader.next();
    }
  }
}

// The optional title: whitespace first, then `"…"`, `'…'` or `(…)`, possibly over several lines, then only
// whitespace to the end of the line.
function title(reader: ContentReader, titles: TitleScan): boolean {
  if (!isLineEndingOrSpace(reader.code())) return false;
  skipWhitespace(reader);
  const open = reader.code();
  if (open !== 34 && open !== 39 && open !== 40) return false;
  reader.next();
  if (!titles.toClosing(reader, open === 40 ? 41 : open)) return false;
  reader.next(); // the closing marker
  reader.skipSpaces();
  const code = reader.code();
  return code === EOF || code === EOL;
}

/**
 * Finds a title's closing marker. A title that never closes makes micromark scan to the end of the block and
 * then read the definition without it; block after block of such definitions would make that quadratic. Every
 * title starts right after a marker that follows whitespace, so a scan from an earlier start is in the same
 * escape state when it passes a later one: its result can be reused for every start up to what it found.
 */
class TitleScan {
  private readonly found = new Map<number, { from: number; state: number[] | undefined; at: number }>();

  toClosing(reader: ContentReader, marker: number): boolean {
    const from = reader.pos + (reader.virtual > 0 ? 0.5 : 0);
    const known = this.found.get(marker);
    if (known && from >= known.from && (known.state === undefined || from <= known.at)) {
      if (!known.state) return false;
      reader.restore(known.state);
      return true;
    }
    for (;;) {
      const code = reader.code();
      if (code === marker) break;
      if (code === EOF) {
        this.found.set(marker, { from, state: undefined, at: Number.POSITIVE_INFINITY });
        return false;
      }
      reader.next();
      if (code === EOL) reader.skipSpaces();
      else if (code === 92) {
        const escaped = reader.code();
        if (escaped === marker || escaped === 92) reader.next();
      }
    }
    this.found.set(marker, { from, state: reader.save(), at: reader.pos });
    return true;
  }
}
