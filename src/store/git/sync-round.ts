import { hostname } from "node:os";
import { join } from "node:path";
import type { BranchObjects } from "./branch-objects.js";
import { commitMessage } from "./commit-message.js";
import { decideBatch, type Outcome, type PendingUpdate } from "./decide-batch.js";
import { foldLocalEdits, type LocalEdits } from "./fold-local-edits.js";
import type { Identity, RemoteBranch, TreeChange } from "./git-remote-branch.js";
import type { GitRepository } from "./git-repository.js";
import type { LocalMirror } from "./local-mirror.js";
import { mergeTexts } from "./merge-texts.js";
import { PushContentionError } from "./push-contention-error.js";
import { SyncUnavailableError } from "./sync-unavailable-error.js";
import type { BoardFiles, TreeReader } from "./tree-reader.js";

/** What outlives one connection to the repository (the store looks it up afresh after a sync failure). */
export interface SyncState {
  /** The branch's tip as last synced (null: no branch yet). */
  lastTip: string | null;
  /** A push whose outcome is unknown: the next fetch tells whether it reached the remote. */
  unresolved: string | undefined;
  /** When this server last lost a push race (0: never): the remote is contended for a while after. */
  lastRejectionAt: number;
}

export interface SyncRoundOptions {
  state: SyncState;
  branch: RemoteBranch;
  objects: BranchObjects;
  tree: TreeReader;
  repo: GitRepository;
  mirror: LocalMirror;
  /** Board path (`.hfs/state.md`) ↔ local file. */
  toLocal: (path: string) => string;
  toPath: (file: string) => string;
  remote: string;
  timeoutMs: number;
  log: (message: string) => void;
}

const STATE_PATH = ".hfs/state.md";
// See waitBeforeAttempt.
const PRIORITY_LEVELS = 8;
const PRIORITY_STEP_MS = 20;
const CONTENDED_FOR_MS = 3_000;

/**
 * One sync with the remote, run under the local `.hfs` lock, with the updates queued meanwhile (none for an
 * idle sync): fetch; fold people's edits of the mirror in; decide every update on the fetched files; commit
 * (people's edits as the person, then the agents' decisions as one commit); push without force. A rejected
 * push means another writer got there first: the whole round runs again on what they pushed, until the
 * deadline. Nothing is answered before the remote took the push; then the mirror is rewritten.
 */
export class SyncRound {
  constructor(private readonly options: SyncRoundOptions) {}

  get branch(): RemoteBranch {
    return this.options.branch;
  }

  async run(batch: readonly PendingUpdate[], started: number, budgetMs: number): Promise<Outcome[]> {
    const { branch, tree, state } = this.options;
    let rejected: { tip: string | null; detail: string } | undefined;
    for (let attempt = 1; ; attempt++) {
      if (batch.length > 0) await sleep(waitBeforeAttempt(attempt, state.lastRejectionAt));
      const { tip, synced } = await branch.fetch();
      // Rejected, yet nobody else pushed: not a race but a refusal (a protected branch, a hook).
      if (rejected && rejected.tip === tip) {
        throw new SyncUnavailableError(`the git remote \`${this.options.remote}\` refused the push: ${rejected.detail}`, {
          hint: "Nothing was written. The branch may be protected, or a server hook refuses pushes: let hfs-mcp push to it, or choose another with --git-branch.",
        });
      }
      await this.resolveUnknownPush(tip);
      const remote = tip === null ? null : await tree.files(tip);
      const base = synced === null ? null : await tree.files(synced);
      const local = this.readLocal(remote, base);
      const edits = await foldLocalEdits({
        local,
        base,
        remote,
        merge: (texts) => mergeTexts(texts, { tempDir: branch.tempDir, timeoutMs: this.options.timeoutMs }),
      });
      const files = new Map(remote ?? []);
      for (const change of edits.changes) if (change.text !== null) files.set(change.path, change.text);
      const decided = decideBatch(batch, files);
      // The first write creates the branch (from the local board, if any); an idle sync never does.
      const pushing = decided.changes.length > 0 || (tip !== null && edits.changes.length > 0);
      if (!pushing) {
        if (tip !== null) await this.mirror(tip, synced, remote!, local, base, edits.conflicts);
        this.options.state.lastTip = tip;
        return decided.outcomes;
      }
      let head = tip;
      if (edits.changes.length > 0)
        head = await this.options.objects.commit(head, edits.changes, this.personMessage(edits, tip), this.options.repo.person);
      if (decided.changes.length > 0) {
        const { message, author } = commitMessage(
          decided.log,
          decided.changes.map((change) => change.path),
        );
        head = await this.options.objects.commit(head, decided.changes, message, agentIdentity(author));
      }
      const pushed = await branch.push(head!);
      if (pushed.kind === "accepted") {
        tree.remember(head!, files);
        state.lastTip = head;
        await this.mirror(head!, synced, files, local, base, edits.conflicts);
        return decided.outcomes;
      }
      if (pushed.kind === "failed") {
        throw new SyncUnavailableError(`cannot push to git remote \`${this.options.remote}\`: ${pushed.detail}`);
      }
      if (pushed.kind === "unknown") {
        this.options.state.unresolved = head!;
        throw new SyncUnavailableError(
          `the push to git remote \`${this.options.remote}\` was sent but its outcome is unknown (${pushed.detail}); the next sync checks whether it arrived`,
          { outcomeUnknown: true },
        );
      }
      rejected = { tip, detail: pushed.detail };
      if (Date.now() - started >= budgetMs) throw new PushContentionError(Date.now() - started, attempt);
      state.lastRejectionAt = Date.now();
    }
  }

  // The mirror's files as they are now: the board, local memory files, and whatever the branch or the last
  // sync holds (a file the person removed reads as null).
  private readLocal(remote: BoardFiles | null, base: BoardFiles | null): Map<string, string | null> {
    const { mirror, toLocal, toPath } = this.options;
    const paths = new Set([STATE_PATH, ...mirror.memoryFiles().map(toPath), ...(remote?.keys() ?? []), ...(base?.keys() ?? [])]);
    return new Map([...paths].map((path) => [path, mirror.readFile(toLocal(path))] as const));
  }

  /**
   * Make the mirror hold `files` (the commit `head`), then record `head` as synced. Conflicting edits are
   * first copied beside the board. A file a person saved again since `local` was read is left alone, and
   * the synced record keeps what they started from for it, so their new save merges at the next sync.
   * A failure here costs only freshness: the remote already holds the truth, and the next sync retries.
   */
  private async mirror(
    head: string,
    synced: string | null,
    files: BoardFiles,
    local: ReadonlyMap<string, string | null>,
    base: BoardFiles | null,
    conflicts: LocalEdits["conflicts"],
  ): Promise<void> {
    const { mirror, toLocal, branch, log } = this.options;
    try {
      const stamp = new Date().toISOString().replace(/[-:.]/g, "");
      for (const conflict of conflicts) {
        const copy = join(mirror.paths.hfsDir, "conflicts", `${stamp}-${conflict.path.replace(/^\.hfs\//, "").replace(/\//g, "-")}`);
        mirror.writeFile(copy, conflict.text);
        log(
          `git sync: warning: the local edit of ${conflict.path} was not merged (${conflict.why}); it is kept in ${copy}, and the mirror now holds the remote's version`,
        );
      }
      const skipped: TreeChange[] = [];
      for (const path of new Set([...files.keys(), ...(base?.keys() ?? []), ...local.keys()])) {
        const want = files.get(path) ?? null;
        const mine = local.get(path) ?? null;
        if (want === mine) continue;
        // Gone from the branch: the copy goes too, unless it holds an edit nobody has seen (kept, pushed next time).
        if (want === null && mine !== (base?.get(path) ?? null) && !conflicts.some((c) => c.path === path)) continue;
        if (!mirror.writeFile(toLocal(path), want, { unlessChangedFrom: mine })) skipped.push({ path, text: mine });
      }
      let mirrored = head;
      if (skipped.length > 0) {
        log(`git sync: ${skipped.map((c) => c.path).join(", ")} changed during the sync; that change is folded in at the next sync`);
        mirrored = await this.options.objects.commit(
          head,
          skipped,
          "hfs: the mirror as last synced (saved during a sync)\n",
          agentIdentity(undefined),
        );
      }
      if (mirrored !== synced) {
        await branch.updateRefs([
          { ref: branch.fetchedRef, sha: head },
          { ref: branch.syncedRef, sha: mirrored },
        ]);
      }
    } catch (error) {
      log(`git sync: could not update the local mirror (the remote has the change): ${(error as Error)?.message ?? String(error)}`);
    }
  }

  private async resolveUnknownPush(tip: string | null): Promise<void> {
    const commit = this.options.state.unresolved;
    if (commit === undefined) return;
    this.options.state.unresolved = undefined;
    const reached = tip !== null && (await this.options.branch.isAncestor(commit, tip)) === true;
    this.options.log(
      reached
        ? `git sync: the push of ${commit.slice(0, 12)}, whose outcome was unknown, had reached the remote`
        : `git sync: the push of ${commit.slice(0, 12)}, whose outcome was unknown, had not reached the remote: the calls it carried were not applied`,
    );
  }

  private personMessage(edits: LocalEdits, tip: string | null): string {
    const where = `${hostname()}:${this.options.mirror.paths.hfsDir}`;
    if (tip === null) return `hfs: start the board from ${where}\n`;
    const paths = edits.changes.map((change) => change.path).join(", ");
    return `${this.options.repo.person.name} edited ${paths}\n\nEdited in the mirror at ${where}, merged by hfs-mcp.\n`;
  }
}

/**
 * How long to wait before a write's attempt, for fairness between machines, which share no lock: a push race
 * has no queue, and whoever fetched last and pushes first wins, so under contention the server that just won
 * (on a fresh tip) tends to win again, and a loser can lose for as long as the others keep writing. So, while
 * this server has lost a race in the last few seconds, each attempt waits less the more attempts the write has
 * already made (20 ms per level, 7 levels, then none; jittered by half): writes that have waited longest push
 * first, which brings the race closer to first come, first served. Measured (bench/git-sync.mjs, 8 clones calling
 * claim_next nonstop on 48 items, two runs each, loaded 2-core machine): with the winner yielding once and losers
 * retrying within 15 ms, p99 11.1 and 18.1 s (p50 0.8–1.0 s); with this, p99 10.6 and 6.7 s (p50 2.0–3.1 s).
 * The tail is what fails a call (lock_timeout at 30 s). Uncontended, nothing waits.
 */
export function waitBeforeAttempt(attempt: number, lastRejectionAt: number, now = Date.now()): number {
  if (attempt === 1 && now - lastRejectionAt > CONTENDED_FOR_MS) return 0;
  return PRIORITY_STEP_MS * Math.max(0, PRIORITY_LEVELS - attempt) * (0.5 + Math.random() / 2);
}

/** Agents commit under their id (the mailbox is not real; a forge shows the name). */
function agentIdentity(agent: string | undefined): Identity {
  const name = agent ?? "hfs-mcp";
  return { name, email: `${name}@hfs-mcp.invalid` };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
