import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { tempFileName } from "./temp-files.js";

export interface AtomicWriteOptions {
  /** Permission bits for the new file (keep the old file's). */
  mode?: number;
  /** Runs after the data is durable in the temp file and before the rename; throwing aborts the write. */
  beforeCommit?: () => Promise<void>;
}

/**
 * Replace `target` so that readers see either the old bytes or all of the new ones, even across a crash:
 * a temp file with an unpredictable name in the same directory, opened with O_EXCL (never through a planted
 * symlink), written completely (FileHandle.writeFile loops on short writes and surfaces ENOSPC), fsynced,
 * renamed over the target, then the directory fsynced so the rename itself survives a power cut.
 * On any error the temp file is removed and the target is left as it was.
 */
export async function writeFileAtomic(target: string, data: string, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, tempFileName(basename(target)));
  let committed = false;
  try {
    const handle = await open(temp, "wx", options.mode ?? 0o644);
    try {
      await handle.writeFile(data, "utf8");
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeCommit?.();
    await rename(temp, target);
    committed = true;
  } finally {
    if (!committed) await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(dir);
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
