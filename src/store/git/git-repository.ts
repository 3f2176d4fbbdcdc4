import { hostname } from "node:os";
import type { Identity } from "./git-remote-branch.js";
import { type GitRunOptions, git, runGit } from "./git-runner.js";
import type { ObjectFormat } from "./object-writer.js";
import { SyncUnavailableError } from "./sync-unavailable-error.js";

/** What the git store needs to know about the repository a board root sits in. Looked up once per store. */
export interface GitRepository {
  /** The work tree's top folder (commands run there, so branch paths are relative to the top). */
  toplevel: string;
  /** The git dir shared by all worktrees. */
  commonDir: string;
  objectFormat: ObjectFormat;
  /** Who people's edits of the mirror are committed as: git's `user.name` / `user.email`. */
  person: Identity;
  /** The user configured `core.sshCommand`: keep it (see git-runner.ts). */
  userSsh: boolean;
  /** Whether git ignores `.hfs/` here (else `git status` shows the mirror). */
  mirrorIgnored: boolean;
}

/**
 * Find the repository of `root` and check that `remote` exists. Failures are SyncUnavailableErrors that say
 * what to fix: the server keeps running, and writes answer `sync_unavailable` with that message.
 */
export async function findRepository(root: string, remote: string, timeoutMs: number): Promise<GitRepository> {
  const options: GitRunOptions = { cwd: root, timeoutMs };
  let toplevel: string;
  let commonDir: string;
  let format: string;
  try {
    const args = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir", "--show-object-format"];
    [toplevel = "", commonDir = "", format = ""] = (await git(args, options)).split("\n");
  } catch (error) {
    throw new SyncUnavailableError(`git sync: \`${root}\` is not inside a git work tree (${(error as Error).message})`, {
      hint: "Nothing was written. Run hfs-mcp with --sync git inside a clone of the repository that holds the board, or without --sync.",
    });
  }
  if (format !== "sha1" && format !== "sha256") {
    throw new SyncUnavailableError(
      `git sync: the repository at \`${toplevel}\` uses object format \`${format}\`, which hfs-mcp cannot write`,
      {
        hint: "Nothing was written. Use git sync in a sha1 or sha256 repository.",
      },
    );
  }
  const url = await runGit(["remote", "get-url", remote], { ...options, cwd: toplevel });
  if (url.code !== 0) {
    throw new SyncUnavailableError(`git sync: the repository at \`${toplevel}\` has no remote \`${remote}\``, {
      hint: "Nothing was written. Add it (git remote add) or name another with --git-remote; `git remote -v` lists them.",
    });
  }
  const config = await runGit(["config", "--get-regexp", "^(user\\.name|user\\.email|core\\.sshcommand)$"], { ...options, cwd: toplevel });
  const values = new Map<string, string>();
  for (const line of config.stdout.toString("utf8").split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) values.set(line.slice(0, space).toLowerCase(), line.slice(space + 1));
  }
  const ignored = await runGit(["check-ignore", "-q", "--", ".hfs/state.md"], options);
  const name = values.get("user.name") || "person";
  return {
    toplevel,
    commonDir,
    objectFormat: format,
    person: { name, email: values.get("user.email") || `${name.replace(/[^A-Za-z0-9._-]/g, "-")}@${hostname() || "localhost"}` },
    userSsh: values.has("core.sshcommand"),
    mirrorIgnored: ignored.code === 0,
  };
}
