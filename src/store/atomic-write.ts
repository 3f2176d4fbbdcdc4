import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type FileVersion, versionOf } from "./strict-read.js";
import { tempFileName } from "./temp-files.js";

export interface AtomicWriteOptions {
  /** Permission bits for the new file (keep the old file's). */
  mode?: number;
  /** Runs after the data is durable in the temp file and before the rename; throwing aborts the write. */
  beforeCommit?: () => void;
}

/**
 * Replace `target` so that readers see either the old bytes or all of the new ones, even across a crash:
 * a temp file with an unpredictable name in the same directory, opened with O_EXCL (never through a planted
 * symlink), written completely (the loop below never ignores a short write; ENOSPC throws), fsynced, renamed
 * over the target, then the directory fsynced so the rename itself survives a power cut.
 * On any error the temp file is removed and the target is left as it was. Synchronous: see strict-read.ts.
 */
export function writeFileAtomic(target: string, data: string, options: AtomicWriteOptions = {}): FileVersion {
  const dir = dirname(target);
  const temp = join(dir, tempFileName(basename(target)));
  let committed = false;
  let version: FileVersion;
  try {
    const fd = openSync(temp, "wx", options.mode ?? 0o644);
    try {
      writeAll(fd, Buffer.from(data, "utf8"));
      if (options.mode !== undefined) fchmodSync(fd, options.mode); // the umask may have narrowed it
      fsyncSync(fd);
      const stat = fstatSync(fd); // the rename keeps inode and mtime: this is the version readers will see
      version = versionOf(stat);
    } finally {
      closeSync(fd);
    }
    options.beforeCommit?.();
    renameSync(temp, target);
    committed = true;
  } finally {
    if (!committed) rmSync(temp, { force: true });
  }
  syncDirectory(dir);
  return version;
}

/** Write all of `bytes` at the file's position: a short write is continued, never ignored (ENOSPC throws). */
export function writeAll(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
