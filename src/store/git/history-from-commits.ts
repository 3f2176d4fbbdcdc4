import type { HistoryRead } from "../board-store.js";
import { historyLinesOf } from "./commit-message.js";

/**
 * The history log of a git-synced board, read from the branch's commit messages (each carries its history
 * lines as `Hfs-Log:` trailers, see commit-message.ts) instead of `.hfs/log.md`. Read incrementally: each
 * catch-up asks git only for the commits since the last one it read (`git log <tip> ^<seen>`), so a listing
 * never rescans the whole history. A branch rewritten under us (a force-push) is simply read again from the
 * start, and reported as `restarted`.
 */
export class HistoryFromCommits {
  private seen: string | null = null;
  private pending: string[] = [];
  private restarted = false;
  private catchingUp: Promise<void> | undefined;

  constructor(
    private readonly log: (tip: string, since: string | null) => Promise<string[]>,
    private readonly isAncestor: (commit: string, tip: string) => Promise<boolean | undefined>,
  ) {}

  /** Take in the commits up to `tip` (null: the branch does not exist). One catch-up at a time. */
  async catchUp(tip: string | null): Promise<void> {
    while (this.catchingUp) await this.catchingUp;
    if (tip === this.seen) return;
    this.catchingUp = this.read(tip);
    try {
      await this.catchingUp;
    } finally {
      this.catchingUp = undefined;
    }
  }

  /** The history lines taken in since the last call, oldest first. */
  drain(): HistoryRead {
    const read = { lines: this.pending, restarted: this.restarted };
    this.pending = [];
    this.restarted = false;
    return read;
  }

  private async read(tip: string | null): Promise<void> {
    const since = this.seen !== null && tip !== null && (await this.isAncestor(this.seen, tip)) === true ? this.seen : null;
    if (since === null && this.seen !== null) {
      // Another history altogether: what was built on the old one no longer holds.
      this.pending = [];
      this.restarted = true;
    }
    const messages = tip === null ? [] : await this.log(tip, since);
    for (const message of messages) this.pending.push(...historyLinesOf(message));
    this.seen = tip;
  }
}
