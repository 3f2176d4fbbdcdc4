import type { TextEdit } from "./board-store.js";
import type { FileSnapshot } from "./strict-read.js";

/** The text after `edit`. */
export function applyEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.start) + edit.insert + text.slice(edit.end);
}

/** The text a decision's `write` leaves: given whole, or as an edit of `current` (of "" when the file is missing). */
export function textAfter(current: string | null, write: string | TextEdit): string {
  return typeof write === "string" ? write : applyEdit(current ?? "", write);
}

/**
 * Whether a group's decision changes the file from what `base` holds. An edit is compared by the stretch it
 * replaces: comparing the whole new text with the old would flatten it (see encodeText) whenever both are as long.
 */
export function changesFile<D extends { text: string | null; edit?: TextEdit }>(
  decided: D,
  base: FileSnapshot | null,
): decided is D & { text: string } {
  if (decided.text === null) return false;
  if (base === null) return true;
  if (decided.edit) return decided.edit.insert !== base.text.slice(decided.edit.start, decided.edit.end);
  return decided.text !== base.text;
}

/**
 * The UTF-8 bytes of `text`, in pieces to be written in order. When `text` is `base`'s text after `edit`, the
 * pieces are a splice of `base`'s bytes, and only the inserted text is encoded (nor are they joined: a copy).
 *
 * Why: the new text of a claim on a 600 KB board is a splice of the old one (a V8 cons string), and encoding it
 * flattens it first into a fresh 600 KB string — a large-object allocation whose ~150 pages the kernel faults
 * in and zeroes anew every time (0.5 ms here, as long as decoding the whole file; measured with
 * `process.resourceUsage().minorPageFault`). This is on the locked path whenever another agent wrote first.
 */
export function encodeText(text: string, base: FileSnapshot | null, edit: TextEdit | undefined): Buffer[] {
  if (!edit || !base || !splitsNoPair(base.text, edit)) return [Buffer.from(text, "utf8")];
  const ascii = base.bytes.length === base.text.length; // every character one byte: offsets are byte offsets
  const byteStart = ascii ? edit.start : Buffer.byteLength(base.text.slice(0, edit.start), "utf8");
  const byteEnd = ascii ? edit.end : byteStart + Buffer.byteLength(base.text.slice(edit.start, edit.end), "utf8");
  return [base.bytes.subarray(0, byteStart), Buffer.from(edit.insert, "utf8"), base.bytes.subarray(byteEnd)];
}

// UTF-8 encodes a surrogate pair as one four-byte sequence: encoding the pieces apart is the same as encoding
// the whole only if no pair straddles a seam. `base` was decoded from strict UTF-8, so it has no lone
// surrogates: a seam splits none of its pairs, and no new pair can form across one, unless a high surrogate of
// `base` ends the piece before or a low one starts the piece after. (Lone surrogates in the insert encode the
// same either way.) Edits are made at line boundaries, so this holds, but it is checked.
function splitsNoPair(text: string, edit: TextEdit): boolean {
  const before = text.charCodeAt(edit.start - 1);
  const after = text.charCodeAt(edit.end);
  return !(before >= 0xd800 && before <= 0xdbff) && !(after >= 0xdc00 && after <= 0xdfff);
}
