import { closeSync, fchmodSync, fstatSync, fsyncSync, linkSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type FileVersion, versionOf } from "./strict-read.js";
import { tempFileName } from "./temp-files.js";

/**
 * Files are replaced whole, so that readers see either the old bytes or all of the new ones, even across a
 * crash: a temp file with an unpredictable name, opened with O_EXCL (never through a planted symlink), written
 * completely (the loop below never ignores a short write; ENOSPC throws), fsynced; then renamed over the target
 * (or linked to it, when the target must not exist yet), then the directory fsynced so the rename survives a
 * power cut. Synchronous: see strict-read.ts.
 */

export interface TempFile {
  path: string;
  /** The version readers will see once it is committed: a rename keeps the inode and mtime. */
  version: FileVersion;
}

/**
 * Write `data` durably to a new temp file in `dir`, named after `targetName`: a text, or its UTF-8 bytes in
 * pieces written one after the other (a splice of the old file's bytes is written without joining them first).
 */
export function writeTemp(dir: string, targetName: string, data: string | readonly Buffer[], mode?: number): TempFile {
  const path = join(dir, tempFileName(targetName));
  const fd = openSync(path, "wx", mode ?? 0o644);
  let written = false;
  try {
    for (const piece of typeof data === "string" ? [Buffer.from(data, "utf8")] : data) writeAll(fd, piece);
    if (mode !== undefined) fchmodSync(fd, mode); // the umask may have narrowed it
    fsyncSync(fd);
    const version = versionOf(fstatSync(fd));
    written = true;
    return { path, version };
  } finally {
    closeSync(fd);
    if (!written) rmSync(path, { force: true });
  }
}

/** Replace `target` with the temp file (rename: the target may or may not exist). */
export function commitReplace(temp: TempFile, target: string): void {
  renameSync(temp.path, target);
}

/**
 * Create `target` from the temp file only if it does not exist (link: EEXIST if someone created it meanwhile,
 * e.g. git recreating a file it had just unlinked — a rename would silently replace theirs).
 */
export function commitCreate(temp: TempFile, target: string): void {
  linkSync(temp.path, target);
  unlinkSync(temp.path);
}

/** Make a directory's entries durable (the rename or link just done in it). */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface AtomicWriteOptions {
  /** Permission bits for the new file (keep the old file's). */
  mode?: number;
  /** Runs after the data is durable in the temp file and before the rename; throwing aborts the write. */
  beforeCommit?: () => void;
}

/** Replace `target` atomically and durably (temp file beside it, rename, directory fsync). */
export function writeFileAtomic(target: string, data: string, options: AtomicWriteOptions = {}): FileVersion {
  const dir = dirname(target);
  const temp = writeTemp(dir, basename(target), data, options.mode);
  try {
    options.beforeCommit?.();
    commitReplace(temp, target);
  } catch (error) {
    rmSync(temp.path, { force: true });
    throw error;
  }
  syncDirectory(dir);
  return temp.version;
}

/** Write all of `bytes` at the file's position: a short write is continued, never ignored (ENOSPC throws). */
export function writeAll(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}
