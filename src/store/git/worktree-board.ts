import { realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { isDirectory } from "../is-directory.js";
import { runGit } from "./git-runner.js";

const TIMEOUT_MS = 5_000;

/**
 * Where the board of `root` lives when linked worktrees share one: a root inside a *linked* worktree of a
 * repository is served from the same place in the main worktree (usually its top: `<main>/.hfs/`), so agents
 * started one per worktree — each offered its own worktree as the root — coordinate on one board. Found from
 * `git rev-parse --git-common-dir` (the git dir all worktrees share; the main worktree is the first entry of
 * `git worktree list`). Runs once per root, never per call: afterwards the board is an ordinary local one.
 *
 * Anything else is served where it is: no git repository, the main worktree itself, or a repository without a
 * main worktree (linked worktrees of a bare clone). `note` says what was decided, for the log.
 */
export async function worktreeBoardRoot(root: string): Promise<{ root: string; note?: string }> {
  let real: string;
  try {
    real = realpathSync(root);
  } catch {
    return { root };
  }
  const dirs = await runGit(["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir", "--show-toplevel"], {
    cwd: real,
    timeoutMs: TIMEOUT_MS,
  }).catch(() => undefined);
  if (dirs?.code !== 0) return { root };
  const [gitDir, commonDir, toplevel] = dirs.stdout.toString("utf8").trim().split("\n");
  if (gitDir === undefined || commonDir === undefined || toplevel === undefined || gitDir === commonDir) return { root };

  const list = await runGit(["worktree", "list", "--porcelain"], { cwd: real, timeoutMs: TIMEOUT_MS });
  const main = list.stdout.toString("utf8").split("\n\n")[0] ?? "";
  const mainPath = /^worktree (.+)$/m.exec(main)?.[1];
  if (list.code !== 0 || mainPath === undefined || /^bare$/m.test(main)) {
    return { root, note: `${root} is a linked worktree of a repository without a main worktree: its board stays in ${root}/.hfs` };
  }
  const same = join(mainPath, relative(toplevel, real));
  const board = isDirectory(same) ? same : mainPath;
  return {
    root: board,
    note: `${root} is a linked worktree of ${mainPath}: serving the main worktree's board, ${join(board, ".hfs")} (--worktree-board own keeps one per worktree)`,
  };
}
