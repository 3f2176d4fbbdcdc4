import { lstatSync, mkdirSync, rmdirSync } from "node:fs";
import { dirname } from "node:path";
import { Mutex } from "async-mutex";
import { appendLog } from "./append-log.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { BoardStore, Decide, Decision, HistoryRead } from "./board-store.js";
import { DirLock, type LockLease, TURN_DIR_NAME } from "./dir-lock.js";
import { ConcurrentEditError, FileError, symlinkError } from "./file-error.js";
import { type HfsPaths, hfsPaths } from "./hfs-paths.js";
import { MAX_FILE_BYTES } from "./limits.js";
import { LogTail } from "./log-tail.js";
import { SettledReader } from "./settled-read.js";
import { type FileVersion, readBytes, readStrict, sameVersion, versionOf } from "./strict-read.js";
import { removeOrphanTempFiles } from "./temp-files.js";

export interface StoreOptions {
  root: string;
  lockTimeoutMs: number;
  /** Heartbeat age after which a lock holder counts as dead (tests shorten it). */
  lockStaleMs?: number;
  /** Told when appending to the history log failed (the write it describes stands). */
  onLogError?: (error: unknown) => void;
}

// A person saving the file between our read and our rename makes us redo the operation on their version.
const MAX_ATTEMPTS = 5;
/**
 * A server that has waited this long for the lock takes the turn (see dir-lock.ts): it bounds how long one agent
 * can lose the race for the lock. Measured with 8 agents hammering distinct items (bench/eight-agents.mjs, same
 * runs, loaded machine): without turns phase-A p99 128–282 ms; turns after 10 ms, 135–151 ms; after 30 ms,
 * 103–126 ms; after 60 ms, 96–98 ms. Turns sooner than that hand every release to another process, which must
 * read the other's version afresh, and cost throughput; later ones leave the tail to chance.
 */
const TURN_AFTER_MS = 50;

interface PendingUpdate {
  file: string;
  decide: (current: string | null) => Decision<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/**
 * The only way files under `.hfs/` change. Every update runs: in-process FIFO queue → cross-process lock →
 * fresh strict read → decide → atomic write (aborted if the file changed since the read) → unlock. Decisions
 * are therefore always made on what is on disk while no other writer can act. Reads take no lock: writes
 * replace files by rename, so a reader sees a whole old or a whole new file.
 *
 * Group commit: updates that queue up while the lock is busy are applied together, in order, each deciding
 * on the text the previous ones produced, then written once. One lock hand-over and one fsync then serve an
 * agent's burst of parallel calls; every caller still hears back only after the write is durable.
 */
export class Store implements BoardStore {
  readonly paths: HfsPaths;
  private readonly queue = new Mutex();
  private readonly lock: DirLock;
  private pending: PendingUpdate[] = [];
  private readonly reader = new SettledReader();
  private readonly onLogError: ((error: unknown) => void) | undefined;
  private readonly history: LogTail;

  constructor(options: StoreOptions) {
    this.paths = hfsPaths(options.root);
    this.onLogError = options.onLogError;
    this.history = new LogTail(this.paths.logFile);
    this.lock = new DirLock({
      dir: this.paths.hfsDir,
      timeoutMs: options.lockTimeoutMs,
      staleMs: options.lockStaleMs,
      turnAfterMs: TURN_AFTER_MS,
    });
  }

  /** The file's text, or null when it does not exist. Never creates anything. */
  async read(file: string): Promise<string | null> {
    this.checkDirs(file);
    return readStrict(file)?.text ?? null;
  }

  /** Decide on the file's current text under the lock, and write what the decision says, atomically. */
  update<T>(file: string, decide: Decide<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ file, decide, resolve: resolve as (result: unknown) => void, reject });
      // Each call schedules a flush; a flush takes everything queued by then, so later ones may find nothing.
      void this.queue.runExclusive(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const groups = new Map<string, PendingUpdate[]>();
    for (const update of batch) groups.set(update.file, [...(groups.get(update.file) ?? []), update]);

    const locked: PendingUpdate[][] = [];
    for (const group of groups.values()) {
      try {
        if (this.checkDirs(group[0]!.file) || !settleWithoutLock(group)) locked.push(group);
      } catch (error) {
        for (const update of group) update.reject(error);
      }
    }
    if (locked.length === 0) return;

    // A first write creates `.hfs/`; if nothing ends up written, it leaves no trace of having tried.
    let createdHfs = false;
    let wrote = false;
    let lease: LockLease | undefined;
    try {
      createdHfs = mkdirSync(this.paths.hfsDir, { recursive: true }) !== undefined;
      lease = await this.lock.acquire();
      // From here to the release, everything is synchronous: the lock is held only for the file work.
      for (const group of locked) {
        try {
          const { outcomes, written } = this.decideAndWrite(group[0]!.file, group, lease);
          wrote ||= written;
          settle(group, outcomes);
        } catch (error) {
          for (const update of group) update.reject(error);
        }
      }
    } catch (error) {
      for (const update of locked.flat()) update.reject(error); // a no-op for those already settled
    } finally {
      lease?.release();
      if (createdHfs && !wrote) {
        this.lock.dispose();
        removeIfEmpty(this.paths.hfsDir);
      }
    }
  }

  /** Lines appended to `.hfs/log.md` since the last call, read incrementally. */
  readHistory(): HistoryRead {
    return this.history.read();
  }

  /** Remove what this store keeps on disk between writes (its parked lock directory); call after idle(). */
  close(): void {
    this.lock.dispose();
  }

  /** Resolves once every queued update has finished (used for a graceful stop). */
  async idle(): Promise<void> {
    while (this.queue.isLocked()) await this.queue.waitForUnlock();
  }

  /** Remove temp files left behind by writers that died mid-write, and a turn a dead waiter held. */
  async removeOrphanTempFiles(): Promise<string[]> {
    const removed = await removeOrphanTempFiles(this.paths.hfsDir);
    if (this.lock.removeDeadTurn()) removed.push(TURN_DIR_NAME);
    return removed.concat(await removeOrphanTempFiles(this.paths.agentsDir));
  }

  private decideAndWrite(file: string, group: PendingUpdate[], lease: LockLease): { outcomes: Outcome[]; written: boolean } {
    for (let attempt = 1; ; attempt++) {
      const snapshot = this.reader.read(file);
      const { outcomes, text, log } = decideInOrder(group, snapshot?.text ?? null, file);
      if (text === (snapshot?.text ?? null) || text === null) return { outcomes, written: false };
      const createdDir = file === this.paths.stateFile ? undefined : mkdirSync(dirname(file), { recursive: true });
      try {
        const written = writeFileAtomic(file, text, {
          mode: snapshot?.mode,
          beforeCommit: () => {
            if (!lease.stillHeld()) throw new FileError("io", file, "the .hfs lock was taken over during the write");
            const now = readBytes(file);
            if (!sameBytes(now?.data, snapshot?.bytes) || now?.steady === false) throw new ConcurrentEditError(file, attempt);
            // One last look, as close to the rename as we can get: the check above is a whole read (longer on a
            // big board), and a save by rename landing after its open would be replaced. A stat here leaves only
            // the step between two system calls (README, "Residual risks").
            if (!stillNames(file, now?.version)) throw new ConcurrentEditError(file, attempt);
          },
        });
        this.reader.remember(file, written);
        this.appendHistory(log);
        return { outcomes, written: true };
      } catch (error) {
        if (createdDir !== undefined) removeIfEmpty(dirname(file)); // e.g. `agents/` made for a write that failed
        if (error instanceof ConcurrentEditError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  // Still inside the lock, so log lines keep the order of the writes they describe. The write itself is
  // committed already: a failing append must not turn it into a failure, it only costs history.
  private appendHistory(lines: string[]): void {
    try {
      appendLog(this.paths.logFile, lines);
    } catch (error) {
      this.onLogError?.(error);
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
      if (linked) throw symlinkError(dir);
      if (dir === this.paths.hfsDir) hfsExists = true;
    }
    return hfsExists;
  }
}

// Run each decision on the text left by the ones before it. A decision that throws, or whose write would pass
// the size limit, fails alone; the others stand.
function decideInOrder(
  group: PendingUpdate[],
  initial: string | null,
  file: string,
): { outcomes: Outcome[]; text: string | null; log: string[] } {
  let text = initial;
  const log: string[] = [];
  const outcomes = group.map((update): Outcome => {
    try {
      const decision = update.decide(text);
      if (decision.write !== undefined) {
        if (Buffer.byteLength(decision.write) > MAX_FILE_BYTES) {
          throw new FileError("too_large", file, `the update would make \`${file}\` larger than ${MAX_FILE_BYTES} bytes`);
        }
        text = decision.write;
        log.push(...(decision.log ?? []));
      }
      return { ok: true, result: decision.result };
    } catch (error) {
      return { ok: false, error };
    }
  });
  return { outcomes, text, log };
}

// Without `.hfs/` there is nothing to lock yet, and a decision that writes nothing must not create it either.
// Settles the group if none of its decisions writes; false when one does (the group then goes through the lock).
function settleWithoutLock(group: PendingUpdate[]): boolean {
  const { outcomes, text } = decideInOrder(group, null, group[0]!.file);
  if (text !== null) return false;
  settle(group, outcomes);
  return true;
}

// Answer each caller with its own outcome.
function settle(group: PendingUpdate[], outcomes: Outcome[]): void {
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) group[i]!.resolve(outcome.result);
    else group[i]!.reject(outcome.error);
  });
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (someone else's files) or already gone: leave it.
  }
}

// Whether `file` still names the version `read` saw (both missing counts as the same).
function stillNames(file: string, read: FileVersion | undefined): boolean {
  const now = lstatSync(file, { throwIfNoEntry: false });
  if (now === undefined || read === undefined) return now === read;
  return sameVersion(versionOf(now), read);
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}
