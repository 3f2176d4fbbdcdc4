import { describe, expect, it } from "vitest";
import { foldLocalEdits } from "../../../src/store/git/fold-local-edits.js";
import { mergeTexts } from "../../../src/store/git/merge-texts.js";
import { tempRoot } from "../../helpers/temp-root.js";

const BOARD = "# Board\n\n- [ ] one\n- [ ] two\n- [ ] three\n";
const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

async function fold(local: Record<string, string | null>, base: Record<string, string> | null, remote: Record<string, string> | null) {
  const tempDir = await tempRoot();
  return foldLocalEdits({
    local: new Map(Object.entries(local)),
    base: base === null ? null : files(base),
    remote: remote === null ? null : files(remote),
    merge: (texts) => mergeTexts(texts, { tempDir, timeoutMs: 10_000 }),
  });
}

describe("foldLocalEdits", () => {
  it("finds nothing to do when the mirror is only behind the remote", async () => {
    const remote = BOARD.replace("one", "one [IP:bravo]");
    expect(await fold({ ".hfs/state.md": BOARD }, { ".hfs/state.md": BOARD }, { ".hfs/state.md": remote })).toEqual({
      changes: [],
      conflicts: [],
    });
  });

  it("takes the person's version when the remote did not change the file", async () => {
    const mine = BOARD.replace("two", "two, reworded");
    expect(await fold({ ".hfs/state.md": mine }, { ".hfs/state.md": BOARD }, { ".hfs/state.md": BOARD })).toEqual({
      changes: [{ path: ".hfs/state.md", text: mine }],
      conflicts: [],
    });
  });

  it("merges edits of different lines, with git merge-file", async () => {
    const mine = BOARD.replace("three", "three, reworded");
    const theirs = BOARD.replace("one", "one [IP:bravo]");
    const { changes, conflicts } = await fold({ ".hfs/state.md": mine }, { ".hfs/state.md": BOARD }, { ".hfs/state.md": theirs });
    expect(conflicts).toEqual([]);
    expect(changes).toEqual([{ path: ".hfs/state.md", text: "# Board\n\n- [ ] one [IP:bravo]\n- [ ] two\n- [ ] three, reworded\n" }]);
  });

  it("keeps a conflicting version aside and changes nothing", async () => {
    const mine = BOARD.replace("one", "one, reworded");
    const theirs = BOARD.replace("one", "one [IP:bravo]");
    const { changes, conflicts } = await fold({ ".hfs/state.md": mine }, { ".hfs/state.md": BOARD }, { ".hfs/state.md": theirs });
    expect(changes).toEqual([]);
    expect(conflicts).toEqual([{ path: ".hfs/state.md", text: mine, why: expect.stringContaining("same lines") }]);
  });

  it("without a last synced version, keeps a differing local copy aside; a file only the clone has is added", async () => {
    const { changes, conflicts } = await fold({ ".hfs/state.md": "my own board\n", ".hfs/agents/alpha.md": "alpha's notes\n" }, null, {
      ".hfs/state.md": BOARD,
    });
    expect(changes).toEqual([{ path: ".hfs/agents/alpha.md", text: "alpha's notes\n" }]);
    expect(conflicts).toEqual([{ path: ".hfs/state.md", text: "my own board\n", why: expect.any(String) }]);
  });

  it("never turns a file missing locally into a deletion", async () => {
    expect(await fold({ ".hfs/state.md": null }, { ".hfs/state.md": BOARD }, { ".hfs/state.md": BOARD })).toEqual({
      changes: [],
      conflicts: [],
    });
  });

  it("starts the branch from every local file when the remote has none", async () => {
    expect(await fold({ ".hfs/state.md": BOARD, ".hfs/agents/a.md": "a\n" }, null, null)).toEqual({
      changes: [
        { path: ".hfs/state.md", text: BOARD },
        { path: ".hfs/agents/a.md", text: "a\n" },
      ],
      conflicts: [],
    });
  });
});
