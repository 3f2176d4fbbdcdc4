import { isSpaceOrTab } from "./leaf-starts.js";

/**
 * HTML blocks (spec 4.6), mirroring micromark's `html-flow` tokenizer state for state: the seven start
 * conditions, and the end conditions of kinds 1–5 scanned line by line (kinds 6 and 7 end at a blank line,
 * which the flow sees itself). Where micromark departs from the letter of the spec, this follows micromark,
 * since it decides the tree: `]]]>` does not end a CDATA block, and kind 7 is judged on its first line only.
 */

export const RAW = 1;
export const COMMENT = 2;
export const INSTRUCTION = 3;
export const DECLARATION = 4;
export const CDATA = 5;
export const BASIC = 6;
export const COMPLETE = 7;

// States of the end-condition scan (micromark's `continuation*` states).
const CONTINUATION = 0;
const COMMENT_INSIDE = 1;
const RAW_TAG_OPEN = 2;
const RAW_END_TAG = 3;
const CDATA_INSIDE = 4;
const DECLARATION_INSIDE = 5;

const RAW_NAMES = new Set(["pre", "script", "style", "textarea"]);
const BLOCK_NAMES = new Set(
  (
    "address article aside base basefont blockquote body caption center col colgroup dd details dialog dir div dl dt " +
    "fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe legend li " +
    "link main menu menuitem nav noframes ol optgroup option p param search section summary table tbody td tfoot th " +
    "thead title tr track ul"
  ).split(" "),
);

export interface HtmlStart {
  kind: number;
  /** Where the end-condition scan of the first line resumes, and in which state (kinds 1–5). */
  resume: number;
  state: number;
}

const NONE: HtmlStart = { kind: 0, resume: 0, state: 0 };

/** The HTML block that starts at `pos` (a `<`), or kind 0. Kind 7 is returned without interruption rules. */
export function htmlStart(text: string, pos: number, end: number): HtmlStart {
  const at = (p: number): number => (p < end ? text.charCodeAt(p) : -1);
  let p = pos + 1;
  let code = at(p);
  if (code === 33 /* ! */) {
    p++;
    code = at(p);
    if (code === 45 /* - */) {
      return at(p + 1) === 45 ? { kind: COMMENT, resume: p + 2, state: DECLARATION_INSIDE } : NONE;
    }
    if (code === 91 /* [ */) {
      return text.startsWith("CDATA[", p + 1) && p + 7 <= end ? { kind: CDATA, resume: p + 7, state: CONTINUATION } : NONE;
    }
    return isAsciiAlpha(code) ? { kind: DECLARATION, resume: p + 1, state: DECLARATION_INSIDE } : NONE;
  }
  if (code === 63 /* ? */) return { kind: INSTRUCTION, resume: p + 1, state: DECLARATION_INSIDE };
  const closing = code === 47; /* / */
  if (closing) {
    p++;
    code = at(p);
  }
  if (!isAsciiAlpha(code)) return NONE;
  const nameStart = p;
  p++;
  while (isAsciiAlphanumeric(at(p)) || at(p) === 45) p++;
  const terminator = at(p);
  if (!(terminator === -1 || terminator === 47 || terminator === 62 || isSpaceOrTab(terminator))) return NONE;
  const name = text.slice(nameStart, p).toLowerCase();
  const slash = terminator === 47;
  if (!slash && !closing && RAW_NAMES.has(name)) return { kind: RAW, resume: p, state: CONTINUATION };
  if (BLOCK_NAMES.has(name)) {
    if (slash) return at(p + 1) === 62 ? { kind: BASIC, resume: 0, state: 0 } : NONE;
    return { kind: BASIC, resume: 0, state: 0 };
  }
  return completeTag(text, p, end, closing) ? { kind: COMPLETE, resume: 0, state: 0 } : NONE;
}

// Kind 7: one complete open or closing tag (spec 6.6 grammar as micromark reads it), then only whitespace.
function completeTag(text: string, from: number, end: number, closing: boolean): boolean {
  const at = (p: number): number => (p < end ? text.charCodeAt(p) : -1);
  let p = from;
  if (closing) {
    while (isSpaceOrTab(at(p))) p++;
    return completeEnd(text, p, end);
  }
  const NAME_BEFORE = 0;
  const NAME_AFTER = 1;
  const VALUE_BEFORE = 2;
  let state = NAME_BEFORE;
  for (;;) {
    const code = at(p);
    if (state === NAME_BEFORE) {
      if (code === 47 /* / */) return completeEnd(text, p + 1, end);
      if (code === 58 || code === 95 || isAsciiAlpha(code)) {
        p++;
        while (isAttributeNameCharacter(at(p))) p++;
        state = NAME_AFTER;
      } else if (isSpaceOrTab(code)) p++;
      else return completeEnd(text, p, end);
    } else if (state === NAME_AFTER) {
      if (code === 61 /* = */) {
        p++;
        state = VALUE_BEFORE;
      } else if (isSpaceOrTab(code)) p++;
      else state = NAME_BEFORE;
    } else {
      if (code === -1 || code === 60 || code === 61 || code === 62 || code === 96) return false;
      if (code === 34 || code === 39) {
        p++;
        while (at(p) !== code) {
          if (at(p) === -1) return false;
          p++;
        }
        p++;
        const after = at(p);
        if (!(after === 47 || after === 62 || isSpaceOrTab(after))) return false;
        state = NAME_BEFORE;
      } else if (isSpaceOrTab(code)) p++;
      else {
        while (!endsUnquotedValue(at(p))) p++;
        state = NAME_AFTER;
      }
    }
  }
}

function completeEnd(text: string, from: number, end: number): boolean {
  if (from >= end || text.charCodeAt(from) !== 62) return false;
  for (let p = from + 1; p < end; p++) if (!isSpaceOrTab(text.charCodeAt(p))) return false;
  return true;
}

function endsUnquotedValue(code: number): boolean {
  return (
    code === -1 ||
    code === 34 ||
    code === 39 ||
    code === 47 ||
    code === 60 ||
    code === 61 ||
    code === 62 ||
    code === 96 ||
    isSpaceOrTab(code)
  );
}

function isAttributeNameCharacter(code: number): boolean {
  return isAsciiAlphanumeric(code) || code === 45 || code === 46 || code === 58 || code === 95;
}

function isAsciiAlpha(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isAsciiAlphanumeric(code: number): boolean {
  return isAsciiAlpha(code) || (code >= 48 && code <= 57);
}

/**
 * Whether a kind 1–5 block ends on this line: scans `text[pos..end)` from `state` (the start line resumes
 * where the opening left off; later lines start afresh, as micromark's scan does after each line ending).
 */
export function htmlEndsOnLine(kind: number, text: string, pos: number, end: number, state = CONTINUATION): boolean {
  let s = state;
  let tag = "";
  let p = pos;
  while (p < end) {
    const code = text.charCodeAt(p);
    switch (s) {
      case CONTINUATION:
        if (code === 45 && kind === COMMENT) s = COMMENT_INSIDE;
        else if (code === 60 && kind === RAW) s = RAW_TAG_OPEN;
        else if (code === 62 && kind === DECLARATION) return true;
        else if (code === 63 && kind === INSTRUCTION) s = DECLARATION_INSIDE;
        else if (code === 93 && kind === CDATA) s = CDATA_INSIDE;
        p++;
        break;
      case COMMENT_INSIDE:
        if (code === 45) {
          s = DECLARATION_INSIDE;
          p++;
        } else s = CONTINUATION;
        break;
      case RAW_TAG_OPEN:
        if (code === 47) {
          s = RAW_END_TAG;
          tag = "";
          p++;
        } else s = CONTINUATION;
        break;
      case RAW_END_TAG:
        if (code === 62 && RAW_NAMES.has(tag.toLowerCase())) return true;
        if (code !== 62 && isAsciiAlpha(code) && tag.length < 8) {
          tag += String.fromCharCode(code);
          p++;
        } else s = CONTINUATION;
        break;
      case CDATA_INSIDE:
        if (code === 93) {
          s = DECLARATION_INSIDE;
          p++;
        } else s = CONTINUATION;
        break;
      default:
        // DECLARATION_INSIDE: `>` closes; a comment may have more dashes before it.
        if (code === 62) return true;
        if (code === 45 && kind === COMMENT) p++;
        else s = CONTINUATION;
    }
  }
  return false;
}
