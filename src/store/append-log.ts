import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { writeAll } from "./atomic-write.js";
import { symlinkError } from "./file-error.js";

const HEADER = "# HFS Log\n\n";

/**
 * Append lines to the history log. Appending (O_APPEND), never rewriting, keeps each write cheap whatever the
 * log's length; a crash can at worst leave a torn last line, which readers skip (see LogTail). Not fsynced: the
 * log explains the board, it is not the board, and losing its last lines in a power cut costs only `claimed_at`.
 */
export function appendLog(path: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") {
      throw symlinkError(path);
    }
    throw error;
  }
  try {
    const text = (fstatSync(fd).size === 0 ? HEADER : "") + lines.map((line) => `${line}\n`).join("");
    writeAll(fd, Buffer.from(text, "utf8"));
  } finally {
    closeSync(fd);
  }
}
