import { readdirSync, rmSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { Mutex } from "async-mutex";
import type { BoardStore, Decide, HistoryRead } from "../board-store.js";
import type { HfsPaths } from "../hfs-paths.js";
import { namespaceTag, pidExists, thisProcess } from "../process-identity.js";
import { BranchObjects } from "./branch-objects.js";
import { type PendingUpdate, settle } from "./decide-batch.js";
import { RemoteBranch } from "./git-remote-branch.js";
import { findRepository, type GitRepository } from "./git-repository.js";
import { gitEnv } from "./git-runner.js";
import { HistoryFromCommits } from "./history-from-commits.js";
import type { LocalMirror } from "./local-mirror.js";
import { ObjectReader } from "./object-reader.js";
import { SyncRound, type SyncState } from "./sync-round.js";
import { SyncUnavailableError } from "./sync-unavailable-error.js";
import { TreeReader } from "./tree-reader.js";

export interface GitStoreOptions {
  mirror: LocalMirror;
  remote: string;
  branch: string;
  /** An idle server fetches this often, so reads serve a mirror at most about this old (writes always fetch). */
  fetchIntervalMs: number;
  /** Bound on each git command (fetch and push are the ones that come near it). */
  gitTimeoutMs: number;
  /** How long a write may wait for the local lock and keep losing the push race before `lock_timeout`. */
  lockTimeoutMs: number;
  log: (message: string) => void;
}

/** The first read waits this long for the start-up sync, then serves the mirror as it is. */
const FIRST_READ_WAIT_MS = 3_000;

interface Connected {
  repo: GitRepository;
  round: SyncRound;
  reader: ObjectReader;
}

/**
 * The board on a branch of a git remote (docs/git-sync.md). The remote's branch is the truth; a write runs,
 * under the local `.hfs` lock: fetch → decide on the fetched files → commit on the fetched tip → push without
 * force, and again from the fetch when the push is rejected (another writer got there first). Callers hear
 * back only once the remote took the push. After each sync the local `.hfs/` holds what was synced (the
 * mirror), which reads, resources and people use; people's edits of it are folded in (see SyncRound).
 *
 * Updates that queue up while a sync is under way go into one commit, in order (group commit), as in the local
 * store: one fetch and one push for an agent's burst of parallel calls.
 */
export class GitStore implements BoardStore {
  readonly paths: HfsPaths;
  private readonly queue = new Mutex();
  private pending: PendingUpdate[] = [];
  private connected: Promise<Connected> | undefined;
  private readonly timer: NodeJS.Timeout;
  private firstSync: Promise<void> | undefined;
  private lastSyncedAt: number | undefined;
  private lastProblem: string | undefined;
  private closed = false;
  private readonly state: SyncState = { lastTip: null, unresolved: undefined, lastRejectionAt: 0 };
  private readonly history = new HistoryFromCommits(
    async (tip, since) => (await this.connect()).round.branch.messages(tip, since),
    async (commit, tip) => (await this.connect()).round.branch.isAncestor(commit, tip),
  );

  constructor(private readonly options: GitStoreOptions) {
    this.paths = options.mirror.paths;
    // The first tick syncs at once, so the mirror is fresh before the first call; later ones keep it so.
    this.timer = setInterval(() => this.tick(), options.fetchIntervalMs);
    this.timer.unref();
    setImmediate(() => this.tick());
  }

  /** The mirror's text. The first read waits (a little) for the start-up sync; later ones never wait on git. */
  async read(file: string): Promise<string | null> {
    this.firstSync ??= this.sync();
    await Promise.race([this.firstSync, sleep(FIRST_READ_WAIT_MS)]);
    if (file === this.paths.stateFile) await this.catchUpHistory();
    return this.options.mirror.readFile(file);
  }

  update<T>(file: string, decide: Decide<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ path: this.boardPath(file), decide, resolve: resolve as (result: unknown) => void, reject });
      void this.queue.runExclusive(() => this.flush(false));
    });
  }

  readHistory(): HistoryRead {
    return this.history.drain();
  }

  /** When the mirror was last synced with the remote (null: not yet); get_work_items reports it. */
  freshness(): { syncedAt: string | null } {
    return { syncedAt: this.lastSyncedAt === undefined ? null : new Date(this.lastSyncedAt).toISOString() };
  }

  async idle(): Promise<void> {
    while (this.queue.isLocked()) await this.queue.waitForUnlock();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.disconnect();
    this.options.mirror.close();
  }

  private disconnect(): void {
    const connected = this.connected;
    this.connected = undefined;
    connected?.then(({ reader }) => reader.close()).catch(() => undefined);
  }

  async removeOrphanTempFiles(): Promise<string[]> {
    const removed = await this.options.mirror.removeOrphanTempFiles();
    try {
      const { repo } = await this.connect();
      removed.push(...removeDeadMerges(join(repo.commonDir, "hfs")));
    } catch {
      // Not a usable repository: nothing of ours in it; writes will say why.
    }
    return removed;
  }

  private connect(): Promise<Connected> {
    this.connected ??= (async () => {
      const { remote, branch, gitTimeoutMs: timeoutMs, log } = this.options;
      const repo = await findRepository(this.paths.root, remote, timeoutMs);
      if (!repo.mirrorIgnored) {
        log(
          `git sync: \`${this.paths.hfsDir}\` is not ignored by git; add \`.hfs/\` to .gitignore (the board lives on branch \`${branch}\`, this is a copy)`,
        );
      }
      const remoteBranch = new RemoteBranch({
        cwd: repo.toplevel,
        commonDir: repo.commonDir,
        remote,
        branch,
        timeoutMs,
        userSsh: repo.userSsh,
      });
      const reader = new ObjectReader({ cwd: repo.toplevel, env: gitEnv({ timeoutMs, userSsh: repo.userSsh }), timeoutMs });
      const objects = new BranchObjects(reader, repo.commonDir, repo.objectFormat);
      const tree = new TreeReader(objects, isBoardPath);
      const round = new SyncRound({
        state: this.state,
        branch: remoteBranch,
        objects,
        tree,
        repo,
        mirror: this.options.mirror,
        toLocal: (path) => this.localFile(path),
        toPath: (file) => this.boardPath(file),
        remote,
        timeoutMs,
        log,
      });
      return { repo, round, reader };
    })();
    // A repository that is not usable yet (no remote) may become so: look again next time.
    this.connected.catch(() => {
      this.connected = undefined;
    });
    return this.connected;
  }

  // One sync or one batch of updates at a time, in the order they came (the queue), under the local lock.
  private async flush(idle: boolean): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0 && !idle) return;
    const started = Date.now();
    try {
      const { round } = await this.connect();
      await this.options.mirror.withLock(async () => {
        const outcomes = await round.run(batch, started, this.options.lockTimeoutMs);
        this.lastSyncedAt = Date.now();
        settle(batch, outcomes);
      });
      if (this.lastProblem !== undefined) this.options.log("git sync: syncing with the remote again");
      this.lastProblem = undefined;
    } catch (error) {
      for (const update of batch) update.reject(error);
      // Look at the repository afresh next time: the trouble may be a remote URL the user is fixing.
      if (error instanceof SyncUnavailableError) this.disconnect();
      const problem = (error as Error)?.message ?? String(error);
      // Once per kind of trouble, not at every idle fetch while the remote is down.
      if (problem !== this.lastProblem) this.options.log(`git sync: ${problem}`);
      this.lastProblem = problem;
    }
  }

  private sync(): Promise<void> {
    return this.queue.runExclusive(() => this.flush(true));
  }

  private tick(): void {
    if (this.closed || this.queue.isLocked()) return;
    // A write is a sync too: no idle fetch right after one.
    if (this.lastSyncedAt !== undefined && Date.now() - this.lastSyncedAt < this.options.fetchIntervalMs / 2) return;
    const sync = this.sync();
    this.firstSync ??= sync;
  }

  private async catchUpHistory(): Promise<void> {
    try {
      await this.history.catchUp(this.state.lastTip);
    } catch {
      // Claim times are a courtesy: the listing stands without them (null), and the trouble is logged by syncs.
    }
  }

  /** `.hfs/state.md` or `.hfs/agents/<id>.md` on the branch, for a local file. */
  private boardPath(file: string): string {
    const path = relative(this.paths.root, file).split(sep).join("/");
    if (!isBoardPath(path)) throw new Error(`git store: \`${file}\` is not a board file`);
    return path;
  }

  private localFile(path: string): string {
    return join(this.paths.root, ...path.split("/"));
  }
}

/** The files the git store syncs: the board and the agents' memories (the rest of the branch is left alone). */
export function isBoardPath(path: string): boolean {
  return path === ".hfs/state.md" || /^\.hfs\/agents\/[a-z0-9][a-z0-9_-]{0,63}\.md$/.test(path);
}

/** Merge scratch folders (merge-texts.ts) of processes killed mid-merge. */
function removeDeadMerges(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  // A pid is judged only beside this PID namespace's tag (see temp-files.ts); others are left to age.
  const tag = namespaceTag(thisProcess().scope);
  const dead = names.filter((name) => {
    const match = /^merge\.(\d+)\.[0-9a-f]+(?:-([0-9a-f]{8}))?\.hfs-tmp$/.exec(name);
    return match !== null && match[2] === tag && tag !== "" && !pidExists(Number(match[1]));
  });
  for (const name of dead) rmSync(join(dir, name), { recursive: true, force: true });
  return dead;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
