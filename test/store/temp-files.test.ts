import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeOrphanTempFiles } from "../../src/store/index.js";
import { deadPid } from "../helpers/processes.js";
import { tempRoot } from "../helpers/temp-root.js";

describe("removeOrphanTempFiles", () => {
  it("removes temp files of dead writers and keeps those of live writers and every other file", async () => {
    const dir = join(await tempRoot(), ".hfs");
    await mkdir(dir);
    const dead = deadPid();
    const orphans = [`.state.md.${dead}.a1b2c3d4e5f6.hfs-tmp`, `.agent-1.md.${dead}.00ff.hfs-tmp`];
    const kept = [
      `.state.md.${process.pid}.a1b2c3d4e5f6.hfs-tmp`, // a write in flight in a live process
      "state.md",
      "notes.hfs-tmp", // not our pattern
      `.state.md.${dead}.not-hex.hfs-tmp`,
    ];
    for (const name of [...orphans, ...kept]) await writeFile(join(dir, name), "x");
    const removed = await removeOrphanTempFiles(dir);
    expect(removed.sort()).toEqual([...orphans].sort());
    expect((await readdir(dir)).sort()).toEqual([...kept].sort());
  });

  it("returns nothing for a missing folder", async () => {
    expect(await removeOrphanTempFiles(join(await tempRoot(), ".hfs"))).toEqual([]);
  });
});
