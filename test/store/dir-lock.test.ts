import { mkdir, readdir, rename, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DirLock, LOCK_DIR_NAME, type LockLease, LockTimeoutError, TURN_DIR_NAME } from "../../src/store/index.js";
import { deadPid, HOST } from "../helpers/processes.js";
import { tempRoot } from "../helpers/temp-root.js";

async function hfsDir(): Promise<string> {
  const dir = join(await tempRoot(), ".hfs");
  await mkdir(dir);
  return dir;
}

async function lockEntries(dir: string): Promise<string[] | null> {
  return readdir(join(dir, LOCK_DIR_NAME)).catch(() => null);
}

describe("DirLock", () => {
  it("acquires by creating .lock/ with one owner file naming this process and host; release and dispose remove both", async () => {
    const dir = await hfsDir();
    const lock = new DirLock({ dir, timeoutMs: 1000 });
    const lease = await lock.acquire();
    const entries = await lockEntries(dir);
    expect(entries).toHaveLength(1);
    expect(entries![0]).toMatch(new RegExp(`^owner~${process.pid}~${HOST.replace(/\./g, "\\.")}~[0-9a-f]{16}$`));
    expect(await lease.stillHeld()).toBe(true);
    await lease.release();
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
    await first.release();
    await second;
    expect(secondLease).toBeDefined();
    expect(await secondLease!.stillHeld()).toBe(true);
    expect(await lockEntries(dir)).toHaveLength(1);
    await secondLease!.release();
    expect(await lockEntries(dir)).toBeNull();
  });

  it("gives up with LockTimeoutError after timeoutMs, naming the holder, and leaves the holder's lock alone", async () => {
    const dir = await hfsDir();
    const holder = await new DirLock({ dir, timeoutMs: 1000 }).acquire();
    const before = await lockEntries(dir);
    const started = Date.now();
    const error = await new DirLock({ dir, timeoutMs: 200 }).acquire().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).waitedMs).toBe(200);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect(waited).toBeGreaterThanOrEqual(195); // a lower bound only: it must not give up early
    expect(await lockEntries(dir)).toEqual(before);
    expect(await holder.stillHeld()).toBe(true);
    await holder.release();
  });

  it("never removes a lock it no longer owns: after a takeover, release leaves the new owner in place", async () => {
    const dir = await hfsDir();
    const lease = await new DirLock({ dir, timeoutMs: 1000 }).acquire();
    const [ours] = (await lockEntries(dir))!;
    // Another waiter judged us stale and renamed our owner file to its own name.
    const theirs = `owner~${process.pid}~${HOST}~00000000deadbeef`;
    await rename(join(dir, LOCK_DIR_NAME, ours!), join(dir, LOCK_DIR_NAME, theirs));
    expect(await lease.stillHeld()).toBe(false);
    await lease.release();
    expect(await lockEntries(dir)).toEqual([theirs]);
  });

  it("takes over at once a lock whose owner pid is dead on this host, by renaming that owner file", async () => {
    const dir = await hfsDir();
    const stale = `owner~${deadPid()}~${HOST}~0123456789abcdef`;
    await mkdir(join(dir, LOCK_DIR_NAME));
    await writeFile(join(dir, LOCK_DIR_NAME, stale), "");
    // A huge staleMs: only the dead-pid test can explain a takeover.
    const lease = await new DirLock({ dir, timeoutMs: 2000, staleMs: 600_000 }).acquire();
    const entries = await lockEntries(dir);
    expect(entries).toHaveLength(1);
    expect(entries![0]).not.toBe(stale);
    expect(entries![0]).toMatch(new RegExp(`^owner~${process.pid}~`));
    await lease.release();
    expect(await lockEntries(dir)).toBeNull();
  });

  it("refreshes the owner file's mtime (the heartbeat) while held", async () => {
    const dir = await hfsDir();
    const lease = await new DirLock({ dir, timeoutMs: 1000, staleMs: 1000, heartbeatMs: 50 }).acquire();
    const owner = join(dir, LOCK_DIR_NAME, (await lockEntries(dir))![0]!);
    const old = new Date(Date.now() - 60_000);
    await utimes(owner, old, old);
    let mtimeMs = (await stat(owner)).mtimeMs;
    for (let i = 0; i < 100 && mtimeMs < old.getTime() + 30_000; i++) {
      await sleep(20);
      mtimeMs = (await stat(owner)).mtimeMs;
    }
    expect(mtimeMs).toBeGreaterThan(old.getTime() + 30_000);
    await lease.release();
  });

  it("replaces at once a lock folder left without an owner (a holder killed mid-release), however fresh", async () => {
    const dir = await hfsDir();
    const lockDir = join(dir, LOCK_DIR_NAME);
    await mkdir(lockDir);
    // The lock never exists without its owner file (it is built aside and renamed into place), so an empty
    // .lock/ holds nobody: it is taken without waiting for any stale timeout.
    const started = Date.now();
    const lease = await new DirLock({ dir, timeoutMs: 5_000, staleMs: 60_000 }).acquire();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await lockEntries(dir)).toHaveLength(1);
    await lease.release();
    expect(await lockEntries(dir)).toBeNull();
  });

  it("waits, and times out, on a lock folder holding something other than an owner file", async () => {
    const dir = await hfsDir();
    const lockDir = join(dir, LOCK_DIR_NAME);
    await mkdir(lockDir);
    await writeFile(join(lockDir, "not-an-owner"), "");
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
    // One parked dir each (ours, renamed back; the waiter's, never used), each holding its owner file.
    expect(parked).toHaveLength(2);
    for (const name of parked) expect(await readdir(join(dir, name))).toHaveLength(1);
    const again = await lock.acquire();
    expect((await readdir(dir)).filter((name) => name.endsWith(".hfs-tmp"))).toHaveLength(1);
    again.release();
    lock.dispose();
    waiter.dispose();
    expect(await readdir(dir)).toEqual([]);
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
        await lease.release();
      }),
    );
    expect(most).toBe(1);
    expect(await lockEntries(dir)).toBeNull();
  });
});

describe("DirLock turns: a waiter that has waited long enough goes next", () => {
  /** Whether `promise` has settled, without waiting for it. */
  async function settled(promise: Promise<unknown>): Promise<boolean> {
    return Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      sleep(0).then(() => false),
    ]);
  }

  it("hands a released lock to the waiter holding the turn, not to one that arrived later, then gives the turn back", async () => {
    const dir = await hfsDir();
    const holding = new DirLock({ dir, timeoutMs: 1_000 });
    const holder = await holding.acquire();
    // Takes the turn on its first look at the held lock (it has waited "long enough" at once).
    const patient = new DirLock({ dir, timeoutMs: 5_000, turnAfterMs: 0 });
    const patientLease = patient.acquire();
    expect(await readdir(join(dir, TURN_DIR_NAME))).toEqual([expect.stringMatching(new RegExp(`^owner~${process.pid}~`))]);
    // Respects turns (counting them fresh for a minute, however slow this machine), but takes none itself.
    const latecomer = new DirLock({ dir, timeoutMs: 5_000, turnAfterMs: 60_000, turnStaleMs: 60_000 });
    const latecomerLease = latecomer.acquire();
    await sleep(50);
    holder.release();
    const first = await patientLease;
    expect(await settled(latecomerLease)).toBe(false);
    // The turn was given back (parked) as soon as its holder had the lock.
    expect((await readdir(dir)).includes(TURN_DIR_NAME)).toBe(false);
    first.release();
    (await latecomerLease).release();
    for (const lock of [holding, patient, latecomer]) lock.dispose();
    expect(await readdir(dir)).toEqual([]);
  });

  it("a waiter that gives up gives the turn back", async () => {
    const dir = await hfsDir();
    const holder = await new DirLock({ dir, timeoutMs: 1_000 }).acquire();
    const impatient = new DirLock({ dir, timeoutMs: 100, turnAfterMs: 0 });
    await expect(impatient.acquire()).rejects.toBeInstanceOf(LockTimeoutError);
    expect((await readdir(dir)).includes(TURN_DIR_NAME)).toBe(false);
    holder.release();
  });

  it("ignores a turn whose holder is dead, and one held longer than turnStaleMs", async () => {
    const dir = await hfsDir();
    const turnDir = join(dir, TURN_DIR_NAME);
    await mkdir(turnDir);
    await writeFile(join(turnDir, `owner~${deadPid()}~${HOST}~0123456789abcdef`), "");
    const started = Date.now();
    (await new DirLock({ dir, timeoutMs: 1_000, turnAfterMs: 60_000 }).acquire()).release();
    expect(Date.now() - started).toBeLessThan(200); // well under the 250 ms a fresh turn would hold it back

    // A live holder (this process, another nonce) whose turn began a second ago.
    await rename(join(turnDir, (await readdir(turnDir))[0]!), join(turnDir, `owner~${process.pid}~${HOST}~fedcba9876543210`));
    const aSecondAgo = new Date(Date.now() - 1_000);
    await utimes(join(turnDir, `owner~${process.pid}~${HOST}~fedcba9876543210`), aSecondAgo, aSecondAgo);
    const again = Date.now();
    (await new DirLock({ dir, timeoutMs: 1_000, turnAfterMs: 60_000, turnStaleMs: 250 }).acquire()).release();
    expect(Date.now() - again).toBeLessThan(200); // well under the 250 ms a fresh turn would hold it back
  });

  it("waits for a fresh turn held by a live process, at most turnStaleMs", async () => {
    const dir = await hfsDir();
    const turnDir = join(dir, TURN_DIR_NAME);
    await mkdir(turnDir);
    await writeFile(join(turnDir, `owner~${process.pid}~${HOST}~0123456789abcdef`), "");
    const started = Date.now();
    const lease = await new DirLock({ dir, timeoutMs: 5_000, turnAfterMs: 60_000, turnStaleMs: 300 }).acquire();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_000);
    lease.release();
  });

  it("start-up clean-up removes a turn whose holder died, and leaves a live one", async () => {
    const dir = await hfsDir();
    const turnDir = join(dir, TURN_DIR_NAME);
    const lock = new DirLock({ dir, timeoutMs: 1_000, turnAfterMs: 50 });
    await mkdir(turnDir);
    await writeFile(join(turnDir, `owner~${process.pid}~${HOST}~0123456789abcdef`), "");
    expect(lock.removeDeadTurn()).toBe(false);
    expect(await readdir(turnDir)).toHaveLength(1);
    await rename(
      join(turnDir, `owner~${process.pid}~${HOST}~0123456789abcdef`),
      join(turnDir, `owner~${deadPid()}~${HOST}~0123456789abcdef`),
    );
    expect(lock.removeDeadTurn()).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a lock without turns ignores them: turns only order hfs-mcp's own waiters", async () => {
    const dir = await hfsDir();
    const turnDir = join(dir, TURN_DIR_NAME);
    await mkdir(turnDir);
    await writeFile(join(turnDir, `owner~${process.pid}~${HOST}~0123456789abcdef`), "");
    const started = Date.now();
    (await new DirLock({ dir, timeoutMs: 1_000 }).acquire()).release();
    expect(Date.now() - started).toBeLessThan(200); // well under the 250 ms a fresh turn would hold it back
  });
});
