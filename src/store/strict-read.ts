import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { FileError, symlinkError } from "./file-error.js";
import { MAX_FILE_BYTES } from "./limits.js";

/** Which version of a file this is: an inode, and when and how big it was when read. */
export interface FileVersion {
  ino: number;
  /** With `ino`, names the inode: file systems reuse inode numbers as soon as they are freed. */
  birthtimeMs: number;
  size: number;
  mtimeMs: number;
}

/** The version a stat describes. */
export function versionOf(stat: { ino: number; birthtimeMs: number; size: number; mtimeMs: number }): FileVersion {
  return { ino: stat.ino, birthtimeMs: stat.birthtimeMs, size: stat.size, mtimeMs: stat.mtimeMs };
}

/** The same inode (its number alone is reused as soon as it is freed). */
export function sameInode(a: FileVersion, b: FileVersion): boolean {
  return a.ino === b.ino && a.birthtimeMs === b.birthtimeMs;
}

/** The same inode, unchanged in size and mtime. */
export function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return sameInode(a, b) && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** Both missing, or the same bytes, read whole. */
export function sameBytes(now: FileSnapshot | null, read: FileSnapshot | null): boolean {
  if (now === null || read === null) return now === read;
  return now.steady && now.bytes.equals(read.bytes);
}

/** Whether `file` still names the version `read` saw (both missing counts as the same): one `lstat`. */
export function stillNames(file: string, read: FileSnapshot | null): boolean {
  const now = lstatSync(file, { throwIfNoEntry: false });
  if (now === undefined || read === null) return now === undefined && read === null;
  return sameVersion(versionOf(now), read.version);
}

export interface FileSnapshot {
  text: string;
  bytes: Buffer;
  mode: number;
  version: FileVersion;
  /**
   * Whether the file held still while it was read: the same size and mtime before and after, and as many bytes
   * read as it has. False when someone wrote into it meanwhile (e.g. an editor truncating it to save in place),
   * and then `bytes` may be any mix of the old and new content, or nothing at all.
   */
  steady: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Read a file as strict UTF-8, or null when it does not exist. Refuses (FileError) a symlink, anything but a
 * regular file, a file over the size limit, and bytes that are not UTF-8 — decoding those loosely and writing
 * them back would silently replace a person's text with U+FFFD.
 *
 * Synchronous on purpose, like the rest of the store's critical section: a board is small, and each
 * asynchronous fs call costs a thread-pool round trip that, over the ~25 calls of one locked update, made an
 * update twice as slow as the file-system floor (see docs/benchmarks.md).
 */
export function readStrict(path: string, known?: FileSnapshot | null): FileSnapshot | null {
  const bytes = readBytes(path);
  if (!bytes) return null;
  // The same bytes as a snapshot read before: its text, without decoding again. A comparison of the bytes costs
  // a fraction of decoding them (0.13 against 0.45–0.57 ms for a 600 KB board), and the look inside the lock
  // usually finds the version it decided on. Its buffer too, so that a caller's own comparison with `known`
  // (sameBytes, inside the lock) is an identity check rather than the same 600 KB compared twice.
  if (known?.steady && bytes.steady && known.bytes.equals(bytes.data)) {
    return { ...known, mode: bytes.mode, version: bytes.version };
  }
  let text: string;
  try {
    text = decoder.decode(bytes.data);
  } catch (cause) {
    throw new FileError("not_utf8", path, `\`${path}\` is not valid UTF-8; it was left untouched`, { cause });
  }
  return { text, bytes: bytes.data, mode: bytes.mode, version: bytes.version, steady: bytes.steady };
}

/** The raw bytes of a file with the same refusals as readStrict (except decoding), or null when missing. */
export function readBytes(path: string): { data: Buffer; mode: number; version: FileVersion; steady: boolean } | null {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink planted at the path fails with ELOOP instead of redirecting us elsewhere.
    // O_NONBLOCK: a FIFO planted there would otherwise block the open, and with it the whole server.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw symlinkError(path);
    throw new FileError("io", path, `cannot open \`${path}\`: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileError("not_a_file", path, `\`${path}\` is not a regular file`);
    if (stat.size > MAX_FILE_BYTES) {
      throw new FileError("too_large", path, `\`${path}\` is ${stat.size} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
    }
    const data = readAll(fd, stat.size, path);
    // A second look at the same inode: an in-place save between the first fstat and the read (truncate, then
    // write) would otherwise pass for a file of the old size whose content is empty or half there.
    const after = fstatSync(fd);
    const steady = after.size === stat.size && after.mtimeMs === stat.mtimeMs && data.length === after.size;
    return { data, mode: after.mode & 0o7777, version: versionOf(after), steady };
  } finally {
    closeSync(fd);
  }
}

// Read to end of file: the size from fstat is a hint (someone may be appending), the limit is not.
function readAll(fd: number, sizeHint: number, path: string): Buffer {
  let buffer = Buffer.allocUnsafe(Math.max(sizeHint + 1, 4096));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (buffer.length > MAX_FILE_BYTES) {
        throw new FileError("too_large", path, `\`${path}\` grew past the ${MAX_FILE_BYTES}-byte limit while being read`);
      }
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  if (length > MAX_FILE_BYTES) {
    throw new FileError("too_large", path, `\`${path}\` grew past the ${MAX_FILE_BYTES}-byte limit while being read`);
  }
  return buffer.subarray(0, length);
}
