/** Where the board lives: `--worktree-board` and `--sync git` with its flags, parsed from argv and the environment. */
import { type BoardPlacement, DEFAULT_GIT_SYNC } from "../store/git/index.js";

export const SYNC_FLAGS = {
  "worktree-board": { type: "string" },
  sync: { type: "string" },
  "git-remote": { type: "string" },
  "git-branch": { type: "string" },
  "git-fetch-interval-ms": { type: "string" },
  "git-timeout-ms": { type: "string" },
} as const;

export const SYNC_USAGE = `Where the board lives:
  --worktree-board shared|own   in a linked git worktree, serve the main worktree's board (shared, the
                        default) or this worktree's own (env HFS_WORKTREE_BOARD)
  --sync git            keep the board on a branch of a git remote, for clones that share no folder
                        (env HFS_SYNC; default: local). With it:
  --git-remote NAME     the remote (env HFS_GIT_REMOTE; default ${DEFAULT_GIT_SYNC.remote})
  --git-branch NAME     the board's branch there (env HFS_GIT_BRANCH; default ${DEFAULT_GIT_SYNC.branch})
  --git-fetch-interval-ms MS  how often an idle server fetches (env HFS_GIT_FETCH_INTERVAL_MS; default ${DEFAULT_GIT_SYNC.fetchIntervalMs})
  --git-timeout-ms MS   the longest one git command may take (env HFS_GIT_TIMEOUT_MS; default ${DEFAULT_GIT_SYNC.timeoutMs})`;

type SyncValues = { [K in keyof typeof SYNC_FLAGS]?: string };

const REMOTE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// A conservative subset of what `git check-ref-format --branch` accepts.
const BRANCH = /^(?!.*\.\.)(?!.*\/\/)(?!.*\.lock(?:\/|$))[A-Za-z0-9][A-Za-z0-9._/-]*(?<![./])$/;

/** The board's placement (only what differs from the defaults), or why it is refused. */
export function parseSyncOptions(values: SyncValues, env: NodeJS.ProcessEnv): BoardPlacement | string {
  const placement: BoardPlacement = {};
  const worktree = values["worktree-board"] ?? nonEmpty(env.HFS_WORKTREE_BOARD);
  if (worktree !== undefined && worktree !== "shared" && worktree !== "own") {
    return `--worktree-board \`${worktree}\` is not \`shared\` or \`own\`.`;
  }
  if (worktree === "own") placement.worktreeBoard = "own";

  const sync = values.sync ?? nonEmpty(env.HFS_SYNC) ?? "local";
  if (sync !== "local" && sync !== "git") return `--sync \`${sync}\` is not \`git\` or \`local\`.`;
  const gitFlags = (["git-remote", "git-branch", "git-fetch-interval-ms", "git-timeout-ms"] as const).filter(
    (flag) => values[flag] !== undefined,
  );
  if (sync === "local") {
    return gitFlags.length > 0 ? `--${gitFlags[0]} applies only with --sync git.` : placement;
  }

  const remote = values["git-remote"] ?? nonEmpty(env.HFS_GIT_REMOTE) ?? DEFAULT_GIT_SYNC.remote;
  if (!REMOTE.test(remote)) return `--git-remote \`${remote}\` is not a remote name.`;
  const branch = values["git-branch"] ?? nonEmpty(env.HFS_GIT_BRANCH) ?? DEFAULT_GIT_SYNC.branch;
  if (!BRANCH.test(branch)) return `--git-branch \`${branch}\` is not a branch name hfs-mcp accepts (letters, digits, . _ - /).`;
  const interval = milliseconds(
    "--git-fetch-interval-ms",
    values["git-fetch-interval-ms"] ?? nonEmpty(env.HFS_GIT_FETCH_INTERVAL_MS),
    DEFAULT_GIT_SYNC.fetchIntervalMs,
  );
  if (typeof interval === "string") return interval;
  const timeout = milliseconds(
    "--git-timeout-ms",
    values["git-timeout-ms"] ?? nonEmpty(env.HFS_GIT_TIMEOUT_MS),
    DEFAULT_GIT_SYNC.timeoutMs,
  );
  if (typeof timeout === "string") return timeout;
  placement.sync = { remote, branch, fetchIntervalMs: interval, timeoutMs: timeout };
  return placement;
}

function milliseconds(flag: string, text: string | undefined, fallback: number): number | string {
  if (text === undefined) return fallback;
  const value = Number(text);
  return Number.isInteger(value) && value >= 100 ? value : `${flag} \`${text}\` is not a whole number of milliseconds (at least 100).`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
