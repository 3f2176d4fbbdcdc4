import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
} from "node:fs";
import { utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { DirWatch } from "./dir-watch.js";
import { LockTimeoutError } from "./file-error.js";
import { isProcessAlive } from "./process-alive.js";
import { tempFileName } from "./temp-files.js";

/**
 * A cross-process lock on the `.hfs/` folder, safe to take from any language (see README, "Lock protocol"):
 *
 *   .hfs/.lock/                               exists while someone holds the lock
 *   .hfs/.lock/owner~<pid>~<host>~<nonce>     names the holder; its mtime is the heartbeat
 *
 * Acquiring renames a private directory that already holds the owner file to `.lock`: rename fails on a
 * non-empty directory, so the lock never exists without its owner, and an empty `.lock` left by a holder
 * killed mid-release is simply replaced. Releasing renames it back ("parks" it) for the next acquisition. The holder's identity lives in the owner file's *name*, so
 * taking over a stale lock is one atomic rename of that exact name to the new owner's: only one waiter can win
 * it, and a lock that changed hands meanwhile has another name and is never broken by mistake. Nobody removes a
 * lock directory that holds an owner file.
 *
 * Fairness: when the lock is let go, every waiter wakes and the fastest rename wins, so under a steady stream of
 * calls one waiter can lose many times in a row (8 agents hammering one board: p50 26 ms, p99 282 ms). A waiter
 * that has waited `turnAfterMs` therefore takes *the turn* — `.hfs/.lock-turn/`, a second lock of the same kind —
 * and while someone else holds the turn, hfs-mcp waiters leave a free lock to them. The turn is advisory
 * (correctness rests on `.lock` alone; another tool following the protocol simply ignores it), carries no
 * heartbeat, and counts as stale after `turnStaleMs`, so a turn holder that hangs or dies delays others by at most
 * that long.
 */

export const LOCK_DIR_NAME = ".lock";
export const TURN_DIR_NAME = ".lock-turn";
const OWNER_PREFIX = "owner~";

export interface DirLockOptions {
  /** The folder the lock protects (`.hfs/`); the lock dir is created inside it. */
  dir: string;
  /** How long acquire waits before giving up with LockTimeoutError. */
  timeoutMs: number;
  /** A holder whose heartbeat is older than this is presumed dead (the only test for holders on other hosts). */
  staleMs?: number;
  /** How often a holder refreshes its heartbeat; 0 for none (the turn). */
  heartbeatMs?: number;
  /** The lock directory's name inside `dir`. */
  name?: string;
  /** A waiter that has waited this long takes the turn (see above); omit for a lock without turns. */
  turnAfterMs?: number;
  /** A turn held this long no longer holds others back. */
  turnStaleMs?: number;
}

export interface LockLease {
  /** False once another process took the lock over (our owner file is gone). */
  stillHeld(): boolean;
  release(): void;
}

interface Parked {
  /** The parked lock directory, holding the owner file. */
  path: string;
  ownerName: string;
}

interface Owner {
  name: string;
  pid: number;
  host: string;
}

/** What a look at the lock directory found. */
type Seen = { kind: "gone" } | { kind: "held" | "stale"; owner: Owner /** Stale because its pid is dead on this host. */; dead?: boolean };

const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, "_") || "localhost";

export class DirLock {
  readonly lockDir: string;
  private readonly dir: string;
  private readonly name: string;
  private readonly timeoutMs: number;
  private readonly staleMs: number;
  private readonly heartbeatMs: number;
  private readonly turnAfterMs: number;
  private readonly turn: DirLock | undefined;
  private parked: Parked | undefined;

  constructor(options: DirLockOptions) {
    this.dir = options.dir;
    this.name = options.name ?? LOCK_DIR_NAME;
    this.lockDir = join(options.dir, this.name);
    this.timeoutMs = options.timeoutMs;
    this.staleMs = options.staleMs ?? 10_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.staleMs / 5));
    this.turnAfterMs = options.turnAfterMs ?? Infinity;
    if (options.turnAfterMs !== undefined) {
      const turnStaleMs = options.turnStaleMs ?? 250;
      this.turn = new DirLock({ dir: options.dir, name: TURN_DIR_NAME, timeoutMs: 0, staleMs: turnStaleMs, heartbeatMs: 0 });
    }
  }

  async acquire(): Promise<LockLease> {
    const started = Date.now();
    let lastHolder: string | undefined;
    let changes: DirWatch | undefined;
    let turn: LockLease | undefined;
    const parked = this.freshParked();
    try {
      for (let attempt = 0; ; attempt++) {
        // Someone who has waited longer holds the turn: leave the next hand-over to them.
        const mayTake = turn !== undefined || !this.turnHeldByAnother();
        const { lease, seen } = this.tryOnce(parked, mayTake);
        if (lease) return lease;
        if (seen.kind !== "gone") lastHolder = `pid ${seen.owner.pid} on ${seen.owner.host}`;
        const waited = Date.now() - started;
        if (waited >= this.timeoutMs) throw new LockTimeoutError(this.timeoutMs, lastHolder);
        if (!turn && waited >= this.turnAfterMs) turn = this.turn?.tryAcquire();
        // Retry at once when the lock just went away or changed hands (and it may be ours to take); otherwise
        // wait for the holder to let go.
        if (seen.kind !== "held" && (mayTake || turn)) continue;
        // Wake when the lock is let go, and — once waiting long enough to want the turn — when the turn is.
        changes ??= new DirWatch(this.dir, (entry) => {
          // A release while another waiter holds the turn is theirs: sleep through it (a stale turn is caught
          // by the poll), sparing the holder-to-be the CPU of six other servers waking to look.
          if (entry === null || entry === this.name) {
            return !existsSync(this.lockDir) && (turn !== undefined || this.turn === undefined || !existsSync(this.turn.lockDir));
          }
          const wantsTurn = this.turn !== undefined && !turn && Date.now() - started >= this.turnAfterMs;
          return entry === TURN_DIR_NAME && wantsTurn && !existsSync(this.turn.lockDir);
        });
        // With a watch, the wait ends at the release; the poll only catches holders that die (no event), and
        // turns that go stale. Without one, a waiter that lets a free lock pass polls at once again.
        const pollMs = changes.watching ? 25 + Math.random() * 25 : backoffMs(attempt);
        await changes.next(Math.min(pollMs, Math.max(1, this.timeoutMs - waited)));
      }
    } finally {
      turn?.release();
      changes?.close();
    }
  }

  /**
   * One attempt, without waiting: the lock if it is free or its holder is stale, else undefined. Used for the
   * turn, which nobody waits for.
   */
  tryAcquire(): LockLease | undefined {
    return this.tryOnce(this.freshParked(), true).lease;
  }

  // Rename our parked lock into place if the lock is free (and `mayTake`), or take over a stale holder's.
  private tryOnce(parked: Parked, mayTake: boolean): { lease: LockLease; seen?: undefined } | { lease?: undefined; seen: Seen } {
    // Look before trying: a rename that fails on a held lock still queues on `.hfs/`'s directory lock, behind
    // and ahead of the holder's own renames (in a profile of 8 agents, waiters' renames were the top cost).
    if (mayTake && !existsSync(this.lockDir) && this.tryRenameIntoPlace(parked.path)) {
      this.parked = undefined;
      return { lease: this.lease(parked) };
    }
    const seen = this.inspect();
    if (seen.kind === "stale" && this.tryTakeOver(seen.owner.name, parked.ownerName)) {
      // We hold the lock under our owner name now; the parked copy would clash with it on release.
      rmSync(parked.path, { recursive: true, force: true });
      this.parked = undefined;
      return { lease: this.lease(parked) };
    }
    return { seen };
  }

  /**
   * Remove the turn of a process on this host that died holding it (start-up clean-up, so that no stray
   * `.lock-turn` stays in a person's view). Returns whether one was removed. Racing a live server that is taking
   * that turn over at the same moment costs that server only its priority: turns are advisory.
   */
  removeDeadTurn(): boolean {
    if (!this.turn) return false;
    try {
      const seen = this.turn.inspect();
      if (seen.kind !== "stale" || !seen.dead) return false;
      rmSync(this.turn.lockDir, { recursive: true, force: true });
      return true;
    } catch {
      return false;
    }
  }

  // A turn counts only while its holder may still be waiting: a stale one (dead, or held too long) is ignored.
  private turnHeldByAnother(): boolean {
    if (!this.turn || !existsSync(this.turn.lockDir)) return false;
    return this.turn.inspect().kind === "held";
  }

  // Our parked lock with a fresh heartbeat (a parked owner file keeps its old mtime). Someone may have removed
  // it meanwhile — deleted `.hfs/`, or tidied away the `*.hfs-tmp` entries — so build a new one when it is gone.
  private freshParked(): Parked {
    const now = new Date();
    if (this.parked) {
      try {
        utimesSync(join(this.parked.path, this.parked.ownerName), now, now);
        return this.parked;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        rmSync(this.parked.path, { recursive: true, force: true });
      }
    }
    this.parked = this.park();
    return this.parked;
  }

  /** Remove this process's parked lock directory (on shutdown; start-up clean-up removes a dead process's). */
  dispose(): void {
    if (this.parked) rmSync(this.parked.path, { recursive: true, force: true });
    this.parked = undefined;
    this.turn?.dispose();
  }

  /**
   * Our lock, ready to be renamed into place: `.hfs/.lock.<pid>.<random>.hfs-tmp/owner~...`. It is built once
   * and parked again on release (renamed back), so taking and releasing the lock cost one rename each instead
   * of five directory changes (mkdir, create, rename, unlink, rmdir) — those journal writes were a third of a
   * claim's time.
   */
  private park(): Parked {
    const ownerName = `${OWNER_PREFIX}${process.pid}~${HOST}~${randomBytes(8).toString("hex")}`;
    const path = join(this.dir, tempFileName(this.name));
    mkdirSync(path);
    try {
      closeSync(openSync(join(path, ownerName), "wx"));
    } catch (error) {
      rmSync(path, { recursive: true, force: true });
      throw error;
    }
    return { path, ownerName };
  }

  // The attempts below are synchronous: each is a few metadata syscalls, cheaper done directly than through
  // the thread pool, and nothing else in this process should run between them.
  private tryRenameIntoPlace(staging: string): boolean {
    try {
      renameSync(staging, this.lockDir);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Someone holds it (Linux says ENOTEMPTY, others EEXIST; Windows refuses with EPERM).
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "EPERM") return false;
      throw error;
    }
  }

  private inspect(): Seen {
    let names: string[];
    try {
      names = readdirSync(this.lockDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "gone" };
      throw error;
    }
    const owner = names.map(parseOwner).find((o): o is Owner => o !== undefined);
    if (!owner) return this.inspectUnnamed();
    if (owner.host === HOST && !isProcessAlive(owner.pid)) return { kind: "stale", owner, dead: true };
    try {
      const { mtimeMs } = statSync(join(this.lockDir, owner.name));
      return { kind: Date.now() - mtimeMs > this.staleMs ? "stale" : "held", owner };
    } catch {
      return { kind: "gone" };
    }
  }

  // A lock dir without an owner file was left by a holder that died between removing its owner file and the
  // directory. Removing it is safe at any moment: no holder's claim rests on an empty directory.
  private inspectUnnamed(): { kind: "gone" } | { kind: "held"; owner: Owner } {
    try {
      rmdirSync(this.lockDir);
    } catch (error) {
      // Something other than an owner file sits in it: not ours to remove, and not a lock we can take.
      if ((error as NodeJS.ErrnoException).code === "ENOTEMPTY") return { kind: "held", owner: { name: "", pid: 0, host: "unknown" } };
    }
    return { kind: "gone" };
  }

  private tryTakeOver(staleName: string, ownerName: string): boolean {
    const ownerPath = join(this.lockDir, ownerName);
    try {
      renameSync(join(this.lockDir, staleName), ownerPath);
    } catch {
      return false; // another waiter took it over, or its holder released it
    }
    const now = new Date();
    utimesSync(ownerPath, now, now);
    return true;
  }

  private lease(parked: Parked): LockLease {
    const ownerPath = join(this.lockDir, parked.ownerName);
    const lockDir = this.lockDir;
    const heartbeat =
      this.heartbeatMs > 0
        ? setInterval(() => {
            const now = new Date();
            utimes(ownerPath, now, now).catch(() => undefined);
          }, this.heartbeatMs)
        : undefined;
    heartbeat?.unref();
    let released = false;
    return {
      stillHeld() {
        return existsSync(ownerPath);
      },
      release: () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        // Taken over while we held it (only possible if we looked dead): the lock dir is someone else's now.
        if (!existsSync(ownerPath)) return;
        try {
          renameSync(lockDir, parked.path);
          this.parked = parked;
        } catch {
          // Could not park it (e.g. the parked name reappeared): release the plain way.
          try {
            unlinkSync(ownerPath);
            rmdirSync(lockDir);
          } catch {
            // Already replaced by a new holder's rename, or gone.
          }
        }
      },
    };
  }
}

function parseOwner(name: string): Owner | undefined {
  if (!name.startsWith(OWNER_PREFIX)) return undefined;
  const [pid, host] = name.slice(OWNER_PREFIX.length).split("~");
  if (pid === undefined || host === undefined || !/^\d+$/.test(pid)) return undefined;
  return { name, pid: Number(pid), host };
}

// Short, jittered waits: a write holds the lock for a few milliseconds, and jitter keeps waiters from
// arriving in lockstep.
function backoffMs(attempt: number): number {
  const ceiling = Math.min(2 + attempt, 20);
  return 1 + Math.random() * ceiling;
}
