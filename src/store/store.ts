import { Mutex } from "async-mutex";
import { lstatSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { DirLock, type LockLease } from "./dir-lock.js";
import { ConcurrentEditError, FileError } from "./file-error.js";
import { hfsPaths, type HfsPaths } from "./hfs-paths.js";
import { MAX_FILE_BYTES } from "./limits.js";
import { readBytes, readStrict } from "./strict-read.js";
import { removeOrphanTempFiles } from "./temp-files.js";

export interface StoreOptions {
  root: string;
  lockTimeoutMs: number;
  /** Heartbeat age after which a lock holder counts as dead (tests shorten it). */
  lockStaleMs?: number;
}

/** What an update decided, given the file's current text: a result, and the new text if anything changes. */
export interface Decision<T> {
  result: T;
  write?: string;
}

// A person saving the file between our read and our rename makes us redo the operation on their version.
const MAX_ATTEMPTS = 5;

/**
 * The only way files under `.hfs/` change. Every update runs: in-process FIFO queue → cross-process lock →
 * fresh strict read → decide → atomic write (aborted if the file changed since the read) → unlock. Decisions
 * are therefore always made on what is on disk while no other writer can act. Reads take no lock: writes
 * replace files by rename, so a reader sees a whole old or a whole new file.
 */
export class Store {
  readonly paths: HfsPaths;
  private readonly queue = new Mutex();
  private readonly lock: DirLock;

  constructor(options: StoreOptions) {
    this.paths = hfsPaths(options.root);
    this.lock = new DirLock({ dir: this.paths.hfsDir, timeoutMs: options.lockTimeoutMs, staleMs: options.lockStaleMs });
  }

  /** The file's text, or null when it does not exist. Never creates anything. */
  async read(file: string): Promise<string | null> {
    this.checkDirs(file);
    return readStrict(file)?.text ?? null;
  }

  /** Decide on the file's current text under the lock, and write what the decision says, atomically. */
  async update<T>(file: string, decide: (current: string | null) => Decision<T>): Promise<T> {
    return this.queue.runExclusive(async () => {
      if (!this.checkDirs(file)) {
        // Nothing to lock yet. A decision that writes nothing must not create `.hfs/` either.
        const decision = decide(null);
        if (decision.write === undefined) return decision.result;
        mkdirSync(this.paths.hfsDir, { recursive: true });
      }
      const lease = await this.lock.acquire();
      // From here to the release, everything is synchronous: the lock is held only for the file work.
      try {
        return this.decideAndWrite(file, decide, lease);
      } finally {
        lease.release();
      }
    });
  }

  /** Resolves once every queued update has finished (used for a graceful stop). */
  async idle(): Promise<void> {
    while (this.queue.isLocked()) await this.queue.waitForUnlock();
  }

  /** Remove temp files left behind by writers that died mid-write. */
  async removeOrphanTempFiles(): Promise<string[]> {
    const removed = await removeOrphanTempFiles(this.paths.hfsDir);
    return removed.concat(await removeOrphanTempFiles(this.paths.agentsDir));
  }

  private decideAndWrite<T>(file: string, decide: (current: string | null) => Decision<T>, lease: LockLease): T {
    for (let attempt = 1; ; attempt++) {
      const snapshot = readStrict(file);
      const decision = decide(snapshot?.text ?? null);
      if (decision.write === undefined) return decision.result;
      if (Buffer.byteLength(decision.write) > MAX_FILE_BYTES) {
        throw new FileError("too_large", file, `the update would make \`${file}\` larger than ${MAX_FILE_BYTES} bytes`);
      }
      if (file !== this.paths.stateFile) mkdirSync(dirname(file), { recursive: true });
      try {
        writeFileAtomic(file, decision.write, {
          mode: snapshot?.mode,
          beforeCommit: () => {
            if (!lease.stillHeld()) throw new FileError("io", file, "the .hfs lock was taken over during the write");
            const now = readBytes(file);
            if (!sameBytes(now?.data, snapshot?.bytes)) throw new ConcurrentEditError(file, attempt);
          },
        });
        return decision.result;
      } catch (error) {
        if (error instanceof ConcurrentEditError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /**
   * Refuse `.hfs` or `.hfs/agents` as symlinks (they would send every write somewhere outside the project).
   * Returns whether `.hfs` exists.
   */
  private checkDirs(file: string): boolean {
    let hfsExists = false;
    for (const dir of [this.paths.hfsDir, this.paths.agentsDir]) {
      if (!file.startsWith(dir)) continue;
      let linked: boolean;
      try {
        linked = lstatSync(dir).isSymbolicLink();
      } catch {
        continue; // missing
      }
      if (linked) throw new FileError("symlink", dir, `\`${dir}\` is a symlink; hfs-mcp does not follow links`);
      if (dir === this.paths.hfsDir) hfsExists = true;
    }
    return hfsExists;
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}
