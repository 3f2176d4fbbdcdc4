import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEachTest } from "./cleanup.js";
import { type SpawnedServer, type SpawnOptions, spawnServer } from "./clients.js";
import { tempRoot } from "./temp-root.js";

/** git for tests: argv, no shell; git's own config and identity kept out (a clean, predictable environment). */
export function gitIn(cwd: string, args: string[], input?: string): string {
  return execFileSync("git", args, { cwd, input, encoding: "utf8", env: testGitEnv(), stdio: ["pipe", "pipe", "pipe"] }).replace(/\n$/, "");
}

/** The environment test repositories and the servers under test run git with: no global or system config. */
export function testGitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
  };
}

/** A bare repository to serve as the remote, in a fresh temp folder: `{ dir, path }` (path = dir/board.git). */
export async function bareRemote(): Promise<{ dir: string; path: string }> {
  const dir = await tempRoot();
  const path = join(dir, "board.git");
  gitIn(dir, ["init", "-q", "--bare", "-b", "main", path]);
  return { dir, path };
}

/**
 * A clone of `remote` with a user's ordinary state: an identity, a committed `.gitignore` ignoring `.hfs/`,
 * a `main` branch pushed to the remote the first time. Returns the clone's folder.
 */
export async function cloneOf(remote: string, name: string): Promise<string> {
  const parent = await tempRoot();
  const dir = join(parent, name);
  gitIn(parent, ["clone", "-q", remote, dir]);
  gitIn(dir, ["config", "user.name", `Person ${name}`]);
  gitIn(dir, ["config", "user.email", `${name}@example.test`]);
  const hasMain = gitIn(dir, ["ls-remote", "origin", "refs/heads/main"]) !== "";
  if (hasMain) {
    gitIn(dir, ["checkout", "-q", "main"]);
  } else {
    gitIn(dir, ["checkout", "-q", "-b", "main"]);
    await writeFile(join(dir, ".gitignore"), ".hfs/\n");
    await writeFile(join(dir, "README.md"), "# The project\n");
    gitIn(dir, ["add", ".gitignore", "README.md"]);
    gitIn(dir, ["commit", "-q", "-m", "The project"]);
    gitIn(dir, ["push", "-q", "origin", "main"]);
  }
  return dir;
}

/** What of a clone belongs to its user: HEAD, the index and working tree, stash and every ref not ours. */
export function userState(dir: string): { head: string; status: string; refs: string; stash: string } {
  return {
    head: `${gitIn(dir, ["symbolic-ref", "-q", "HEAD"])} ${gitIn(dir, ["rev-parse", "HEAD"])}`,
    status: gitIn(dir, ["status", "--porcelain", "--ignored=no"]),
    refs: gitIn(dir, ["for-each-ref", "--format=%(refname) %(objectname)"])
      .split("\n")
      .filter((line) => !line.startsWith("refs/hfs/"))
      .join("\n"),
    stash: gitIn(dir, ["stash", "list"]),
  };
}

/** Lock files (`*.lock`) under a git dir: what a git process killed mid-update leaves behind. */
export function gitLockFiles(gitDir: string): string[] {
  return readdirSync(gitDir, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".lock"));
}

/** The board file on the remote's branch, or null when the branch or file is missing. */
export function remoteFile(remote: string, path = ".hfs/state.md", branch = "hfs"): string | null {
  try {
    return execFileSync("git", ["--git-dir", remote, "show", `refs/heads/${branch}:${path}`], {
      encoding: "utf8",
      env: testGitEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch {
    return null;
  }
}

const DAEMON = (() => {
  try {
    return join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-daemon");
  } catch {
    return "/usr/lib/git-core/git-daemon";
  }
})();

/** Why `git daemon` cannot be used here, or undefined when it can. Tests that need it print this and skip. */
export const daemonMissing = existsSync(DAEMON) ? undefined : `git daemon is not installed (looked for ${DAEMON})`;

export interface Daemon {
  /** `git://127.0.0.1:<port>/` — append a repository's path relative to the base folder. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Start again on the same port (after stop). */
  start(): Promise<void>;
}

const daemons: Daemon[] = [];

afterEachTest("services", () => Promise.all(daemons.splice(0).map((daemon) => daemon.stop())));

/** `git daemon` serving `baseDir` on 127.0.0.1 only, reads and pushes, no auth: a real network transport. */
export async function startDaemon(baseDir: string): Promise<Daemon> {
  let child: ChildProcess | undefined;
  let port = await freePort();
  // `restart`: the same port again, or the clones (which name it in their remote's URL) could never reach it.
  const launch = async (restart: boolean): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const started = spawn(
        "git",
        [
          "daemon",
          "--export-all",
          "--enable=receive-pack",
          `--base-path=${baseDir}`,
          "--listen=127.0.0.1",
          `--port=${port}`,
          "--reuseaddr",
          "--verbose",
          baseDir,
        ],
        // A process group of its own: stopping it also cuts the connections its children are serving.
        { env: testGitEnv(), stdio: ["ignore", "ignore", "pipe"], detached: true },
      );
      const ready = await new Promise<boolean>((resolve) => {
        let err = "";
        started.stderr!.on("data", (chunk: Buffer) => {
          err += chunk.toString();
          if (err.includes("Ready to rumble")) resolve(true);
        });
        started.once("exit", () => resolve(false));
      });
      if (ready) {
        child = started;
        return;
      }
      if (attempt >= 5) throw new Error(`git daemon did not start on port ${port}`);
      if (restart) await new Promise((resolve) => setTimeout(resolve, 200));
      else port = await freePort(); // taken meanwhile by someone else
    }
  };
  await launch(false);
  const daemon: Daemon = {
    get url() {
      return `git://127.0.0.1:${port}/`;
    },
    get port() {
      return port;
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once("exit", () => resolve());
        try {
          process.kill(-running.pid!, "SIGKILL");
        } catch {
          running.kill("SIGKILL");
        }
      });
    },
    start: () => launch(true),
  };
  daemons.push(daemon);
  return daemon;
}

/**
 * A free port below the kernel's ephemeral range (32768–60999 here), so that no other test's `listen(0)` or
 * outgoing connection is handed it while a daemon is stopped between `stop()` and `start()`. Before, a restart
 * finding its port taken moved to another one, out of its clones' reach: the likely cause of a CI run in which
 * the git-sync fault test saw no write go through after the restart. A restart now waits for its own port.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (await bindable(port)) return port;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A folder for several bare remotes served by one daemon. */
export async function daemonBase(): Promise<string> {
  const dir = await tempRoot();
  await mkdir(join(dir, "repos"));
  return join(dir, "repos");
}

const silent: { server: Server; sockets: Socket[] }[] = [];

afterEachTest("services", async () => {
  for (const { server, sockets } of silent.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A TCP port on loopback that accepts connections and never says a word: a remote that hangs. */
export async function silentPort(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  silent.push({ server, sockets });
  return (server.address() as { port: number }).port;
}

/** The board put on the remote's `hfs` branch the way any git client can: a commit of `.hfs/state.md`. */
export function seedBoard(clone: string, text: string): void {
  const blob = gitIn(clone, ["hash-object", "-w", "--stdin"], text);
  const tree = gitIn(clone, ["mktree"], `040000 tree ${gitIn(clone, ["mktree"], `100644 blob ${blob}\tstate.md\n`)}\t.hfs\n`);
  const commit = gitIn(clone, ["commit-tree", tree, "-m", "A board for the agents"]);
  gitIn(clone, ["push", "-q", "origin", `${commit}:refs/heads/hfs`]);
}

const servers: SpawnedServer[] = [];

// A git-synced server writes its mirror on a timer: it is stopped before its clone is removed (cleanup.ts).
afterEachTest("processes", () => Promise.all(servers.splice(0).map((server) => server.client.close().catch(() => undefined))));

/** The built server in its own process, with the test git environment; stopped after the test. */
export async function spawnGitServer(args: string[], options: SpawnOptions = {}): Promise<SpawnedServer> {
  const server = await spawnServer(args, testGitEnv(), options);
  servers.push(server);
  return server;
}
