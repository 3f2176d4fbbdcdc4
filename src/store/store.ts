import { lstatSync, rmdirSync } from "node:fs";
import { dirname } from "node:path";
import { Mutex } from "async-mutex";
import { appendLog } from "./append-log.js";
import { commitCreate, commitReplace, syncDirectory, type TempFile } from "./atomic-write.js";
import { type BoardStore, type Decide, DecideOutsideLock, type HistoryRead } from "./board-store.js";
import { DirLock, type LockLease } from "./dir-lock.js";
import { ConcurrentEditError, symlinkError, vanishedError } from "./file-error.js";
import { decideInOrder, type GroupDecision, groupByFile, type PendingUpdate, rejectAll, settle } from "./group-decisions.js";
import { type HfsPaths, hfsPaths } from "./hfs-paths.js";
import { LogTail } from "./log-tail.js";
import { SettledReader } from "./settled-read.js";
import { type FileSnapshot, readStrict, sameBytes, stillNames } from "./strict-read.js";
import { removeLeftovers } from "./temp-files.js";
import { changesFile, encodeText } from "./text-edit.js";
import { WorkFolder } from "./work-folder.js";

export interface StoreOptions {
  root: string;
  lockTimeoutMs: number;
  /** Heartbeat age after which a lock holder counts as gone where its pid cannot be judged. */
  lockStaleMs?: number;
  /** Told, in a sentence for the server's log, of what the store met: a stale lock taken over, a log it skips. */
  notice?: (message: string) => void;
}

/** Rounds decided outside the lock before the last ones may decide inside it, whatever that costs. */
const OPTIMISTIC_ROUNDS = 3;
/** Rounds in all; past them, someone keeps saving the file under us (ConcurrentEditError). */
const MAX_ROUNDS = 6;

/** A group decided outside the lock, with its text already durable in a temp file in our work folder. */
interface Plan {
  group: PendingUpdate[];
  /** The version decided on. */
  read: FileSnapshot | null;
  decided: GroupDecision & { text: string };
  /** The decided text, durable in a temp file before the lock is asked for (see WorkFolder.prepare). */
  temp: TempFile | undefined;
}

/**
 * The local store: the only way files under `.hfs/` change. Every update runs: in-process FIFO queue →
 * settled read and decision, *without* the lock → the new text written and fsynced to a temp file in our
 * parked lock's work folder → the cross-process lock → check that the file is still the version decided on
 * (else decide again on what is there, cheaply, or go round once more) → rename → history line → unlock →
 * directory fsync → reply. The lock is held for a handful of system calls, whatever the board's size; a board is
 * never parsed inside it unless three rounds in a row lost a race to other writers' structural changes.
 *
 * Group commit: updates that queue up meanwhile are applied together, in order, each deciding on the text the
 * previous ones produced, then written once; every caller still hears back only after the write is durable.
 * Reads take no lock: writes replace files by rename, so a reader sees a whole old or a whole new file.
 */
export class Store implements BoardStore {
  readonly paths: HfsPaths;
  private readonly queue = new Mutex();
  private readonly lock: DirLock;
  private readonly work: WorkFolder;
  private pending: PendingUpdate[] = [];
  private readonly reader: SettledReader;
  private readonly history: LogTail;
  private historyProblem: string | undefined;
  private readonly notice: ((message: string) => void) | undefined;

  constructor(options: StoreOptions) {
    this.paths = hfsPaths(options.root);
    this.notice = options.notice;
    this.history = new LogTail(this.paths.logFile);
    this.reader = new SettledReader(readStrict, (file) => this.existedElsewhere(file));
    this.lock = new DirLock({
      dir: this.paths.hfsDir,
      timeoutMs: options.lockTimeoutMs,
      staleMs: options.lockStaleMs,
      onTakeover: options.notice,
    });
    this.work = new WorkFolder(this.lock);
  }

  /** The file's text, or null when it does not exist. Never creates anything. */
  async read(file: string): Promise<string | null> {
    this.checkDirs(file);
    return (await this.reader.read(file))?.text ?? null;
  }

  update<T>(file: string, decide: Decide<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ file, decide, resolve: resolve as (result: unknown) => void, reject });
      // Each call schedules a flush; a flush takes everything queued by then, so later ones may find nothing.
      void this.queue.runExclusive(() => this.flush());
    });
  }

  /** Lines appended to `.hfs/log.md` since the last call, read incrementally. */
  readHistory(): HistoryRead {
    const read = this.history.read();
    // Said once per cause, not at every listing.
    if (read.unreadable !== this.historyProblem) {
      this.historyProblem = read.unreadable;
      if (read.unreadable) this.notice?.(`.hfs/log.md is skipped: ${read.unreadable}; claim times are unknown until it is fixed`);
    }
    return read;
  }

  /** Remove what this store keeps on disk between writes (its parked lock directory); call after idle(). */
  close(): void {
    this.lock.dispose();
  }

  /** Resolves once every queued update has finished (used for a graceful stop). */
  async idle(): Promise<void> {
    while (this.queue.isLocked()) await this.queue.waitForUnlock();
  }

  /** Remove what writers and waiters that died left in `.hfs/`: temp files, parked locks, queue tickets. */
  async removeOrphanTempFiles(): Promise<string[]> {
    const removed = removeLeftovers(this.paths.hfsDir).concat(removeLeftovers(this.paths.agentsDir));
    const tickets = this.lock.removeDeadTickets();
    return tickets > 0 ? [...removed, `${tickets} queue ticket(s)`] : removed;
  }

  private async flush(): Promise<void> {
    let groups = groupByFile(this.pending.splice(0));
    // A first write creates `.hfs/` (or `agents/`); if nothing ends up written, it leaves no trace of having tried.
    const missing = [this.paths.hfsDir, this.paths.agentsDir].filter((dir) => !this.exists(dir));
    let committed = false;
    for (let round = 1; groups.length > 0; round++) {
      if (round > MAX_ROUNDS) {
        for (const group of groups) rejectAll(group, new ConcurrentEditError(group[0]!.file, MAX_ROUNDS));
        break;
      }
      const outcome = await this.round(groups, round > OPTIMISTIC_ROUNDS);
      committed ||= outcome.committed;
      groups = outcome.retry;
    }
    if (!committed && missing.length > 0) this.removeTraces(missing);
  }

  /** One round: decide outside the lock, commit inside. Returns the groups that must go round again. */
  private async round(groups: PendingUpdate[][], mayDecideInLock: boolean): Promise<{ retry: PendingUpdate[][]; committed: boolean }> {
    const plans: Plan[] = [];
    for (const group of groups) {
      const file = group[0]!.file;
      try {
        this.checkDirs(file);
        const read = await this.reader.read(file);
        const decided = decideInOrder(group, read?.text ?? null, { locked: false });
        // Nothing to write: answered without the lock (a decision on a settled read; e.g. not_available).
        if (!changesFile(decided, read)) settle(group, decided.outcomes);
        else if (read === null && this.existedElsewhere(file)) rejectAll(group, vanishedError(file));
        else {
          const bytes = () => encodeText(decided.text, read, decided.edit);
          plans.push({ group, read, decided, temp: this.work.prepare(file, bytes, read?.mode) });
        }
      } catch (error) {
        rejectAll(group, error);
      }
    }
    if (plans.length === 0) return { retry: [], committed: false };
    const retry: PendingUpdate[][] = [];
    const done: { group: PendingUpdate[]; decided: GroupDecision; wrote: boolean }[] = [];
    let lease: LockLease | undefined;
    try {
      lease = await this.lock.acquire();
    } catch (error) {
      for (const plan of plans) rejectAll(plan.group, error);
    }
    if (lease) {
      for (const [i, plan] of plans.entries()) {
        try {
          const outcome = this.commit(plan, lease, mayDecideInLock);
          if (outcome === "lost") {
            retry.push(...plans.slice(i).map((p) => p.group)); // taken over: nothing more commits this round
            break;
          }
          if (outcome === "retry") retry.push(plan.group);
          else done.push({ group: plan.group, ...outcome });
        } catch (error) {
          rejectAll(plan.group, error);
        }
      }
      lease.release();
    }
    this.work.clear();
    // Durable before anyone hears back: the renames are made durable outside the lock, then the replies go out.
    const unsynced = new Map<string, unknown>();
    for (const dir of new Set(done.filter((d) => d.wrote).map((d) => dirname(d.group[0]!.file)))) {
      try {
        syncDirectory(dir);
      } catch (error) {
        unsynced.set(dir, error);
      }
    }
    for (const { group, decided } of done) {
      const error = unsynced.get(dirname(group[0]!.file));
      if (error === undefined) settle(group, decided.outcomes);
      else rejectAll(group, error);
    }
    return { retry, committed: done.some((d) => d.wrote) };
  }

  // Inside the lock, synchronous: check, re-decide if someone wrote meanwhile, rename, log.
  private commit(plan: Plan, lease: LockLease, mayDecideInLock: boolean): { decided: GroupDecision; wrote: boolean } | "retry" | "lost" {
    const file = plan.group[0]!.file;
    const now = readStrict(file, plan.read);
    let decided: GroupDecision = plan.decided;
    let temp = plan.temp && this.work.inLease(lease, plan.temp);
    let base = plan.read;
    let text = plan.decided.text;
    if (!sameBytes(now, plan.read)) {
      // Someone wrote since we decided: decide again on their version, if it is whole and cheap to decide on.
      if (!this.reader.trusts(file, now)) return "retry";
      try {
        decided = decideInOrder(plan.group, now?.text ?? null, { locked: !mayDecideInLock });
      } catch (error) {
        if (error instanceof DecideOutsideLock) return "retry";
        throw error;
      }
      if (!changesFile(decided, now)) return { decided, wrote: false };
      text = decided.text;
      base = now;
      temp = undefined;
    }
    try {
      temp ??= this.work.writeInLease(lease, file, encodeText(text, base, decided.edit), now?.mode);
      // One last look, as close to the rename as we can get: a save by rename landing after our read would
      // otherwise be replaced. This leaves the step between two system calls (docs/guarantees.md).
      if (!stillNames(file, now)) return "retry";
      if (now === null) commitCreate(temp, file);
      else commitReplace(temp, file);
      this.work.committed();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return "retry"; // created meanwhile (git putting back a file it had just removed)
      // Fenced (another server took the lock over: our work folder is gone, nothing more may commit), or our temp
      // file or the target's folder vanished meanwhile (someone tidied `.hfs/`): go round again.
      if (code === "ENOENT") return lease.stillHeld() ? "retry" : "lost";
      throw error;
    }
    this.reader.remember(file, temp.version);
    this.appendHistory(decided.log);
    return { decided, wrote: true };
  }

  // Still inside the lock, so log lines keep the order of the writes they describe. The write itself is
  // committed already: a failing append must not turn it into a failure, it only costs history.
  private appendHistory(lines: string[]): void {
    try {
      appendLog(this.paths.logFile, lines);
    } catch (error) {
      this.notice?.(`could not append to .hfs/log.md (the write it describes stands): ${(error as Error).message}`);
    }
  }

  /** Whether something besides this process's own reads shows `file` existed: the board, by its history log. */
  private existedElsewhere(file: string): boolean {
    if (file !== this.paths.stateFile) return false;
    const log = lstatSync(this.paths.logFile, { throwIfNoEntry: false });
    return log?.isFile() === true && log.size > 0;
  }

  // Remove the folders a write that wrote nothing after all created (`agents/` before `.hfs/`), if still empty.
  private removeTraces(created: string[]): void {
    if (created.includes(this.paths.hfsDir)) this.lock.dispose();
    for (const dir of [this.paths.agentsDir, this.paths.hfsDir].filter((d) => created.includes(d))) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty (someone else's files) or already gone: leave it.
      }
    }
  }

  private exists(path: string): boolean {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  }

  /** Refuse `.hfs` or `.hfs/agents` as symlinks: they would send every write somewhere outside the project. */
  private checkDirs(file: string): void {
    for (const dir of [this.paths.hfsDir, this.paths.agentsDir]) {
      if (file.startsWith(dir) && lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) throw symlinkError(dir);
    }
  }
}
