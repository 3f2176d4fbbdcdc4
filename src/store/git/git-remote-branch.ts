import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { type GitResult, git, runGit } from "./git-runner.js";
import { SyncUnavailableError } from "./sync-unavailable-error.js";

export interface RemoteBranchOptions {
  /** The repository's top folder: paths on the branch (`.hfs/state.md`) are relative to its top, whatever the root. */
  cwd: string;
  /** The repository's common git dir (shared by its worktrees): private files go in `<it>/hfs/`. */
  commonDir: string;
  remote: string;
  branch: string;
  /** Bound on each git command; network commands (fetch, push) are the ones that come near it. */
  timeoutMs: number;
  /** The user configured their own ssh command (see git-runner.ts). */
  userSsh: boolean;
}

/** A change to one path of the branch's tree: its new text, or null to remove it. */
export type TreeChange = { path: string; text: string | null };

export interface Identity {
  name: string;
  email: string;
}

/**
 * How a push ended. `accepted`: the remote's branch is our commit. `rejected`: the remote refused it as not a
 * fast-forward — normally another writer got there first (both forms of git-sync.md), but a hook or a
 * protected branch refuse the same way, which the caller tells apart by fetching again. `failed`: it certainly
 * never reached the remote (could not connect, authentication refused). `unknown`: it may have (timed out,
 * connection lost after sending).
 */
export type PushOutcome =
  | { kind: "accepted" }
  | { kind: "rejected"; detail: string }
  | { kind: "failed"; detail: string }
  | { kind: "unknown"; detail: string };

// Failures that happen before anything is sent: the push certainly did not apply.
const NOT_SENT =
  /Connection refused|Could not resolve host|unable to connect|Name or service not known|Permission denied|Authentication failed|could not read Username|could not read Password|Host key verification failed|Repository not found|does not appear to be a git repository|No such device or address|Network is unreachable|No route to host/i;

/**
 * The board's branch on the remote: fetch, push and the private refs. Fetches go to
 * `refs/hfs/fetched/<remote>/<branch>` — not `refs/remotes/<remote>/*`, which the user's own `git fetch` and
 * tools own and show — and the last version mirrored locally is `refs/hfs/synced/<remote>/<branch>`. Commits
 * are made of objects only (branch-objects.ts): the user's HEAD, index, working tree, stash and branches are
 * never touched.
 */
export class RemoteBranch {
  readonly fetchedRef: string;
  readonly syncedRef: string;
  private readonly privateDir: string;
  private pushUrl: { url: string; config: string } | undefined;

  constructor(private readonly options: RemoteBranchOptions) {
    this.fetchedRef = `refs/hfs/fetched/${options.remote}/${options.branch}`;
    this.syncedRef = `refs/hfs/synced/${options.remote}/${options.branch}`;
    this.privateDir = join(options.commonDir, "hfs");
  }

  /**
   * Fetch the branch into the private ref. Returns its tip (null when the remote has no such branch) and the
   * commit last synced into the mirror (null when never).
   */
  async fetch(): Promise<{ tip: string | null; synced: string | null }> {
    const { remote, branch } = this.options;
    const args = [
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      "--no-recurse-submodules",
      // Our fetches come every few seconds; `git gc --auto` runs with the user's own next commit or fetch.
      "--no-auto-maintenance",
      // Only our private ref: without this, git also moves `refs/remotes/<remote>/<branch>` (the configured refspec).
      "--refmap=",
      remote,
      `+refs/heads/${branch}:${this.fetchedRef}`,
    ];
    let result = await this.run(args);
    if (result.code !== 0 && this.removeStaleRefLock(result.stderr)) result = await this.run(args);
    if (result.code === 0) {
      const refs = await this.refs();
      return { tip: refs.fetched, synced: refs.synced };
    }
    if (/couldn't find remote ref/i.test(result.stderr)) {
      const refs = await this.refs();
      if (refs.fetched !== null) await this.updateRefs([{ ref: this.fetchedRef, sha: null }]);
      return { tip: null, synced: refs.synced };
    }
    throw new SyncUnavailableError(`cannot fetch the board from git remote \`${remote}\`: ${describe(result)}`, {
      hint: /Authentication|Permission denied|could not read Username|Host key/i.test(result.stderr)
        ? "Nothing was written. git could not authenticate to the remote without asking: set up an ssh key or a credential helper, then retry."
        : undefined,
    });
  }

  /**
   * A git process killed outright (SIGKILL, out of memory) while updating one of our private refs leaves its
   * `.lock` file, and every later fetch fails on it. Ours are only written under the `.hfs` lock, which we hold,
   * so a lock file on one of them older than any git command may run is a dead process's: remove it.
   */
  private removeStaleRefLock(stderr: string): boolean {
    const path = /Unable to create '([^']+\.lock)': File exists/.exec(stderr)?.[1];
    if (path === undefined || !path.includes(`${sep}refs${sep}hfs${sep}`)) return false;
    const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age < 2 * this.options.timeoutMs) return false;
    rmSync(path, { force: true });
    return true;
  }

  /**
   * The private refs' commits (null when absent). Read from the ref files themselves — a loose ref, else
   * `packed-refs` — rather than by a `git for-each-ref` per sync: git replaces both files by rename, so a read
   * sees a whole old or new value, and it saves a process (3–4 ms) on every write. A repository using the
   * reftable format (git ≥ 2.45) has neither file and is asked through git.
   */
  async refs(): Promise<{ fetched: string | null; synced: string | null }> {
    if (existsSync(join(this.options.commonDir, "reftable"))) {
      const out = await this.text(["for-each-ref", "--format=%(objectname) %(refname)", this.fetchedRef, this.syncedRef]);
      const found = new Map(out.split("\n").map((line) => [line.slice(line.indexOf(" ") + 1), line.slice(0, line.indexOf(" "))] as const));
      return { fetched: found.get(this.fetchedRef) ?? null, synced: found.get(this.syncedRef) ?? null };
    }
    let packed: string | undefined;
    const read = (ref: string): string | null => {
      const loose = readFileSync(join(this.options.commonDir, ref), { encoding: "utf8", flag: "r" }).trim();
      return /^[0-9a-f]{40,64}$/.test(loose) ? loose : null;
    };
    const lookUp = (ref: string): string | null => {
      try {
        return read(ref);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      try {
        packed ??= readFileSync(join(this.options.commonDir, "packed-refs"), "utf8");
      } catch {
        return null;
      }
      return new RegExp(`^([0-9a-f]{40,64}) ${escapeRegExp(ref)}$`, "m").exec(packed)?.[1] ?? null;
    };
    return { fetched: lookUp(this.fetchedRef), synced: lookUp(this.syncedRef) };
  }

  /** Push `commit` to the branch without force: the remote takes it only if it descends from its tip. */
  async push(commit: string): Promise<PushOutcome> {
    const { branch } = this.options;
    const target = `refs/heads/${branch}`;
    const result = await this.run([
      "push",
      "--porcelain",
      "--no-verify", // the user's pre-push hooks are for their code, not for every claim
      "--no-signed",
      "--no-follow-tags",
      "--recurse-submodules=no",
      await this.pushTarget(),
      `${commit}:${target}`,
    ]);
    if (result.timedOut) return { kind: "unknown", detail: describe(result) };
    const line = result.stdout
      .toString("utf8")
      .split("\n")
      .find((l) => l.includes(`\t${commit}:${target}\t`) || l.endsWith(`\t${commit}:${target}`));
    const flag = line?.[0];
    if (result.code === 0 && flag !== undefined && " *=+".includes(flag)) return { kind: "accepted" };
    if (flag === "!") {
      const summary = line!.split("\t")[2] ?? "";
      if (/remote failure/.test(summary)) return { kind: "unknown", detail: summary };
      return { kind: "rejected", detail: `${summary}${result.stderr.trim() ? ` (${describe(result)})` : ""}` };
    }
    if (NOT_SENT.test(result.stderr)) return { kind: "failed", detail: describe(result) };
    return { kind: "unknown", detail: describe(result) };
  }

  /**
   * Where pushes go: the remote's push URL (`git remote get-url --push`). Pushing to the remote's *name* would
   * also move the user's `refs/remotes/<remote>/<branch>` (the configured fetch refspec); by URL, only the remote
   * moves. Looked up again whenever the repository's config file changed, so a remote the user re-points is
   * followed at once (fetches name the remote, and follow it anyway).
   */
  private async pushTarget(): Promise<string> {
    const stat = statSync(join(this.options.commonDir, "config"), { throwIfNoEntry: false });
    const config = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : "";
    if (this.pushUrl?.config !== config) {
      const url = (await this.text(["remote", "get-url", "--push", this.options.remote])).split("\n")[0]!.trim();
      this.pushUrl = { url, config };
    }
    return this.pushUrl.url;
  }

  /** Whether `commit` is in the history of `tip`; undefined when git cannot tell (e.g. the object is gone). */
  async isAncestor(commit: string, tip: string): Promise<boolean | undefined> {
    const result = await this.run(["merge-base", "--is-ancestor", commit, tip]);
    return result.code === 0 ? true : result.code === 1 ? false : undefined;
  }

  /** Move (or, with null, delete) refs in one transaction. */
  async updateRefs(updates: readonly { ref: string; sha: string | null }[]): Promise<void> {
    const input = updates.map(({ ref, sha }) => (sha === null ? `delete ${ref}\n` : `update ${ref} ${sha}\n`)).join("");
    await this.text(["update-ref", "--stdin"], { input });
  }

  /** The messages of the commits in `tip` and not in `since` (all of `tip`'s when null), oldest first. */
  async messages(tip: string, since: string | null): Promise<string[]> {
    const out = await this.text(["log", "--reverse", "--format=%B%x00", tip, ...(since === null ? [] : [`^${since}`])]);
    return out
      .split("\0")
      .map((message) => message.replace(/^\n/, ""))
      .filter((message) => message.length > 0);
  }

  /** Where temporary files of ours go (`<common git dir>/hfs/`). */
  get tempDir(): string {
    mkdirSync(this.privateDir, { recursive: true });
    return this.privateDir;
  }

  private run(args: string[], extra: { input?: string; env?: Record<string, string> } = {}): Promise<GitResult> {
    return runGit(args, { cwd: this.options.cwd, timeoutMs: this.options.timeoutMs, userSsh: this.options.userSsh, ...extra });
  }

  private text(args: string[], extra: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    return git(args, { cwd: this.options.cwd, timeoutMs: this.options.timeoutMs, userSsh: this.options.userSsh, ...extra });
  }
}

function describe(result: GitResult): string {
  if (result.timedOut) return `no answer within the git timeout (\`git ${result.args[0]}\`)`;
  const lines = result.stderr
    .trim()
    .split("\n")
    .filter((line) => !line.startsWith("hint:"));
  return lines.length > 0 ? lines.slice(0, 3).join(" / ") : `git ${result.args[0]} exited with code ${result.code}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
