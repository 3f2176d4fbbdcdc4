import { existsSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DirLock, LOCK_DIR_NAME, type LockLease, LockTimeoutError, QUEUE_DIR_NAME } from "../../src/store/index.js";
import { deadOwner, foreignOwner, OWN_SCOPE, reusedPidOwner } from "../helpers/lock-names.js";
import { deadPid, HOST } from "../helpers/processes.js";
import { tempRoot } from "../helpers/temp-root.js";

async function hfsDir(): Promise<string> {
  const dir = join(await tempRoot(), ".hfs");
  await mkdir(dir);
  return dir;
}

async function lockEntries(dir: string): Promise<string[] | null> {
  return readdir(join(dir, LOCK_DIR_NAME))
    .then((names) => names.sort())
    .catch(() => null);
}

/** A lock directory held by `owner` (a name), its heartbeat `ageMs` old. */
async function heldBy(dir: string, owner: string, ageMs = 0): Promise<string> {
  await mkdir(join(dir, LOCK_DIR_NAME));
  const path = join(dir, LOCK_DIR_NAME, owner);
  await writeFile(path, "");
  const at = new Date(Date.now() - ageMs);
  await utimes(path, at, at);
  return path;
}

const ESCAPED_HOST = HOST.replace(/\./g, "\\.");

describe("DirLock", () => {
  it("acquires by renaming its parked directory to .lock/: an owner file naming this process (pid, host, scope) and its work folder", async () => {
    const dir = await hfsDir();
    const lock = new DirLock({ dir, timeoutMs: 1000 });
    const lease = await lock.acquire();
    const [owner, work] = (await lockEntries(dir))!;
    const nonce = /~([0-9a-f]{16})/.exec(owner!)?.[1];
    expect(owner).toMatch(
      new RegExp(`^owner~${process.pid}~${ESCAPED_HOST}~[0-9a-f]{16}${OWN_SCOPE ? `~${OWN_SCOPE.replace(/\./g, "\\.")}` : ""}$`),
    );
    expect(work).toBe(`work~${nonce}`);
    expect(lease.workDir).toBe(join(dir, LOCK_DIR_NAME, work!));
    expect(lease.stillHeld()).toBe(true);
    lease.release();
    expect(await lockEntries(dir)).toBeNull();
    lock.dispose();
    expect(await readdir(dir)).toEqual([]);
  });

  it("makes a second acquirer wait until the holder releases", async () => {
    const dir = await hfsDir();
    const first = await new DirLock({ dir, timeoutMs: 1000 }).acquire();
    let secondLease: LockLease | undefined;
    const second = new DirLock({ dir, timeoutMs: 10_000 }).acquire().then((lease) => (secondLease = lease));
    await sleep(150);
    expect(secondLease).toBeUndefined();
    first.release();
    await second;
    expect(secondLease!.stillHeld()).toBe(true);
    secondLease!.release();
    expect(await lockEntries(dir)).toBeNull();
  });

  it("gives up with LockTimeoutError after timeoutMs, naming the holder, and leaves the holder's lock alone", async () => {
    const dir = await hfsDir();
    const holder = await new DirLock({ dir, timeoutMs: 1000 }).acquire();
    const before = await lockEntries(dir);
    const started = Date.now();
    const error = await new DirLock({ dir, timeoutMs: 200 }).acquire().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).waitedMs).toBe(200);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195); // a lower bound only: it must not give up early
    expect(await lockEntries(dir)).toEqual(before);
    expect(holder.stillHeld()).toBe(true);
    holder.release();
    expect(existsSync(join(dir, QUEUE_DIR_NAME))).toBe(false); // the waiter's ticket went with it, and the queue
  });

  it("refreshes the owner file's mtime (the heartbeat) while held", async () => {
    const dir = await hfsDir();
    const lease = await new DirLock({ dir, timeoutMs: 1000, staleMs: 250 }).acquire();
    const owner = join(dir, LOCK_DIR_NAME, (await lockEntries(dir))![0]!);
    const old = new Date(Date.now() - 60_000);
    await utimes(owner, old, old);
    let mtimeMs = (await stat(owner)).mtimeMs;
    for (let i = 0; i < 100 && mtimeMs < old.getTime() + 30_000; i++) {
      await sleep(20);
      mtimeMs = (await stat(owner)).mtimeMs;
    }
    expect(mtimeMs).toBeGreaterThan(old.getTime() + 30_000);
    lease.release();
  });
});

describe("DirLock: who is alive", () => {
  it("takes over at once a holder that is dead in this PID namespace, by renaming that exact owner file", async () => {
    const dir = await hfsDir();
    const stale = deadOwner();
    await heldBy(dir, stale);
    const taken: string[] = [];
    // A huge staleMs: only the dead-pid test can explain a takeover.
    const lease = await new DirLock({ dir, timeoutMs: 2000, staleMs: 600_000, onTakeover: (who) => taken.push(who) }).acquire();
    const entries = (await lockEntries(dir))!;
    expect(entries).not.toContain(stale);
    expect(entries[0]).toMatch(new RegExp(`^owner~${process.pid}~`));
    expect(taken).toEqual([expect.stringMatching(/^took the \.hfs lock over from pid \d+ on /)]);
    lease.release();
    expect(await lockEntries(dir)).toBeNull();
  });

  it("takes over at once a holder whose pid now belongs to another process (same pid, another start time)", async () => {
    const dir = await hfsDir();
    await heldBy(dir, reusedPidOwner());
    const lease = await new DirLock({ dir, timeoutMs: 2000, staleMs: 600_000 }).acquire();
    expect(lease.stillHeld()).toBe(true);
    lease.release();
  });

  it("never judges the pid of a holder in another PID namespace: a fresh heartbeat holds, a stale one is taken over", async () => {
    const dir = await hfsDir();
    // A pid of another namespace that is dead in ours (0.1.0 took such a live holder over at once).
    const path = await heldBy(dir, foreignOwner(deadPid()));
    await expect(new DirLock({ dir, timeoutMs: 300, staleMs: 60_000 }).acquire()).rejects.toBeInstanceOf(LockTimeoutError);
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const lease = await new DirLock({ dir, timeoutMs: 2000, staleMs: 60_000 }).acquire();
    expect(lease.stillHeld()).toBe(true);
    lease.release();
  });

  it("never judges the pid of an owner name without a scope (a script, an older server): only its heartbeat", async () => {
    const dir = await hfsDir();
    const path = await heldBy(dir, `owner~999999~${HOST}~0123456789abcdef`);
    await expect(new DirLock({ dir, timeoutMs: 300, staleMs: 60_000 }).acquire()).rejects.toBeInstanceOf(LockTimeoutError);
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    (await new DirLock({ dir, timeoutMs: 2000, staleMs: 60_000 }).acquire()).release();
  });

  it("is fresh the moment it is taken, however long its taker waited: no takeover right after a long wait", async () => {
    const dir = await hfsDir();
    const staleMs = 300;
    // Someone in another namespace holds the lock for twice the stale time, beating all along.
    const path = await heldBy(dir, foreignOwner(1));
    const beat = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    }, 50);
    const patient = new DirLock({ dir, timeoutMs: 10_000, staleMs });
    const waiting = patient.acquire();
    await sleep(2 * staleMs);
    clearInterval(beat);
    renameSync(join(dir, LOCK_DIR_NAME), join(dir, "released-by-foreign-holder"));
    const lease = await waiting;
    // A third process looks right away: the lock is held by a live holder that just took it.
    const taken: string[] = [];
    await expect(new DirLock({ dir, timeoutMs: 100, staleMs, onTakeover: (who) => taken.push(who) }).acquire()).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(taken).toEqual([]);
    expect(lease.stillHeld()).toBe(true);
    lease.release();
  });
});

describe("DirLock: the fence", () => {
  it("moves a taken-over holder's work folder out of the lock: its commit from there fails, and its release leaves the new holder alone", async () => {
    const dir = await hfsDir();
    const board = join(dir, "state.md");
    await writeFile(board, "before\n");
    const paused = await new DirLock({ dir, timeoutMs: 1000 }).acquire();
    writeFileSync(join(paused.workDir, "commit.tmp"), "written by the paused holder\n");
    // It stops beating (paused past the stale timeout): its heartbeat is old.
    const owner = join(dir, LOCK_DIR_NAME, (await lockEntries(dir))!.find((name) => name.startsWith("owner~"))!);
    const old = new Date(Date.now() - 60_000);
    await utimes(owner, old, old);
    const taker = await new DirLock({ dir, timeoutMs: 2000, staleMs: 1000 }).acquire();
    expect(paused.stillHeld()).toBe(false);
    // The paused holder resumes and commits as it was about to: the source path is gone.
    expect(() => renameSync(join(paused.workDir, "commit.tmp"), board)).toThrow(/ENOENT/);
    expect(await readFile(board, "utf8")).toBe("before\n");
    paused.release();
    expect(taker.stillHeld()).toBe(true);
    expect((await lockEntries(dir))!.filter((name) => name.startsWith("work~"))).toEqual([taker.workDir.split("/").at(-1)]);
    taker.release();
    expect(await lockEntries(dir)).toBeNull();
  });

  it("carries a temp file written before acquiring into the lock, whether it took a free lock or took one over", async () => {
    const dir = await hfsDir();
    const lock = new DirLock({ dir, timeoutMs: 2000, staleMs: 600_000 });
    writeFileSync(join(lock.prepare(), "next.tmp"), "x");
    const free = await lock.acquire();
    expect(await readdir(free.workDir)).toEqual(["next.tmp"]);
    free.release();
    await heldBy(dir, deadOwner());
    const taken = await lock.acquire();
    expect(await readdir(taken.workDir)).toEqual(["next.tmp"]);
    taken.release();
  });
});

describe("DirLock: odd lock folders", () => {
  it("replaces at once a lock folder left without an owner (a holder killed mid-release), however fresh", async () => {
    const dir = await hfsDir();
    await mkdir(join(dir, LOCK_DIR_NAME));
    await mkdir(join(dir, LOCK_DIR_NAME, "work~0123456789abcdef"));
    const lease = await new DirLock({ dir, timeoutMs: 5_000, staleMs: 60_000 }).acquire();
    expect((await lockEntries(dir))!.filter((name) => name.startsWith("work~"))).toHaveLength(1);
    lease.release();
    expect(await lockEntries(dir)).toBeNull();
  });

  it("waits, and times out, on a lock folder holding something other than an owner file", async () => {
    const dir = await hfsDir();
    await mkdir(join(dir, LOCK_DIR_NAME));
    await writeFile(join(dir, LOCK_DIR_NAME, "not-an-owner"), "");
    await expect(new DirLock({ dir, timeoutMs: 150, staleMs: 60_000 }).acquire()).rejects.toBeInstanceOf(LockTimeoutError);
    expect(await lockEntries(dir)).toEqual(["not-an-owner"]);
  });

  it("parks its lock directory between acquisitions and removes it on dispose", async () => {
    const dir = await hfsDir();
    const lock = new DirLock({ dir, timeoutMs: 1_000 });
    const waiter = new DirLock({ dir, timeoutMs: 100 });
    const first = await lock.acquire();
    await expect(waiter.acquire()).rejects.toBeInstanceOf(LockTimeoutError);
    first.release();
    const parked = (await readdir(dir)).filter((name) => name.endsWith(".hfs-tmp"));
    // One parked dir each (ours, renamed back; the waiter's, never used), each holding its owner file and work folder.
    expect(parked).toHaveLength(2);
    for (const name of parked) expect(await readdir(join(dir, name))).toHaveLength(2);
    (await lock.acquire()).release();
    lock.dispose();
    waiter.dispose();
    expect((await readdir(dir)).filter((name) => name !== QUEUE_DIR_NAME)).toEqual([]);
  });
});

describe("DirLock: first come, first served", () => {
  it("serves waiters in the order they arrived", async () => {
    const dir = await hfsDir();
    const holder = await new DirLock({ dir, timeoutMs: 1000 }).acquire();
    const order: number[] = [];
    const waiters = [0, 1, 2, 3, 4].map(async (i) => {
      await sleep(20 * i); // arrive one after another
      const lease = await new DirLock({ dir, timeoutMs: 10_000 }).acquire();
      order.push(i);
      await sleep(5);
      lease.release();
    });
    await sleep(200);
    holder.release();
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("skips the ticket of a waiter that is dead", async () => {
    const dir = await hfsDir();
    const holder = await new DirLock({ dir, timeoutMs: 1000 }).acquire();
    await mkdir(join(dir, QUEUE_DIR_NAME));
    const ghost = `t0000000000001.0000~${deadOwner().slice("owner~".length)}`;
    await writeFile(join(dir, QUEUE_DIR_NAME, ghost), "");
    const waiting = new DirLock({ dir, timeoutMs: 5_000 }).acquire();
    await sleep(100);
    holder.release();
    (await waiting).release();
    expect(existsSync(join(dir, QUEUE_DIR_NAME))).toBe(false);
  });

  it("serializes many in-process acquirers: one holder at a time", async () => {
    const dir = await hfsDir();
    let holders = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const lease = await new DirLock({ dir, timeoutMs: 20_000 }).acquire();
        holders++;
        most = Math.max(most, holders);
        await sleep(2);
        holders--;
        lease.release();
      }),
    );
    expect(most).toBe(1);
    expect(await lockEntries(dir)).toBeNull();
  });
});
