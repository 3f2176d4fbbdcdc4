import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeLeftovers } from "../../src/store/index.js";
import { namespaceTag, thisProcess } from "../../src/store/process-identity.js";
import { deadOwner, foreignOwner } from "../helpers/lock-names.js";
import { deadPid, HOST } from "../helpers/processes.js";
import { tempRoot } from "../helpers/temp-root.js";

const TAG = namespaceTag(thisProcess().scope);
const HOUR = 60 * 60 * 1000;

async function hfsDir(): Promise<string> {
  const dir = join(await tempRoot(), ".hfs");
  await mkdir(dir);
  return dir;
}

/** A parked lock directory as a server leaves it: its owner file and work folder (with a temp file in it). */
async function parked(dir: string, name: string, owner: string, ageMs = 0): Promise<void> {
  await mkdir(join(dir, name, "work~0123456789abcdef"), { recursive: true });
  await writeFile(join(dir, name, "work~0123456789abcdef", ".state.md.1.abc.hfs-tmp"), "x");
  await writeFile(join(dir, name, owner), "");
  const at = new Date(Date.now() - ageMs);
  await utimes(join(dir, name, owner), at, at);
}

describe("removeLeftovers", () => {
  it("removes temp files of dead writers of this PID namespace, and keeps live writers' and every other file", async () => {
    const dir = await hfsDir();
    const dead = deadPid();
    const orphans = [`.state.md.${dead}.a1b2c3d4e5f6-${TAG}.hfs-tmp`, `.agent-1.md.${dead}.00ff-${TAG}.hfs-tmp`];
    const kept = [
      `.state.md.${process.pid}.a1b2c3d4e5f6-${TAG}.hfs-tmp`, // a write in flight in a live process
      `.state.md.${dead}.a1b2c3d4e5f6-00000000.hfs-tmp`, // another namespace: that pid means nothing here
      `.state.md.${dead}.a1b2c3d4e5f6.hfs-tmp`, // no namespace at all (an older server)
      "state.md",
      "notes.hfs-tmp", // not our pattern
      `.state.md.${dead}.not-hex.hfs-tmp`,
    ];
    for (const name of [...orphans, ...kept]) await writeFile(join(dir, name), "x");
    expect(removeLeftovers(dir).sort()).toEqual([...orphans].sort());
    expect((await readdir(dir)).sort()).toEqual([...kept].sort());
  });

  it("removes temp files it cannot judge only once they are an hour old", async () => {
    const dir = await hfsDir();
    const name = `.state.md.${deadPid()}.a1b2c3d4e5f6-00000000.hfs-tmp`;
    await writeFile(join(dir, name), "x");
    expect(removeLeftovers(dir)).toEqual([]);
    expect(removeLeftovers(dir, Date.now() + HOUR + 1_000)).toEqual([name]);
  });

  it("judges parked lock directories by the owner file inside: a dead one goes, a live or foreign fresh one stays", async () => {
    const dir = await hfsDir();
    await parked(dir, ".lock.1.aaaa.hfs-tmp", deadOwner());
    await parked(dir, ".lock.2.bbbb.hfs-tmp", `owner~${process.pid}~${HOST}~0123456789abcdef~${formatOwnScope()}`);
    await parked(dir, ".lock.3.cccc.hfs-tmp", foreignOwner(deadPid()));
    await parked(dir, ".lock.4.dddd.hfs-tmp", foreignOwner(deadPid(), "00000000aaaabbbb"), 2 * HOUR);
    await mkdir(join(dir, ".fenced.5.eeee.hfs-tmp"));
    expect(removeLeftovers(dir).sort()).toEqual([".fenced.5.eeee.hfs-tmp", ".lock.1.aaaa.hfs-tmp", ".lock.4.dddd.hfs-tmp"]);
    expect((await readdir(dir)).sort()).toEqual([".lock.2.bbbb.hfs-tmp", ".lock.3.cccc.hfs-tmp"]);
  });

  it("returns nothing for a missing folder", async () => {
    expect(removeLeftovers(join(await tempRoot(), ".hfs"))).toEqual([]);
  });
});

function formatOwnScope(): string {
  const scope = thisProcess().scope;
  return scope ? `${scope.boot}.${scope.pidNamespace}.${scope.startTime}` : "";
}
