import { spawn } from "node:child_process";

/** How one git process ended. `stdout` stays bytes: blobs are decoded (strictly) by whoever reads them. */
export interface GitResult {
  args: readonly string[];
  /** The exit code; null when the process was killed (our timeout, or a signal from outside). */
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** Killed by our timeout: a network command's outcome is then unknown. */
  timedOut: boolean;
}

export interface GitRunOptions {
  cwd: string;
  /** Written to the process's stdin, which is then closed (git never waits on a terminal: see below). */
  input?: string | Buffer;
  /** Added to (and overriding) the environment built below, e.g. GIT_INDEX_FILE or an author. */
  env?: Record<string, string>;
  timeoutMs: number;
  /** The user's git config names an ssh command (`core.sshCommand`): do not replace it with ours. */
  userSsh?: boolean;
}

/** A git command failed; `message` names the command and what git said. */
export class GitCommandError extends Error {
  readonly result: GitResult;

  constructor(result: GitResult) {
    const how = result.timedOut ? "timed out" : result.code === null ? "was killed" : `exited with code ${result.code}`;
    super(`\`git ${result.args.join(" ")}\` ${how}${result.stderr.trim() ? `: ${firstLines(result.stderr)}` : ""}`);
    this.name = "GitCommandError";
    this.result = result;
  }
}

/**
 * Variables that point git at another repository or index than the one at `cwd`. A server started from a git
 * hook, or by a tool that exports them, would otherwise read and write somewhere else entirely.
 */
const INHERITED_REDIRECTS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_NAMESPACE",
  "GIT_COMMON_DIR",
  "GIT_PREFIX",
];

/** After a timeout's SIGTERM (git removes its lock files on it), how long before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/**
 * Run `git <args>` as an argv array (never through a shell), bounded by `timeoutMs`, and never waiting on a
 * person: `GIT_TERMINAL_PROMPT=0` makes https credential prompts fail, ssh runs with `BatchMode=yes` (unless
 * the user configured their own ssh command, see `userSsh`), commits are never signed (no pinentry), and
 * stdin is ours (closed once `input` is written). `LC_ALL=C` keeps messages parseable. Credentials are git's
 * own (ssh keys, credential helpers). A process of its own session (`detached`) would also keep a custom ssh
 * command off the terminal, but costs 4 ms more per spawn here (7.3 against 3.3 ms), on every git command of
 * every claim; the timeout bounds that case instead.
 *
 * A timeout sends SIGTERM first, on which git removes its `*.lock` files, then SIGKILL.
 */
export function runGit(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: options.cwd,
      env: gitEnv(options),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      killer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.stdin.on("error", () => undefined); // git may exit before reading all of it; its exit code says why
    child.on("error", (error) => {
      clearTimeout(timer);
      clearTimeout(killer);
      reject(new Error(`cannot run git (is it installed and on PATH?): ${error.message}`, { cause: error }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ args, code, stdout: Buffer.concat(stdout), stderr, timedOut });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** `runGit`, for commands whose failure is an error: resolves with stdout as text, trailing newline trimmed. */
export async function git(args: readonly string[], options: GitRunOptions): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw new GitCommandError(result);
  return result.stdout.toString("utf8").replace(/\n$/, "");
}

/** The environment git runs in (see runGit). */
export function gitEnv(options: Pick<GitRunOptions, "env" | "timeoutMs" | "userSsh">): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_REDIRECTS) delete env[name];
  env.LC_ALL = "C";
  env.LANGUAGE = "C";
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never"; // Git Credential Manager: fail instead of opening a window
  // A user who configured their own ssh command (GIT_SSH_COMMAND, GIT_SSH or core.sshCommand, e.g. to pick a
  // key) keeps it: ours would override it. Theirs still runs without a terminal (see runGit).
  if (!options.userSsh && env.GIT_SSH_COMMAND === undefined && env.GIT_SSH === undefined) {
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    env.GIT_SSH_COMMAND = `ssh -o BatchMode=yes -o ConnectTimeout=${seconds}`;
  }
  return { ...env, ...options.env };
}

function firstLines(text: string): string {
  const lines = text.trim().split("\n");
  return lines.length <= 4 ? lines.join(" / ") : `${lines.slice(0, 4).join(" / ")} / …`;
}
