import { closeSync, existsSync, type FSWatcher, mkdirSync, openSync, readdirSync, rmdirSync, unlinkSync, utimesSync, watch } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { nameForThisProcess, parseName, standingOf } from "./lock-owner.js";

export const QUEUE_DIR_NAME = ".lock-queue";
const TICKET_PREFIX = "t";

/**
 * First come, first served for the `.hfs` lock across processes: a waiter that finds the lock held (or others
 * already waiting) takes a ticket, and only the oldest live ticket — the head — takes the lock when it is let go.
 *
 * Why: when a lock is let go, every waiter that races for it has the same chance, so with N waiters one of them
 * can lose N·ln(100) hand-overs in a row at the 99th percentile (64 agents on one board: p99 9–13 s on 0.1.0,
 * which had a single "turn" for the longest waiter). A queue makes the wait the length of the queue.
 *
 * A ticket is a file in `.hfs/.lock-queue/` named `t<arrival ms>.<counter>~<pid>~<host>~<nonce>[~<scope>]`, so
 * names sort in arrival order. Each waiter watches only the ticket ahead of it (one inotify watch, one wake-up
 * per hand-over, instead of every waiter waking at every release). Tickets beat like lock owners (their mtime)
 * and a dead or silent waiter's ticket is skipped and removed; a waiter that finds its own ticket gone (it was
 * paused and judged stale) writes it again under its first name, so it keeps its place.
 *
 * The queue is advisory: correctness rests on the lock alone, and a script that ignores the queue stays
 * exclusive; it only competes on the old, first-come terms.
 */
export class LockQueue {
  readonly dir: string;

  constructor(
    hfsDir: string,
    private readonly staleMs: number,
  ) {
    this.dir = join(hfsDir, QUEUE_DIR_NAME);
  }

  /** Whether nobody waits: a newcomer may then try the lock at once. */
  isEmpty(): boolean {
    if (!existsSync(this.dir)) return true; // the folder goes with its last ticket; a failing readdir costs more
    try {
      return !readdirSync(this.dir).some((name) => name.startsWith(TICKET_PREFIX));
    } catch {
      return true;
    }
  }

  /** Queue up as having arrived at `arrivedAt` (ms since the epoch). */
  join(arrivedAt: number): Ticket {
    return new Ticket(this, arrivedAt, this.staleMs);
  }

  /** Remove the tickets of waiters that are certainly dead (start-up clean-up); returns how many. */
  removeDead(): number {
    let removed = 0;
    for (const name of this.names()) {
      const waiter = ticketWaiter(name);
      if (!waiter || standingOf(join(this.dir, name), waiter, Number.POSITIVE_INFINITY) !== "stale") continue;
      if (tryUnlink(join(this.dir, name))) removed++;
    }
    return removed;
  }

  /** Ticket names in arrival order. */
  names(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((name) => name.startsWith(TICKET_PREFIX))
        .sort();
    } catch {
      return [];
    }
  }
}

let counter = 0;

export class Ticket {
  private readonly name: string;
  private readonly path: string;
  private readonly beat: NodeJS.Timeout;
  private left = false;

  constructor(
    private readonly queue: LockQueue,
    arrivedAt: number,
    private readonly staleMs: number,
  ) {
    const { name } = nameForThisProcess("");
    counter = (counter + 1) % 10_000;
    // `t` + 13-digit ms + `.` + 4-digit counter: names sort by arrival, then by this process's order.
    this.name = `${TICKET_PREFIX}${String(arrivedAt).padStart(13, "0")}.${String(counter).padStart(4, "0")}~${name}`;
    this.path = join(queue.dir, this.name);
    this.write();
    this.beat = setInterval(() => this.touch(), Math.max(20, Math.floor(staleMs / 5)));
    this.beat.unref();
  }

  /**
   * Whether this ticket is the oldest live one. Tickets ahead of it that are stale are removed on the way (their
   * waiters died, or stopped beating; one that comes back writes its ticket again).
   */
  isHead(): boolean {
    return this.ahead() === undefined;
  }

  /** Resolves when the ticket ahead of this one goes away, or after `ms` (to look at the queue again). */
  async waitForTurn(ms: number): Promise<void> {
    const ahead = this.ahead();
    if (ahead === undefined) return;
    let watcher: FSWatcher | undefined;
    const controller = new AbortController();
    const gone = new Promise<void>((resolve) => {
      try {
        watcher = watch(join(this.queue.dir, ahead), { persistent: false }, () => resolve());
        watcher.on("error", () => resolve());
      } catch {
        resolve(); // already gone
      }
    });
    await Promise.race([gone, sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined)]);
    controller.abort();
    watcher?.close();
  }

  /** Leave the queue (the lock is ours, or we gave up). */
  leave(): void {
    if (this.left) return;
    this.left = true;
    clearInterval(this.beat);
    tryUnlink(this.path);
    // The last one out leaves no empty queue folder in a person's view (it comes back with the next waiter).
    try {
      rmdirSync(this.queue.dir);
    } catch {
      // Others are waiting.
    }
  }

  // The live ticket just ahead of ours, if any: tickets are judged from ours backwards, and the first live one
  // ends the look (judging all of them, each waiter at each wake-up, cost 64 agents more CPU than the writes).
  // Also puts our own ticket back if someone removed it.
  private ahead(): string | undefined {
    const names = this.queue.names();
    let index = names.indexOf(this.name);
    if (index < 0) {
      this.write();
      index = names.findIndex((name) => name > this.name);
      if (index < 0) index = names.length;
    }
    const now = Date.now();
    for (let i = index - 1; i >= 0; i--) {
      const name = names[i]!;
      const waiter = ticketWaiter(name);
      const path = join(this.queue.dir, name);
      if (waiter && standingOf(path, waiter, this.staleMs, now) === "held") return name;
      tryUnlink(path);
    }
    return undefined;
  }

  private write(): void {
    if (this.left) return;
    try {
      mkdirSync(this.queue.dir, { recursive: true });
      closeSync(openSync(this.path, "w"));
    } catch {
      // Without a ticket this waiter still gets the lock, only without its place in line.
    }
  }

  private touch(): void {
    const now = new Date();
    try {
      utimesSync(this.path, now, now);
    } catch {
      this.write();
    }
  }
}

/** The waiter a ticket name stands for: after `t<ms>.<counter>~` comes `<pid>~<host>~<nonce>[~<scope>]`. */
function ticketWaiter(name: string) {
  return parseName(name.slice(name.indexOf("~") + 1), "");
}

function tryUnlink(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
