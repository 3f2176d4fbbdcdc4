import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { writeAll } from "./atomic-write.js";
import { FileError, symlinkError } from "./file-error.js";

const HEADER = "# HFS Log\n\n";

/**
 * Append lines to the history log. Appending (O_APPEND), never rewriting, keeps each write cheap whatever the
 * log's length; a crash can at worst leave a torn last line, and the next append starts on a fresh line so a torn
 * or hand-typed tail never swallows it. Not fsynced: the log explains the board, it is not the board, and losing
 * its last lines in a power cut costs only `claimed_at`.
 *
 * Opened non-blocking and checked to be a regular file: a FIFO planted at `log.md` would otherwise block the
 * open — inside the lock, hanging every server (measured on 0.1.0: 3 of 3 servers, deaf to SIGTERM).
 */
export function appendLog(path: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw symlinkError(path);
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileError("not_a_file", path, `\`${path}\` is not a regular file; the history line was not written`);
    const lead = stat.size === 0 ? HEADER : endsWithNewline(fd, stat.size) ? "" : "\n";
    writeAll(fd, Buffer.from(lead + lines.map((line) => `${line}\n`).join(""), "utf8"));
  } finally {
    closeSync(fd);
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 10;
}
