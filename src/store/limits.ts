import { FileError } from "./file-error.js";

/** Boards and memory files larger than this are refused, read or written: they are not plans but accidents. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/**
 * Whether `text` encodes to more than MAX_FILE_BYTES of UTF-8. A UTF-16 code unit never takes more than three
 * bytes, so a text of up to a third of the limit in length is under it without being measured. Why it matters:
 * a decision's new text is a splice of the old one (a V8 cons string), and measuring it flattens it — a fresh
 * copy of the whole board, which for a 600 KB board is a large-object allocation of ~150 freshly faulted pages
 * (~0.5 ms here), made again for every call decided outside the lock whose text is then never written.
 */
export function overFileLimit(text: string): boolean {
  return text.length * 3 > MAX_FILE_BYTES && Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES;
}

/** Refuse (FileError `too_large`) a new text of `file` over the limit, before anything is written. */
export function checkFileLimit(file: string, text: string): void {
  if (overFileLimit(text)) throw new FileError("too_large", file, `the update would make \`${file}\` larger than ${MAX_FILE_BYTES} bytes`);
}
