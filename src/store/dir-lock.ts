import { existsSync, readdirSync, renameSync, rmdirSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { DirWatch } from "./dir-watch.js";
import { LockTimeoutError } from "./file-error.js";
import { OWNER_PREFIX, parseName, standingOf, WORK_PREFIX } from "./lock-owner.js";
import { LockQueue, type Ticket } from "./lock-queue.js";
import { type HeldLock, ParkedLock } from "./parked-lock.js";
import { tempFileName } from "./temp-files.js";

/**
 * A cross-process lock on the `.hfs/` folder, safe to take from any language (docs/lock-protocol.md):
 *
 *   .hfs/.lock/                                  exists while someone holds the lock
 *   .hfs/.lock/owner~<pid>~<host>~<nonce>~<scope> names the holder; its mtime is the heartbeat
 *   .hfs/.lock/work~<nonce>/                     a server's temp files for the commit it is about to make
 *
 * Acquiring renames a private directory that already holds the owner file to `.lock` (rename fails on a
 * non-empty directory, so the lock never exists without its owner); releasing renames it back ("parks" it).
 * The owner file is touched just before each attempt, so a lock is fresh the moment it is taken, however long
 * its taker waited.
 *
 * Taking over a stale holder is one rename of its exact owner file name to ours: only one waiter can win it,
 * and a lock that changed hands meanwhile has another name and is never broken by mistake. The taker then
 * moves every other `work~*` folder out of the lock directory. That is the fence: a server commits only by
 * renaming a temp file *from its work folder inside `.lock`*, so a holder that was taken over (it was paused,
 * or looked dead) finds its source path gone and cannot commit. What remains is one system call: a holder
 * already inside its rename when the fence moves (docs/guarantees.md, "Residual risks").
 */

export const LOCK_DIR_NAME = ".lock";

export interface DirLockOptions {
  /** The folder the lock protects (`.hfs/`); the lock dir is created inside it. */
  dir: string;
  /** How long acquire waits before giving up with LockTimeoutError. */
  timeoutMs: number;
  /** A holder whose heartbeat is older than this is presumed gone (where its pid cannot be judged). */
  staleMs?: number;
  /** Told, in a sentence for the server's log, when a stale holder is taken over. */
  onTakeover?: (message: string) => void;
}

export interface LockLease {
  /** Our work folder inside the lock directory: commit by renaming a temp file from here (see above). */
  readonly workDir: string;
  /** False once another process took the lock over (our owner file is gone). */
  stillHeld(): boolean;
  release(): void;
}

/** What a look at the lock directory found. */
type Seen = { kind: "gone" } | { kind: "held" | "stale"; owner: string };

export const DEFAULT_STALE_MS = 10_000;

/**
 * A waiter races for the lock for this long, then queues (lock-queue.ts); it queues at once when others already
 * do. Why not always queue: a FIFO hand-over must wake one particular process, where a race goes to whichever
 * is running, and under light load most waits are a few ms. Measured, alternating builds in one session: 8
 * agents claiming the same items 914-1,003 calls/s against 267-314 queueing at once (phases A+B p99 46-77 ms
 * against 88-91); 64 agents 153-170 against 162-174 calls/s, p99 0.66-0.82 s against 0.59-0.85 s.
 */
const QUEUE_AFTER_MS = 50;

export class DirLock {
  readonly lockDir: string;
  private readonly dir: string;
  private readonly timeoutMs: number;
  private readonly staleMs: number;
  private readonly queue: LockQueue;
  private readonly parked: ParkedLock;
  private readonly onTakeover: ((message: string) => void) | undefined;

  constructor(options: DirLockOptions) {
    this.dir = options.dir;
    this.lockDir = join(options.dir, LOCK_DIR_NAME);
    this.timeoutMs = options.timeoutMs;
    this.staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    // A waiter's ticket only keeps its place in line (the lock does not rest on it): a waiter that stops beating
    // for 2.5 s loses its place until it looks again, rather than holding everyone up for staleMs.
    this.queue = new LockQueue(options.dir, Math.min(this.staleMs, 2_500));
    this.parked = new ParkedLock(options.dir);
    this.onTakeover = options.onTakeover;
  }

  /**
   * Our work folder while the lock is parked: temp files written here before `acquire` are in `lease.workDir`
   * once it returns, ready to commit. Builds the parked lock if it is missing.
   */
  prepare(): string {
    return this.parked.ensure().workDir;
  }

  /** Whether the lock is held or others wait for it now: one who asks for it now will likely wait its turn. */
  contended(): boolean {
    return existsSync(this.lockDir) || !this.queue.isEmpty();
  }

  async acquire(): Promise<LockLease> {
    const started = Date.now();
    let lastHolder: string | undefined;
    let ticket: Ticket | undefined;
    let changes: DirWatch | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        const waited = Date.now() - started;
        // Queued waiters go first: one without a ticket races only while nobody is queued, else queues too.
        if (!ticket && (waited >= QUEUE_AFTER_MS || !this.queue.isEmpty())) ticket = this.queue.join(started);
        const mayTry = ticket === undefined || ticket.isHead();
        if (mayTry) {
          const { lease, seen } = this.tryOnce();
          if (lease) return lease;
          if (seen.kind !== "gone") lastHolder = describeOwner(seen.owner);
          if (seen.kind !== "held") continue; // gone or changed hands meanwhile: look again at once
        }
        if (waited >= this.timeoutMs) throw new LockTimeoutError(this.timeoutMs, lastHolder);
        const left = Math.max(1, this.timeoutMs - waited);
        if (ticket && !mayTry) {
          changes?.close();
          changes = undefined;
          // The watch on the ticket ahead wakes us; the poll only catches a waiter ahead that died. Polling every
          // 100 ms cost 64 waiting servers more CPU than the lock holder had (64 agents: 73-78 against 88-94 calls/s).
          await ticket.waitForTurn(Math.min(400 + Math.random() * 100, left));
        } else {
          // Wake the moment the lock is let go: watch the lock directory itself, whose own event is its holder
          // renaming it away (or a script removing it); the holder's temp files sit in a sub-folder. Watching
          // `.hfs/` instead woke every waiter ~6 times per write (board, log, lock in and out). A lock that
          // changed hands is another directory, so each wait watches anew. The poll catches holders that die (no
          // event) or go stale, and a waiter without a ticket wakes in time to take one.
          changes?.close();
          changes = new DirWatch(this.lockDir, (entry) => entry === null || entry === LOCK_DIR_NAME || !existsSync(this.lockDir));
          if (!changes.watching && !existsSync(this.lockDir)) continue; // let go meanwhile: try now
          const poll = changes.watching ? 25 + Math.random() * 25 : 1 + Math.min(attempt, 20);
          const untilTicket = ticket ? Number.POSITIVE_INFINITY : Math.max(1, QUEUE_AFTER_MS - waited);
          await changes.next(Math.min(poll, untilTicket, left));
        }
      }
    } finally {
      ticket?.leave();
      changes?.close();
    }
  }

  /** Remove this process's parked lock directory (on shutdown; start-up clean-up removes a dead process's). */
  dispose(): void {
    this.parked.dispose();
  }

  /** Start-up clean-up of the queue: tickets of waiters that are certainly dead. */
  removeDeadTickets(): number {
    return this.queue.removeDead();
  }

  // One attempt, without waiting: rename our parked lock into place if the lock is free, or take over a stale
  // holder's.
  private tryOnce(): { lease: LockLease; seen?: undefined } | { lease?: undefined; seen: Seen } {
    const parked = this.parked.ensure();
    // Look before trying: a rename that fails on a held lock still queues on `.hfs/`'s directory lock, behind
    // and ahead of the holder's own renames (in a profile of 8 agents, waiters' renames were the top cost).
    if (!existsSync(this.lockDir)) {
      this.parked.touch(); // fresh at the moment it is taken, however long we waited
      if (tryRename(parked.path, this.lockDir)) return { lease: this.lease(this.parked.taken(this.lockDir)) };
    }
    const seen = this.inspect();
    if (seen.kind === "stale" && this.tryTakeOver(seen.owner, parked.ownerName)) {
      this.fence(parked.workName);
      // Our work folder (and the temp files already written into it) moves in; if it cannot, the lease's work
      // folder is missing and the commit goes round again.
      tryRename(parked.workDir, join(this.lockDir, parked.workName));
      this.onTakeover?.(
        `took the .hfs lock over from ${describeOwner(seen.owner)}: it was dead, or silent for over ${this.staleMs} ms (paused, or on a stalled machine)`,
      );
      return { lease: this.lease(this.parked.takenOver(this.lockDir)) };
    }
    return { seen };
  }

  private inspect(): Seen {
    let names: string[];
    try {
      names = readdirSync(this.lockDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "gone" };
      throw error;
    }
    const ownerName = names.find((name) => parseName(name, OWNER_PREFIX) !== undefined);
    if (!ownerName) return this.inspectUnowned(names);
    const owner = parseName(ownerName, OWNER_PREFIX)!;
    const standing = standingOf(join(this.lockDir, ownerName), owner, this.staleMs);
    return standing === "gone" ? { kind: "gone" } : { kind: standing, owner: ownerName };
  }

  // A lock dir without an owner file was left by a holder that died between removing its owner file and the
  // directory (a script), or holds only work folders of holders that are gone. Nobody's claim rests on it.
  private inspectUnowned(names: string[]): Seen {
    if (names.some((name) => !name.startsWith(WORK_PREFIX))) return { kind: "held", owner: "" }; // not ours to judge
    this.fence(undefined);
    try {
      rmdirSync(this.lockDir);
    } catch {
      // Someone took it meanwhile, or removed it.
    }
    return { kind: "gone" };
  }

  private tryTakeOver(staleName: string, ownerName: string): boolean {
    const stale = join(this.lockDir, staleName);
    const now = new Date();
    try {
      // Fresh before it changes name: another waiter must not find *our* lock stale the moment we take it.
      utimesSync(stale, now, now);
      renameSync(stale, join(this.lockDir, ownerName));
      return true;
    } catch {
      return false; // another waiter took it over, or its holder released it
    }
  }

  // Move every work folder but ours out of the lock directory: their owners can no longer commit.
  private fence(ours: string | undefined): void {
    let names: string[];
    try {
      names = readdirSync(this.lockDir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(WORK_PREFIX) || name === ours) continue;
      const away = join(this.dir, tempFileName(".fenced"));
      if (tryRename(join(this.lockDir, name), away)) rmSync(away, { recursive: true, force: true });
    }
  }

  private lease(held: HeldLock): LockLease {
    const heartbeat = setInterval(
      () => {
        const now = new Date();
        try {
          utimesSync(held.ownerPath, now, now);
        } catch {
          // Taken over, or released: nothing to keep alive.
        }
      },
      Math.max(50, Math.floor(this.staleMs / 5)),
    );
    heartbeat.unref();
    let released = false;
    return {
      workDir: held.workDir,
      stillHeld: () => existsSync(held.ownerPath),
      release: () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        held.release();
      },
    };
  }
}

function tryRename(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Someone holds it (Linux says ENOTEMPTY, others EEXIST; Windows refuses with EPERM), or it moved.
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "EPERM" || code === "ENOENT") return false;
    throw error;
  }
}

function describeOwner(ownerName: string): string {
  const owner = parseName(ownerName, OWNER_PREFIX);
  return owner ? `pid ${owner.pid} on ${owner.host}` : "another process";
}
