import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { isProcessAlive } from "./process-alive.js";

// `.state.md.<pid>.<random>.hfs-tmp` (a temp file) or `.lock.<pid>.<random>.hfs-tmp` (a parked lock; also
// `.lock-turn.…`, see dir-lock.ts), both made by tempFileName: the pid tells start-up clean-up whether the
// writer can still be alive.
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]+\.hfs-tmp$/;

/**
 * A fresh, unpredictable temp name beside `targetName` (hidden: `state.md` and `.lock` both give `.<name>.…`),
 * recognisable by `removeOrphanTempFiles`.
 */
export function tempFileName(targetName: string): string {
  const hidden = targetName.startsWith(".") ? targetName : `.${targetName}`;
  return `${hidden}.${process.pid}.${randomBytes(6).toString("hex")}.hfs-tmp`;
}

/**
 * Remove temp files whose writer process is gone (killed mid-write). Files of live writers are left alone:
 * they belong to a write still in flight in another server. Returns the names removed.
 */
export async function removeOrphanTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another server's clean-up got there first.
    }
  }
  return removed;
}
