import { isThematicBreak } from "./leaf-starts.js";
import type { LineCursor } from "./line-cursor.js";

/** A list item's start as micromark keeps it in its list container state. */
export interface ItemStart {
  ordered: boolean;
  /** The bullet, or the delimiter of an ordered list. */
  marker: number;
  /** Columns of the item's content indentation (its indentation, marker and the whitespace taken after it). */
  size: number;
  /** The item's first line is blank after its marker. */
  initialBlankLine: boolean;
}

/**
 * A list item's marker and the whitespace after it at the cursor (spec 5.2, micromark's `tokenizeListStart`):
 * `-`, `+`, `*` (not a thematic break), or 1–9 digits and `.` or `)`; then a blank rest, 1–4 columns of
 * whitespace, or more than that (then one column, the rest being indented code). `list`: an item of that list
 * (same bullet or delimiter). `indent`: columns before the marker. When interrupting, an item cannot be empty
 * and an ordered one must start with 1. On success the cursor is past the prefix and `start` describes the
 * item; on failure the cursor is anywhere (the caller puts it back).
 */
export function listItemStart(
  cursor: LineCursor,
  list: { ordered: boolean; marker: number } | undefined,
  indent: number,
  interrupt: boolean,
  start: ItemStart,
): boolean {
  if (cursor.inTab()) return false;
  const code = cursor.code();
  const bullet = code === 42 || code === 43 || code === 45;
  const ordered = list ? list.ordered : !bullet;
  let width: number;
  let marker: number;
  if (!ordered) {
    if (list ? code !== list.marker : !bullet) return false;
    if (code !== 43 && isThematicBreak(cursor.text, cursor.pos, cursor.end)) return false;
    marker = code;
    cursor.advance();
    width = 1;
  } else {
    if (!(code >= 48 && code <= 57) || (interrupt && code !== 49)) return false;
    // micromark counts the digits with `++size < 10`: a tenth digit ends the number, and it cannot be a marker.
    let digits = 0;
    for (let next = cursor.code(); next >= 48 && next <= 57 && ++digits < 10; next = cursor.code()) cursor.advance();
    const delimiter = cursor.code();
    const fits = list ? delimiter === list.marker : delimiter === 41 || delimiter === 46;
    if ((interrupt && digits >= 2) || !fits) return false;
    marker = delimiter;
    cursor.advance();
    width = digits + 1;
  }
  start.ordered = ordered;
  start.marker = marker;
  if (cursor.restIsBlank()) {
    if (interrupt) return false;
    start.size = indent + width + 1;
    start.initialBlankLine = true;
    return true;
  }
  const spaces = cursor.spaceColumns();
  if (spaces === 0) return false;
  const taken = spaces <= 4 ? spaces : 1;
  cursor.skipSpaces(taken);
  start.size = indent + width + taken;
  start.initialBlankLine = false;
  return true;
}
