import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type TempFile, writeTemp } from "./atomic-write.js";
import type { DirLock, LockLease } from "./dir-lock.js";

/**
 * The temp files a store writes into its parked lock's work folder (dir-lock.ts): each new text, durable before
 * it is committed by a rename from inside the lock. Counts what it wrote and what was committed, so that a round
 * in which every temp file was committed has nothing to sweep (a directory listing per write saved).
 */
export class WorkFolder {
  /** Temp files written and not (yet) committed: what clear() must remove. */
  private left = 0;

  constructor(private readonly lock: DirLock) {}

  /**
   * The new bytes of `file` (made only if they are written), durable in a temp file before the lock is even
   * asked for, so that the locked section is a rename — unless others already wait for the lock: then the board
   * will most likely have changed by our turn, the text is decided and written again inside the lock anyway,
   * and an fsync out here only competes with the holder's for the disk. Measured with 64 agents on one board,
   * same machine, alternating builds: 122–125 calls/s skipping it against 82–87 writing it.
   */
  prepare(file: string, bytes: () => readonly Buffer[], mode: number | undefined): TempFile | undefined {
    mkdirSync(dirname(file), { recursive: true }); // the folder the commit renames into (`agents/`)
    if (this.lock.contended()) return undefined;
    return this.written(writeTemp(this.lock.prepare(), basename(file), bytes(), mode));
  }

  /** The new bytes written inside the lock, in the lease's work folder (the one inside `.lock`). */
  writeInLease(lease: LockLease, file: string, bytes: readonly Buffer[], mode: number | undefined): TempFile {
    return this.written(writeTemp(lease.workDir, basename(file), bytes, mode));
  }

  /** Where a temp file prepared before the lock was taken is now: in the lease's work folder. */
  inLease(lease: LockLease, temp: TempFile): TempFile {
    return { ...temp, path: join(lease.workDir, basename(temp.path)) };
  }

  /** A temp file was renamed into place. */
  committed(): void {
    this.left--;
  }

  /** Remove the temp files a round left (not committed, or superseded): ours alone, in our parked folder. */
  clear(): void {
    if (this.left === 0) return; // every temp file written was committed: nothing to look for
    this.left = 0;
    try {
      const dir = this.lock.prepare();
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true, recursive: true });
    } catch {
      // `.hfs/` itself is gone: so are they.
    }
  }

  private written(temp: TempFile): TempFile {
    this.left++;
    return temp;
  }
}
