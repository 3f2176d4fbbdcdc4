import { mkdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { worktreeBoardRoot } from "../../../src/store/git/index.js";
import { bareRemote, cloneOf, gitIn } from "../../helpers/git.js";
import { tempRoot } from "../../helpers/temp-root.js";

describe("worktreeBoardRoot", () => {
  it("serves a linked worktree the main worktree's board (the same sub-folder, when the root is one)", async () => {
    const remote = await bareRemote();
    const main = await realpath(await cloneOf(remote.path, "main"));
    await mkdir(join(main, "pkg"));
    const linked = join(await realpath(await tempRoot()), "linked");
    gitIn(main, ["worktree", "add", "-q", "-b", "agent-1", linked]);
    await mkdir(join(linked, "pkg"));
    const found = await worktreeBoardRoot(linked);
    expect(found.root).toBe(main);
    expect(found.note).toContain(`serving the main worktree's board, ${join(main, ".hfs")}`);
    expect((await worktreeBoardRoot(join(linked, "pkg"))).root).toBe(join(main, "pkg"));
  });

  it("leaves the main worktree, a plain folder and a bare repository's linked worktree where they are", async () => {
    const remote = await bareRemote();
    const main = await cloneOf(remote.path, "main");
    expect(await worktreeBoardRoot(main)).toEqual({ root: main });
    const plain = await tempRoot();
    expect(await worktreeBoardRoot(plain)).toEqual({ root: plain });
    const linked = join(await tempRoot(), "linked");
    gitIn(remote.path, ["worktree", "add", "-q", "-b", "agent-1", linked, "main"]);
    const found = await worktreeBoardRoot(linked);
    expect(found.root).toBe(linked);
    expect(found.note).toContain("without a main worktree");
  });
});
