import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { TreeEntry } from "../mcp/tools/support.js";

/**
 * What writers may leave in `.hfs/` besides the files themselves, told apart for the stress suites:
 *
 * - temp files `.<name>.<pid>.<hex>[-<tag>].hfs-tmp` (a write in flight, or killed mid-write), and fenced work
 *   folders `.fenced.…` on their way out;
 * - lock directories being built or parked between acquisitions, `.lock.<pid>.<hex>[-<tag>].hfs-tmp` — the lock
 *   may keep one per live process (with the temp files of its next write inside), so a parked lock of a *live*
 *   process is not a leftover, while one of a dead process is;
 * - `.lock/` itself: the lock is held;
 * - `.lock-queue/<ticket>`: a waiter's place in line; one of a dead process is a leftover (start-up clean-up
 *   removes it), and the queue folder goes with its last ticket.
 */
export const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]+(?:-[0-9a-f]{8})?\.hfs-tmp$/;
const PARKED_LOCK = /^\.lock\.(\d+)\.[0-9a-f]+(?:-[0-9a-f]{8})?\.hfs-tmp$/;

export interface Leftovers {
  /** Paths of temp files and lock directories that are not a live process's parked lock. */
  temps: string[];
  /** Parked lock directories of the live processes given. */
  parked: string[];
  /** `.hfs/.lock` exists. */
  lockHeld: boolean;
}

/** Leftovers in `.hfs/` and `.hfs/agents/`, given the pids of the processes known to be alive. */
export async function leftovers(hfsDir: string, live: readonly number[]): Promise<Leftovers> {
  const result: Leftovers = { temps: [], parked: [], lockHeld: false };
  for (const dir of [hfsDir, join(hfsDir, "agents")]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (dir === hfsDir && name === ".lock") result.lockHeld = true;
      if (dir === hfsDir && name === ".lock-queue") {
        const tickets = await readdir(join(dir, name)).catch(() => [] as string[]);
        for (const ticket of tickets) if (!live.includes(Number(ticket.split("~")[1]))) result.temps.push(join(dir, name, ticket));
      }
      if (!TEMP_NAME.test(name)) continue;
      const parkedPid = dir === hfsDir ? PARKED_LOCK.exec(name)?.[1] : undefined;
      if (parkedPid !== undefined && live.includes(Number(parkedPid))) result.parked.push(join(dir, name));
      else result.temps.push(join(dir, name));
    }
  }
  return result;
}

/** A snapshotTree (see test/tools/support.ts) without the parked lock directories of the live processes given. */
export function withoutParkedLocks(tree: Record<string, TreeEntry>, live: readonly number[]): Record<string, TreeEntry> {
  const kept: Record<string, TreeEntry> = {};
  for (const [path, entry] of Object.entries(tree)) {
    const parked = path.split("/").some((segment) => {
      const pid = PARKED_LOCK.exec(segment)?.[1];
      return pid !== undefined && live.includes(Number(pid));
    });
    if (!parked) kept[path] = entry;
  }
  return kept;
}
