import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { nameForThisProcess } from "../../src/store/lock-owner.js";
import { PresenceBeacon, readPresenceRecords } from "../../src/store/presence-records.js";
import { thisProcess } from "../../src/store/process-identity.js";
import { tempRoot } from "../helpers/temp-root.js";

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

async function hfsIn(root: string): Promise<string> {
  const hfsDir = join(root, ".hfs");
  await mkdir(hfsDir, { recursive: true });
  return hfsDir;
}

describe("PresenceBeacon", () => {
  it("writes a record named after the agent and this process, only into an existing .hfs/", async () => {
    const root = await tempRoot();
    const hfsDir = join(root, ".hfs");
    const beacon = new PresenceBeacon({ intervalMs: 60_000 });
    beacon.serve(hfsDir);
    const hide = beacon.show("alpha");
    expect(await readdir(root)).toEqual([]); // no .hfs/: nothing is created
    await mkdir(hfsDir);
    beacon.ensure(); // what a server does after a write
    const [name, ...more] = await readdir(join(hfsDir, "presence"));
    expect(more).toEqual([]);
    expect(name).toMatch(new RegExp(`^alpha~${process.pid}~${thisProcess().host}~[0-9a-f]{16}`));
    expect(readPresenceRecords(hfsDir)).toEqual([
      { agent: "alpha", server: expect.objectContaining({ pid: process.pid, host: thisProcess().host }), mtimeMs: expect.any(Number) },
    ]);
    hide();
    beacon.stop();
  });

  it("turns the record into <agent>.left, stamped now, when the last show of the agent ends", async () => {
    const hfsDir = await hfsIn(await tempRoot());
    const beacon = new PresenceBeacon({ intervalMs: 60_000 });
    beacon.serve(hfsDir);
    const first = beacon.show("alpha");
    const second = beacon.show("alpha");
    const record = (await readdir(join(hfsDir, "presence")))[0]!;
    await utimes(join(hfsDir, "presence", record), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    first();
    first(); // twice: counted once
    expect(await readdir(join(hfsDir, "presence"))).toEqual([record]);
    const before = Date.now();
    second();
    expect(await readdir(join(hfsDir, "presence"))).toEqual(["alpha.left"]);
    expect((await stat(join(hfsDir, "presence", "alpha.left"))).mtimeMs).toBeGreaterThanOrEqual(before - 1000);
    expect(readPresenceRecords(hfsDir)).toEqual([{ agent: "alpha", mtimeMs: expect.any(Number) }]);
    beacon.stop();
  });

  it("touches its records every interval, writes one again if it is removed, and leaves every agent on stop", async () => {
    const hfsDir = await hfsIn(await tempRoot());
    const beacon = new PresenceBeacon({ intervalMs: 50 });
    beacon.serve(hfsDir);
    beacon.show("alpha");
    beacon.show("bravo");
    const names = (await readdir(join(hfsDir, "presence"))).sort();
    const old = new Date(Date.now() - 60_000);
    for (const name of names) await utimes(join(hfsDir, "presence", name), old, old);
    await rm(join(hfsDir, "presence", names[1]!));
    await sleep(300);
    expect((await readdir(join(hfsDir, "presence"))).sort()).toEqual(names);
    for (const name of names) expect((await stat(join(hfsDir, "presence", name))).mtimeMs).toBeGreaterThan(old.getTime() + 30_000);
    beacon.stop();
    expect((await readdir(join(hfsDir, "presence"))).sort()).toEqual(["alpha.left", "bravo.left"]);
  });

  it("moves with the root: the records in the old .hfs/ become .left, new ones appear in the new one", async () => {
    const one = await hfsIn(await tempRoot());
    const two = await hfsIn(await tempRoot());
    const beacon = new PresenceBeacon({ intervalMs: 60_000 });
    beacon.serve(one);
    beacon.show("alpha");
    beacon.serve(two);
    expect(await readdir(join(one, "presence"))).toEqual(["alpha.left"]);
    expect(await readdir(join(two, "presence"))).toEqual([expect.stringMatching(/^alpha~/)]);
    beacon.stop();
  });

  it("folds week-old server records at start-up into the agent's .left, never replacing a .left that exists", async () => {
    const hfsDir = await hfsIn(await tempRoot());
    const dir = join(hfsDir, "presence");
    await mkdir(dir);
    const weekOld = new Date(Math.floor((Date.now() - WEEK_MS - 60_000) / 1000) * 1000);
    const carolRecord = `carol~999999~other-host.invalid~${"a".repeat(16)}`;
    const daveRecord = `dave~999998~other-host.invalid~${"b".repeat(16)}`;
    const recent = `erin~999997~other-host.invalid~${"c".repeat(16)}`;
    for (const name of [carolRecord, daveRecord, recent, "dave.left"]) await writeFile(join(dir, name), "");
    for (const name of [carolRecord, daveRecord]) await utimes(join(dir, name), weekOld, weekOld);
    const daveLeft = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
    await utimes(join(dir, "dave.left"), daveLeft, daveLeft);
    new PresenceBeacon({ intervalMs: 60_000 }).serve(hfsDir);
    expect((await readdir(dir)).sort()).toEqual(["carol.left", "dave.left", recent].sort());
    expect((await stat(join(dir, "carol.left"))).mtimeMs).toBe(weekOld.getTime());
    expect((await stat(join(dir, "dave.left"))).mtimeMs).toBe(daveLeft.getTime());
  });
});

describe("readPresenceRecords", () => {
  it("reads server records and .left records, and skips what is not one (temp files, folders, other names)", async () => {
    const hfsDir = await hfsIn(await tempRoot());
    const dir = join(hfsDir, "presence");
    await mkdir(dir);
    const own = nameForThisProcess("alpha~").name;
    await writeFile(join(dir, own), "");
    await writeFile(join(dir, "bravo.left"), "");
    await writeFile(join(dir, ".alpha.left.123.abcdef.hfs-tmp"), "");
    await writeFile(join(dir, "README"), "");
    await writeFile(join(dir, "x.y~1~h~n"), "");
    await mkdir(join(dir, "carol.left"));
    const records = readPresenceRecords(hfsDir).sort((a, b) => a.agent.localeCompare(b.agent));
    expect(records.map((record) => [record.agent, record.server?.name])).toEqual([
      ["alpha", own],
      ["bravo", undefined],
    ]);
    expect(readPresenceRecords(join(hfsDir, "missing"))).toEqual([]);
  });
});
