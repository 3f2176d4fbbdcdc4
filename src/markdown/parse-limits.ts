/**
 * Shapes of markdown that the parser cannot take in reasonable time or memory, refused before parsing.
 *
 * Why: `mdast-util-from-markdown` is linear in most documents (about 150 µs per item line here) but not in all:
 * measured on our 2-core machine, 1,000 nested list levels took 53 s, 5,000 headings 11 s (quadratic: 1,000
 * took 0.6 s), and a 5 MiB board of blank lines ran out of heap after four minutes. The byte limit alone does
 * not prevent that, and a stuck parse blocks every call of the server. The limits sit far above real boards.
 * The block scanner that parses boards first (scan-board.ts) is linear in all of them, but mdast remains its
 * fallback, and what a board may hold should not depend on which of the two reads it: the limits apply to both.
 */
export const PARSE_LIMITS = {
  lines: 25_000,
  headings: 1_000,
  /** Containers (list items, blockquotes) opened on one line, or implied by its indentation (2 columns each). */
  nesting: 64,
  /** The same depth summed over all lines: the parser's cost grows with it (400 lists 60 deep took 60 s). */
  totalNesting: 100_000,
} as const;

export class MarkdownLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MarkdownLimitError";
  }
}

/** Throws MarkdownLimitError when the text exceeds a parse limit; one pass over the text. */
export function assertParseable(text: string): void {
  let line = 1;
  let headings = 0;
  let totalDepth = 0;
  let lineStart = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = text.charCodeAt(i); // NaN past the end: the last line ends there
    const ends = i === text.length || code === 10 || (code === 13 && text.charCodeAt(i + 1) !== 10);
    if (!ends) continue;
    const shape = lineShape(text, lineStart, i);
    if (shape.heading && ++headings > PARSE_LIMITS.headings) {
      throw new MarkdownLimitError(`it has more than ${PARSE_LIMITS.headings.toLocaleString("en-US")} headings`);
    }
    if (shape.depth > PARSE_LIMITS.nesting) {
      throw new MarkdownLimitError(`line ${line} nests lists or quotes more than ${PARSE_LIMITS.nesting} levels deep`);
    }
    totalDepth += shape.depth;
    if (totalDepth > PARSE_LIMITS.totalNesting) {
      throw new MarkdownLimitError(
        `its lists and quotes nest too deeply overall (depth summed over lines above ${PARSE_LIMITS.totalNesting.toLocaleString("en-US")})`,
      );
    }
    if (i < text.length && ++line > PARSE_LIMITS.lines) {
      throw new MarkdownLimitError(`it has more than ${PARSE_LIMITS.lines.toLocaleString("en-US")} lines`);
    }
    lineStart = i + 1;
  }
}

// The container depth a line implies (indentation and `>`/bullet markers before its content), and whether it
// may be a heading (ATX `#`, or a setext underline; over-counting thematic breaks is harmless here).
function lineShape(text: string, from: number, to: number): { depth: number; heading: boolean } {
  let columns = 0;
  let markers = 0;
  let i = from;
  for (; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code === 32) columns++;
    else if (code === 9) columns += 4;
    else if (code === 62 /* > */) markers++;
    else if ((code === 45 || code === 42 || code === 43) /* - * + */ && isSpace(text.charCodeAt(i + 1))) markers++;
    else break;
  }
  const depth = Math.floor(columns / 2) + markers;
  const first = text.charCodeAt(i);
  const heading = first === 35 /* # */ || ((first === 61 || first === 45) /* = - */ && isUnderline(text, i, to, first));
  return { depth, heading };
}

function isUnderline(text: string, from: number, to: number, char: number): boolean {
  let i = from;
  while (i < to && text.charCodeAt(i) === char) i++;
  while (i < to && isSpace(text.charCodeAt(i))) i++;
  return i >= to || text.charCodeAt(i) === 13;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}
