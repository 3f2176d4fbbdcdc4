import { readdir } from "node:fs/promises";

/** A lock directory a live DirLock parks in `.hfs/` between writes (see src/store/dir-lock.ts). */
export const PARKED_LOCK = /^\.lock\.\d+\.[0-9a-f]+(?:-[0-9a-f]{8})?\.hfs-tmp$/;

/** A directory's entries, sorted, without parked lock directories. */
export async function entriesBesideParkedLocks(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !PARKED_LOCK.test(name)).sort();
}
