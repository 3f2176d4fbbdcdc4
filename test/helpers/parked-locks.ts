import { readdir } from "node:fs/promises";

/** A lock directory a live DirLock parks in `.hfs/` between writes (see src/store/dir-lock.ts). */
export const PARKED_LOCK = /^\.lock(?:-turn)?\.\d+\.[0-9a-f]+\.hfs-tmp$/;

/** A directory's entries, sorted, without parked lock directories. */
export async function entriesBesideParkedLocks(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !PARKED_LOCK.test(name)).sort();
}
