import { describe, expect, it } from "vitest";
import { parseCli } from "../../src/cli/options.js";
import { parseSyncOptions } from "../../src/cli/sync-flags.js";
import { tempRoot } from "../helpers/temp-root.js";

describe("--sync git and --worktree-board", () => {
  it("adds nothing to the options by default, and the git defaults with --sync git", async () => {
    const cwd = await tempRoot();
    const parsed = parseCli([], {}, cwd, "0");
    expect(parsed).toEqual({
      kind: "run",
      options: { root: cwd, agentId: undefined, lockTimeoutMs: 30_000, lockStaleMs: 10_000, presenceIntervalMs: 5_000 },
    });
    expect(parseCli(["--sync", "git"], {}, cwd, "0")).toMatchObject({
      kind: "run",
      options: { sync: { remote: "origin", branch: "hfs", fetchIntervalMs: 5_000, timeoutMs: 10_000 } },
    });
  });

  it("takes flags over the environment", () => {
    expect(parseSyncOptions({ sync: "git", "git-branch": "board" }, { HFS_GIT_BRANCH: "other", HFS_GIT_REMOTE: "upstream" })).toEqual({
      sync: { remote: "upstream", branch: "board", fetchIntervalMs: 5_000, timeoutMs: 10_000 },
    });
    expect(parseSyncOptions({}, { HFS_SYNC: "git", HFS_GIT_FETCH_INTERVAL_MS: "2000", HFS_GIT_TIMEOUT_MS: "3000" })).toMatchObject({
      sync: { fetchIntervalMs: 2_000, timeoutMs: 3_000 },
    });
    expect(parseSyncOptions({}, { HFS_WORKTREE_BOARD: "own" })).toEqual({ worktreeBoard: "own" });
    expect(parseSyncOptions({ "worktree-board": "shared" }, { HFS_WORKTREE_BOARD: "own" })).toEqual({});
  });

  it("refuses what git would not take, or what makes no sense, naming the value", async () => {
    const cwd = await tempRoot();
    const message = (argv: string[]) => {
      const parsed = parseCli(argv, {}, cwd, "0");
      return parsed.kind === "exit" ? `${parsed.code} ${parsed.message}` : "ran";
    };
    expect(message(["--sync", "svn"])).toBe("2 --sync `svn` is not `git` or `local`.");
    expect(message(["--git-branch", "x"])).toBe("2 --git-branch applies only with --sync git.");
    expect(message(["--sync", "git", "--git-branch", "../x"])).toContain("--git-branch `../x`");
    expect(message(["--sync", "git", "--git-branch", "a..b"])).toContain("is not a branch name");
    expect(message(["--sync", "git", "--git-remote=-x"])).toContain("--git-remote `-x` is not a remote name");
    expect(message(["--sync", "git", "--git-timeout-ms", "5"])).toContain("at least 100");
    expect(message(["--worktree-board", "mine"])).toBe("2 --worktree-board `mine` is not `shared` or `own`.");
    expect(message(["--sync", "git", "--git-branch", "team/board"])).toBe("ran");
  });
});
