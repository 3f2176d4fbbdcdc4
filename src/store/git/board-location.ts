import type { BoardStore } from "../board-store.js";
import { GitStore } from "./git-store.js";
import { localMirror } from "./local-mirror-adapter.js";
import { worktreeBoardRoot } from "./worktree-board.js";

/** `--sync git`: the board's truth is a branch of a git remote (docs/git-sync.md). */
export interface GitSyncSettings {
  remote: string;
  branch: string;
  fetchIntervalMs: number;
  timeoutMs: number;
}

export interface BoardPlacement {
  /** `shared` (default): a linked worktree is served the main worktree's board; `own`: its own `.hfs/`. */
  worktreeBoard?: "shared" | "own";
  sync?: GitSyncSettings;
}

export const DEFAULT_GIT_SYNC: GitSyncSettings = { remote: "origin", branch: "hfs", fetchIntervalMs: 5_000, timeoutMs: 10_000 };

/** Where a root's board is, and (git sync) the store to open there; the local store otherwise. */
export interface BoardLocation {
  root: string;
  openStore?: () => BoardStore;
}

export type BoardLocator = (root: string) => Promise<BoardLocation>;

/**
 * Decides, once per root, where its board lives (worktrees) and what keeps it (local or git store). The
 * server asks this when a root is first served; nothing above the store learns which store it got.
 */
export function boardLocator(
  placement: BoardPlacement,
  options: { lockTimeoutMs: number; lockStaleMs?: number; log: (message: string) => void },
): BoardLocator {
  return async (root) => {
    let boardRoot = root;
    if (placement.worktreeBoard !== "own") {
      const found = await worktreeBoardRoot(root);
      if (found.note) options.log(found.note);
      boardRoot = found.root;
    }
    const { sync } = placement;
    if (!sync) return { root: boardRoot };
    return {
      root: boardRoot,
      openStore: () =>
        new GitStore({
          mirror: localMirror({
            root: boardRoot,
            lockTimeoutMs: options.lockTimeoutMs,
            lockStaleMs: options.lockStaleMs,
            notice: options.log,
          }),
          remote: sync.remote,
          branch: sync.branch,
          fetchIntervalMs: sync.fetchIntervalMs,
          gitTimeoutMs: sync.timeoutMs,
          lockTimeoutMs: options.lockTimeoutMs,
          log: options.log,
        }),
    };
  };
}
