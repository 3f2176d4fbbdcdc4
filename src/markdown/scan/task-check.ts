import { type ContentReader, EOF, EOL, isLineEndingOrSpace, isMarkdownSpace } from "./content-reader.js";

export const NOT_A_TASK = 0;
export const TASK = 1;
/** A task whose box spans a line ending: `[` ends one line, `]` starts the next. */
export const TASK_OVER_LINES = 2;

/**
 * The GFM task-list check, exactly as `micromark-extension-gfm-task-list-item` 2.1 tokenizes it at the start
 * of the first paragraph of a list item: `[`, then a space, tab, line ending, `x` or `X`, then `]`, then a line
 * ending, or spaces/tabs followed by anything but the end of the paragraph. (Its `inside` state takes any
 * whitespace code as the unchecked value, so a tab fits only where it is one column wide.)
 *
 * A box spanning a line ending is told apart: `mdast-util-gfm-task-list-item` may then move the paragraph's
 * start to the next line (see Paragraph.task).
 */
export function taskCheck(reader: ContentReader): number {
  const quick = plainTaskCheck(reader);
  if (quick !== undefined) return quick;
  if (reader.code() !== 91 /* [ */) return NOT_A_TASK;
  reader.next();
  const value = reader.code();
  if (!(isLineEndingOrSpace(value) || value === 88 || value === 120)) return NOT_A_TASK;
  reader.next();
  if (reader.code() !== 93 /* ] */) return NOT_A_TASK;
  const task = value === EOL ? TASK_OVER_LINES : TASK;
  reader.next();
  const after = reader.code();
  if (after === EOL) return task;
  if (!isMarkdownSpace(after)) return NOT_A_TASK;
  reader.skipSpaces();
  return reader.code() === EOF ? NOT_A_TASK : task;
}

// The same on the text itself when it is plain: `[`, space or x, `]`, space, then a non-blank character on
// the line (every item line of a real board). Undefined when the reader has to decide.
function plainTaskCheck(reader: ContentReader): number | undefined {
  if (reader.virtual > 0) return undefined;
  const { text, pos } = reader;
  const end = reader.lines[reader.line]!.end;
  if (pos + 3 >= end) return undefined;
  if (text.charCodeAt(pos) !== 91) return NOT_A_TASK;
  const value = text.charCodeAt(pos + 1);
  if (!(value === 32 || value === 88 || value === 120) || text.charCodeAt(pos + 2) !== 93 || text.charCodeAt(pos + 3) !== 32) {
    return undefined;
  }
  for (let at = pos + 4; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code !== 32 && code !== 9) return TASK;
  }
  return undefined;
}
