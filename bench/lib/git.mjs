import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Git for the benchmarks: a bare remote served by `git daemon` on 127.0.0.1, and clones of it. */

const dirs = new Set();
const daemons = new Set();

/** The environment benchmark git commands and servers run with: none of the user's global git config. */
export const GIT_ENV = { PATH: process.env.PATH ?? "", HOME: tmpdir(), GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

export function git(cwd, args, input) {
  return execFileSync("git", args, { cwd, input, encoding: "utf8", env: GIT_ENV, stdio: ["pipe", "pipe", "pipe"] }).replace(/\n$/, "");
}

/** A bare repository in a fresh folder, served read-write over git:// on loopback. */
export async function servedRemote(label) {
  const base = await mkdtemp(join(tmpdir(), `hfs-bench-git-${label}-`));
  dirs.add(base);
  git(base, ["init", "-q", "--bare", "-b", "main", join(base, "board.git")]);
  const port = await freePort();
  const child = spawn(
    "git",
    [
      "daemon",
      "--export-all",
      "--enable=receive-pack",
      `--base-path=${base}`,
      "--listen=127.0.0.1",
      `--port=${port}`,
      "--reuseaddr",
      "--verbose",
      base,
    ],
    { env: GIT_ENV, stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  await new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (chunk) => {
      err += chunk;
      if (err.includes("Ready to rumble")) resolve();
    });
    child.once("exit", () => reject(new Error(`git daemon did not start: ${err}`)));
  });
  daemons.add(child);
  return { base, path: join(base, "board.git"), url: `git://127.0.0.1:${port}/board.git` };
}

/** A clone of the remote (a `main` branch with one commit, like a project), talking to it over git://. */
export async function cloneOf(remote, name) {
  const dir = join(remote.base, name);
  git(remote.base, ["clone", "-q", remote.path, dir]);
  git(dir, ["config", "user.name", name]);
  git(dir, ["config", "user.email", `${name}@bench.invalid`]);
  if (git(dir, ["ls-remote", "origin", "refs/heads/main"]) === "") {
    git(dir, ["checkout", "-q", "-b", "main"]);
    await writeFile(join(dir, ".gitignore"), ".hfs/\n");
    git(dir, ["add", ".gitignore"]);
    git(dir, ["commit", "-q", "-m", "project"]);
    git(dir, ["push", "-q", "origin", "main"]);
  } else {
    git(dir, ["checkout", "-q", "main"]);
  }
  git(dir, ["remote", "set-url", "origin", remote.url]);
  return dir;
}

/** Put `text` on the remote's `branch` as `.hfs/state.md`, from `clone`, as any git client could. */
export function seedBranch(clone, branch, text) {
  const blob = git(clone, ["hash-object", "-w", "--stdin"], text);
  const tree = git(clone, ["mktree"], `040000 tree ${git(clone, ["mktree"], `100644 blob ${blob}\tstate.md\n`)}\t.hfs\n`);
  const commit = git(clone, ["commit-tree", tree, "-m", "board"]);
  git(clone, ["push", "-q", "origin", `${commit}:refs/heads/${branch}`]);
  return commit;
}

export async function stopGit() {
  for (const child of daemons) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  daemons.clear();
  await Promise.all([...dirs].map((dir) => rm(dir, { recursive: true, force: true })));
  dirs.clear();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
