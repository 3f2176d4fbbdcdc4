/** Boards and memory files larger than this are refused, read or written: they are not plans but accidents. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
