import type { BoardItem, ItemStatus } from "../markdown/index.js";
import { type BoardContext, loadMarkdown } from "./board-context.js";
import type { Blocker, Dependencies } from "./dependencies.js";
import { failure, isFailure, type Outcome } from "./failure.js";
import { guard } from "./guard.js";
import type { HolderPresence, PresenceView } from "./presence.js";
import { checkCutoff, checkPage } from "./validate.js";

export interface WorkItem {
  description: string;
  status: ItemStatus;
  claimed_by: string | null;
  /** When the current holder claimed it, from `.hfs/log.md`; null when unknown (a marker typed by hand). */
  claimed_at: string | null;
  line: number;
  section: string | null;
  /** Available and waiting for nothing: it can be started now. */
  ready: boolean;
  /** What it waits for that is not completed, and names that resolve to no item or several ([] when completed). */
  blocked_by: Blocker[];
  /** For an item in progress: whether its holder has a server running (null: unknown); null otherwise. */
  holder_online: boolean | null;
  /** When an offline holder was last seen; null unless holder_online is false. */
  holder_offline_since: string | null;
}

export interface StatusCounts {
  available: number;
  in_progress: number;
  completed: number;
  /** Of the available items, those that wait for nothing. */
  ready: number;
}

export interface ListQuery {
  status?: ItemStatus;
  /** Only items that can (true) or cannot (false) be started now. */
  ready?: boolean;
  claimedBy?: string;
  /** Orphan review: only in-progress items claimed before this ISO time (or at an unknown time). */
  claimedBefore?: string;
  /** Orphan review: only in-progress items claimed more than this many minutes ago (or at an unknown time). */
  olderThanMinutes?: number;
  limit?: number;
  /** `next_cursor` from the previous page. */
  cursor?: string;
}

export interface Listing {
  success: true;
  items: WorkItem[];
  counts: StatusCounts;
  next_cursor?: string;
  /** Lines of merge-conflict markers in the board: while there are any, every write is refused. */
  conflicts?: number[];
  /** Git sync: when the board last came from its remote (null: not yet). Absent for a local board. */
  synced_at?: string | null;
}

/**
 * The board's items in file order, filtered, one page at a time (`limit`, default 100, at most 1,000) so a
 * large board never floods an agent's context; `next_cursor` continues after the last item returned. Counts
 * always cover the whole board.
 */
export async function listItems(ctx: BoardContext, query: ListQuery = {}): Promise<Outcome<Listing>> {
  const page = checkPage(query.limit, query.cursor);
  if (isFailure(page)) return page;
  const cutoff = checkCutoff(query.claimedBefore, query.olderThanMinutes);
  if (typeof cutoff === "object") return cutoff;
  return guard(async () => {
    const md = await loadMarkdown();
    const text = await ctx.store.read(ctx.store.paths.stateFile);
    const parsed = text === null ? undefined : ctx.parse(md, text);
    ctx.claimTimes.refresh();
    // Orphan review rests on claim times: without the log, every claim would look like an orphan.
    if (cutoff !== undefined && ctx.claimTimes.unreadable !== undefined) {
      return failure(
        "file_error",
        `claim times are unknown: .hfs/log.md cannot be read (${ctx.claimTimes.unreadable})`,
        "Ask a person to fix or remove .hfs/log.md; listing without older_than_minutes or claimed_before still works.",
      );
    }
    const counts: StatusCounts = { available: 0, in_progress: 0, completed: 0, ready: 0 };
    const items: WorkItem[] = [];
    const dependencies = parsed && ctx.dependencies(parsed.board);
    let presence: PresenceView | undefined;
    let more = false;
    for (const [index, item] of (parsed?.board.items ?? []).entries()) {
      counts[item.status]++;
      const ready = dependencies!.isReady(index);
      if (ready) counts.ready++;
      if (item.line <= page.afterLine) continue;
      if (query.status !== undefined && item.status !== query.status) continue;
      if (query.ready !== undefined && ready !== query.ready) continue;
      if (query.claimedBy !== undefined && item.claimedBy !== query.claimedBy) continue;
      const claimedAt = item.claimedBy === null ? null : ctx.claimTimes.claimedAt(item.description, item.claimedBy);
      if (cutoff !== undefined && (item.status !== "in_progress" || (claimedAt !== null && Date.parse(claimedAt) >= cutoff))) continue;
      if (items.length >= page.limit) {
        more = true;
        continue;
      }
      // Read once per listing, and only when an item shown has a holder to judge.
      if (item.status === "in_progress") presence ??= ctx.presence();
      items.push(toWorkItem(item, claimedAt, ready, dependencies!, index, presence));
    }
    const last = items.at(-1);
    const conflicts = parsed?.conflicts ?? [];
    const synced = ctx.store.freshness?.(); // a store that syncs from elsewhere says how fresh its copy is
    return {
      success: true as const,
      items,
      counts,
      ...(more && last ? { next_cursor: `after:${last.line}` } : {}),
      ...(conflicts.length > 0 ? { conflicts } : {}),
      ...(synced ? { synced_at: synced.syncedAt } : {}),
    };
  });
}

function toWorkItem(
  item: BoardItem,
  claimedAt: string | null,
  ready: boolean,
  dependencies: Dependencies,
  index: number,
  presence: PresenceView | undefined,
): WorkItem {
  const holder: HolderPresence =
    item.status === "in_progress" && presence ? presence.of(item.claimedBy!) : { online: null, offlineSince: null };
  return {
    description: item.description,
    status: item.status,
    claimed_by: item.claimedBy,
    claimed_at: claimedAt,
    line: item.line,
    section: item.section,
    ready,
    blocked_by: dependencies.blockers(index),
    holder_online: holder.online,
    holder_offline_since: holder.offlineSince,
  };
}
