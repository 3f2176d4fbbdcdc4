import { mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DirLock, LOCK_DIR_NAME, type LockLease, LockTimeoutError } from "../../src/store/index.js";
import { call, spawnServer } from "../helpers/clients.js";
import { lockOwners } from "../helpers/lock-names.js";
import { entriesBesideParkedLocks } from "../helpers/parked-locks.js";
import { deadPid, HOST } from "../helpers/processes.js";
import { holdLock, type Program, runProgram } from "../helpers/programs.js";
import { tempRoot } from "../helpers/temp-root.js";

const RACE_LOCK = fileURLToPath(new URL("../fixtures/programs/race-lock.mjs", import.meta.url));
const OTHER_HOST = "other-host.invalid";
// The bound for recovering a lock whose holder was killed. The mechanism (the owner's pid is dead on
// this host) is expected to take milliseconds, so the bound itself is the slack on a noisy machine.
const TAKEOVER_BOUND_MS = 1000;

/** SIGKILL, returning the moment the signal was sent. */
function killHard(program: Program): number {
  const at = performance.now();
  process.kill(program.pid, "SIGKILL");
  return at;
}

async function hfsDirIn(root: string): Promise<string> {
  const dir = join(root, ".hfs");
  await mkdir(dir, { recursive: true });
  return dir;
}

describe("lock takeover after the holder is killed with SIGKILL", () => {
  it(`lets a DirLock in this process acquire within ${TAKEOVER_BOUND_MS} ms of the kill`, async () => {
    const hfsDir = await hfsDirIn(await tempRoot());
    const holder = await holdLock(hfsDir);
    let acquiredAt: number | undefined;
    const waiting = new DirLock({ dir: hfsDir, timeoutMs: 20_000 }).acquire().then((lease) => {
      acquiredAt = performance.now();
      return lease;
    });
    await sleep(150);
    expect(acquiredAt).toBeUndefined(); // the holder is alive: no takeover
    const killedAt = killHard(holder);
    const lease: LockLease = await waiting;
    const recoveryMs = acquiredAt! - killedAt;
    console.log(`lock takeover after SIGKILL (DirLock in the test process): ${recoveryMs.toFixed(1)} ms`);
    expect(recoveryMs).toBeLessThan(TAKEOVER_BOUND_MS);
    expect(await lockOwners(hfsDir)).toEqual([expect.stringMatching(new RegExp(`^owner~${process.pid}~`))]);
    await lease.release();
  });

  it(`lets a spawned server's claim_item succeed within ${TAKEOVER_BOUND_MS} ms of the kill`, async () => {
    const root = await tempRoot();
    const hfsDir = await hfsDirIn(root);
    const board = "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n\n## In Progress\n\n## Completed\n";
    await writeFile(join(hfsDir, "state.md"), board);
    const server = await spawnServer(["--root", root, "--agent-id", "agent-1"]);
    const holder = await holdLock(hfsDir);
    let answeredAt: number | undefined;
    const claim = call(server.client, "claim_item", { description: "Build auth" }).then((reply) => {
      answeredAt = performance.now();
      return reply;
    });
    await sleep(200);
    expect(answeredAt).toBeUndefined(); // waiting on the live holder's lock
    const killedAt = killHard(holder);
    const reply = await claim;
    const recoveryMs = answeredAt! - killedAt;
    console.log(`lock takeover after SIGKILL (claim_item through a spawned server): ${recoveryMs.toFixed(1)} ms`);
    expect(reply.data).toEqual({ success: true, description: "Build auth", status: "in_progress", claimed_by: "agent-1", line: 5 });
    expect(recoveryMs).toBeLessThan(TAKEOVER_BOUND_MS);
    expect(await readFile(join(hfsDir, "state.md"), "utf8")).toBe(board.replace("- [ ] Build auth", "- [ ] Build auth [IP:agent-1]"));
    // The server released the lock it took over (and parks its own lock dir for the next write).
    expect(await entriesBesideParkedLocks(hfsDir)).toEqual(["log.md", "presence", "state.md"]);
  });
});

describe("stale lock race", () => {
  it("8 processes arriving together at a killed holder's lock: never two holders at once, in 20 trials", async () => {
    const root = await tempRoot();
    const hfsDir = await hfsDirIn(root);
    const holdersDir = join(root, "holders");
    await mkdir(holdersDir);
    const racers = Array.from({ length: 8 }, () => runProgram(RACE_LOCK, [hfsDir, holdersDir]));
    for (const racer of racers) expect(await racer.nextLine()).toBe("ready");

    const trials = 20;
    const overlaps: unknown[] = [];
    for (let trial = 1; trial <= trials; trial++) {
      const holder = await holdLock(hfsDir);
      const go = () => {
        for (const racer of racers)
          racer.child.stdin.write(`go ${trial}
`);
      };
      if (trial % 2 === 0) {
        // The racers are already waiting on a live holder when it dies: all notice at about the same time.
        go();
        await sleep(30);
        killHard(holder);
      } else {
        // The holder is dead and gone before anyone arrives: all find the same stale owner file.
        killHard(holder);
        await holder.exited;
        go();
      }
      const results = await Promise.all(racers.map(async (racer) => JSON.parse(await racer.nextLine()) as Record<string, unknown>));
      for (const result of results) {
        expect(result).toMatchObject({ trial, ok: expect.any(Boolean) });
        if (result.ok !== true) overlaps.push(result);
      }
      expect(await readdir(holdersDir)).toEqual([]);
      // Every racer released; the killed holder's owner file was taken over, not left behind.
      expect(await entriesBesideParkedLocks(hfsDir)).toEqual([]);
    }
    console.log(`stale lock race: 8 processes x ${trials} trials, trials with two holders at once: ${overlaps.length}`);
    expect(overlaps).toEqual([]);
  });
});

describe("heartbeat-based staleness for a holder on another host", () => {
  async function lockOwnedBy(hfsDir: string, pid: number, heartbeat: Date): Promise<string> {
    const name = `owner~${pid}~${OTHER_HOST}~0123456789abcdef`;
    await mkdir(join(hfsDir, LOCK_DIR_NAME));
    await writeFile(join(hfsDir, LOCK_DIR_NAME, name), "");
    await utimes(join(hfsDir, LOCK_DIR_NAME, name), heartbeat, heartbeat);
    return name;
  }

  it("takes over a lock whose heartbeat is older than staleMs, even though its pid is alive here", async () => {
    const hfsDir = await hfsDirIn(await tempRoot());
    // process.pid is alive on this host, but the owner is on another host: only the heartbeat can tell.
    const stale = await lockOwnedBy(hfsDir, process.pid, new Date(Date.now() - 5000));
    const lease = await new DirLock({ dir: hfsDir, timeoutMs: 3000, staleMs: 300 }).acquire();
    const entries = await lockOwners(hfsDir);
    expect(entries).toHaveLength(1);
    expect(entries[0]).not.toBe(stale);
    expect(entries[0]).toMatch(new RegExp(`^owner~${process.pid}~${HOST.replace(/\./g, "\\.")}~`));
    await lease.release();
    expect(await entriesBesideParkedLocks(hfsDir)).toEqual([]);
  });

  it("does not take over a fresh heartbeat before staleMs, even though its pid is dead here", async () => {
    const hfsDir = await hfsDirIn(await tempRoot());
    const staleMs = 600;
    const heartbeat = new Date();
    const fresh = await lockOwnedBy(hfsDir, deadPid(), heartbeat);
    const lease = await new DirLock({ dir: hfsDir, timeoutMs: 10_000, staleMs }).acquire();
    const waitedSinceHeartbeat = Date.now() - heartbeat.getTime();
    // A lower bound only (it can never come early; a slow machine only makes it later).
    expect(waitedSinceHeartbeat).toBeGreaterThanOrEqual(staleMs);
    expect(await readdir(join(hfsDir, LOCK_DIR_NAME))).not.toContain(fresh);
    await lease.release();
  });

  it("times out rather than break a fresh heartbeat from another host, leaving that owner in place", async () => {
    const hfsDir = await hfsDirIn(await tempRoot());
    const heartbeat = new Date();
    const owner = await lockOwnedBy(hfsDir, deadPid(), heartbeat);
    await expect(new DirLock({ dir: hfsDir, timeoutMs: 300, staleMs: 60_000 }).acquire()).rejects.toBeInstanceOf(LockTimeoutError);
    expect(await readdir(join(hfsDir, LOCK_DIR_NAME))).toEqual([owner]);
    // Nobody refreshed or touched it (mtimeMs is a float with sub-ms noise).
    expect(Math.abs((await stat(join(hfsDir, LOCK_DIR_NAME, owner))).mtimeMs - heartbeat.getTime())).toBeLessThan(1);
  });
});
