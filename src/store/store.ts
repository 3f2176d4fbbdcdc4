import { Mutex } from "async-mutex";
import { lstat, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { DirLock } from "./dir-lock.js";
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
    await this.assertNoLinkedDirs(file);
    return (await readStrict(file))?.text ?? null;
  }

  /** Decide on the file's current text under the lock, and write what the decision says, atomically. */
  async update<T>(file: string, decide: (current: string | null) => Decision<T>): Promise<T> {
    return this.queue.runExclusive(async () => {
      await this.assertNoLinkedDirs(file);
      if (!(await exists(this.paths.hfsDir))) {
        // Nothing to lock yet. A decision that writes nothing must not create `.hfs/` either.
        const decision = decide(null);
        if (decision.write === undefined) return decision.result;
        await mkdir(this.paths.hfsDir, { recursive: true });
      }
      const lease = await this.lock.acquire();
      try {
        return await this.decideAndWrite(file, decide, () => lease.stillHeld());
      } finally {
        await lease.release();
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

  private async decideAndWrite<T>(
    file: string,
    decide: (current: string | null) => Decision<T>,
    stillHeld: () => Promise<boolean>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await readStrict(file);
      const decision = decide(snapshot?.text ?? null);
      if (decision.write === undefined) return decision.result;
      if (Buffer.byteLength(decision.write) > MAX_FILE_BYTES) {
        throw new FileError("too_large", file, `the update would make \`${file}\` larger than ${MAX_FILE_BYTES} bytes`);
      }
      await mkdir(dirname(file), { recursive: true });
      await this.assertNoLinkedDirs(file);
      try {
        await writeFileAtomic(file, decision.write, {
          mode: snapshot?.mode,
          beforeCommit: async () => {
            if (!(await stillHeld())) throw new FileError("io", file, "the .hfs lock was taken over during the write");
            const now = await readBytes(file);
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

  // `.hfs` or `.hfs/agents` as a symlink would send every write somewhere outside the project.
  private async assertNoLinkedDirs(file: string): Promise<void> {
    for (const dir of [this.paths.hfsDir, this.paths.agentsDir]) {
      if (!file.startsWith(dir)) continue;
      try {
        if ((await lstat(dir)).isSymbolicLink()) {
          throw new FileError("symlink", dir, `\`${dir}\` is a symlink; hfs-mcp does not follow links`);
        }
      } catch (error) {
        if (error instanceof FileError) throw error;
      }
    }
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
