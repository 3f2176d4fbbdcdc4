import type { Board, BoardItem } from "../markdown/index.js";
import { looseKey } from "../markdown/loose-key.js";
import type { Decision } from "../store/index.js";
import { type BoardContext, loadMarkdown, type Markdown } from "./board-context.js";
import type { Blocker } from "./dependencies.js";
import { type Failure, failure, type Outcome } from "./failure.js";
import { guard } from "./guard.js";
import { historyLine } from "./history.js";
import { alreadyComplete, changeItem, conflicted, type ItemChange, type ItemRef } from "./item-decision.js";
import { mayReclaim, type PresenceView } from "./presence.js";
import { checkReference, checkSectionTitle } from "./validate.js";

export type Claimed = ItemChange & { claimed_by: string; reclaimed_from?: string };

/**
 * Take an available item that waits for nothing. Claiming an item you already hold succeeds again, so retries
 * are safe. With reclaiming on, an item whose holder has been offline long enough is taken from it (see below).
 */
export function claim(ctx: BoardContext, ref: ItemRef): Promise<Outcome<Claimed>> {
  return changeItem<Claimed>(ctx, ref, ({ md, item, index, agent, text, board, context }) => {
    if (item.status === "completed") return alreadyComplete(item);
    if (item.status === "in_progress" && item.claimedBy === agent) return claimed(md, text, board, item, agent);
    const dependencies = ctx.dependencies(board, context);
    if (item.status === "in_progress") {
      const reclaim = reclaimable(ctx, item, agent, undefined);
      if (!reclaim) {
        return failure(
          "not_available",
          `\`${item.description}\` is already claimed by \`${item.claimedBy}\``,
          "Pick another item: get_work_items with ready: true.",
          { status: item.status, claimed_by: item.claimedBy },
        );
      }
      if (dependencies.isBlocked(index)) return blocked(item, dependencies.blockers(index));
      return reclaimed(md, text, board, item, agent, reclaim);
    }
    if (dependencies.isBlocked(index)) return blocked(item, dependencies.blockers(index));
    return claimed(md, text, board, item, agent);
  });
}

/**
 * Claim the first item (in file order) in a section and/or whose description contains `query` that can be
 * started now: available and waiting for nothing — or, with reclaiming on, held by an agent offline long
 * enough. Choosing and claiming happen in one step on one version of the board: unlike get_work_items then
 * claim_item, it cannot lose a race.
 */
export async function claimNext(
  ctx: BoardContext,
  input: { section?: string; query?: string; agentId?: string },
): Promise<Outcome<Claimed>> {
  const agent = ctx.agent(input.agentId);
  if (typeof agent !== "string") return agent;
  const section = input.section === undefined ? undefined : checkSectionTitle(input.section);
  if (typeof section === "object") return section;
  const query = input.query === undefined ? undefined : checkReference(input.query, "query");
  if (typeof query === "object") return query;
  const md = await loadMarkdown();
  return guard(() =>
    ctx.store.update<Outcome<Claimed>>(ctx.store.paths.stateFile, (current, context) => {
      const parsed = ctx.parse(md, current ?? "", context);
      if (parsed.conflicts.length > 0) return { result: conflicted(parsed) };
      const { board } = parsed;
      const dependencies = ctx.dependencies(board, context);
      const range = section === undefined ? undefined : md.findSection(board.headings, section, board.starts.length);
      const needle = query === undefined ? undefined : looseKey(query);
      let waiting = 0;
      let presence: PresenceView | undefined;
      for (const [index, item] of board.items.entries()) {
        if (section !== undefined && (range === undefined || item.line < range.firstLine || item.line > range.lastLine)) continue;
        if (needle !== undefined && !looseKey(item.description).includes(needle)) continue;
        if (item.status === "available") {
          if (!dependencies.isBlocked(index)) return claimed(md, current ?? "", board, item, agent);
          waiting++;
        } else if (item.status === "in_progress" && item.claimedBy !== agent && ctx.reclaimAfterMs !== undefined) {
          presence ??= ctx.presence();
          const reclaim = reclaimable(ctx, item, agent, presence);
          if (reclaim && !dependencies.isBlocked(index)) return reclaimed(md, current ?? "", board, item, agent, reclaim);
        }
      }
      return { result: noneAvailable(section, query, section !== undefined && range === undefined, waiting) };
    }),
  );
}

/** Why a holder's claim may be taken: who held it, and since when it has been offline. */
interface Reclaim {
  from: string;
  offlineSince: string;
  /** The configured time a holder must have been offline. */
  afterMs: number;
}

/**
 * Whether `agent` may take `item` from its holder: reclaiming is on, and the holder has been offline for at
 * least the configured time. Presence is read where the decision runs (again, when the store decides again on
 * a newer board, inside its lock: a directory listing), so a holder that came back in between keeps its claim;
 * a holder that is online or unknown always does.
 */
function reclaimable(ctx: BoardContext, item: BoardItem, agent: string, presence: PresenceView | undefined): Reclaim | undefined {
  const holder = item.claimedBy;
  if (ctx.reclaimAfterMs === undefined || holder === null || holder === agent) return undefined;
  const now = Date.now();
  const standing = (presence ?? ctx.presence(now)).of(holder);
  if (!mayReclaim(standing, ctx.reclaimAfterMs, now)) return undefined;
  return { from: holder, offlineSince: standing.offlineSince!, afterMs: ctx.reclaimAfterMs };
}

// `agent` takes `item`: the reply, and unless it already holds the item, the one-line edit and its log line.
function claimed(md: Markdown, text: string, board: Board, item: BoardItem, agent: string): Decision<Outcome<Claimed>> {
  const result = {
    success: true as const,
    description: item.description,
    status: "in_progress" as const,
    claimed_by: agent,
    line: item.line,
  };
  if (item.status === "in_progress") return { result };
  return {
    result,
    write: md.claimItem(text, board, item, agent),
    log: [historyLine({ agent, action: "claim", description: item.description })],
  };
}

// `agent` takes `item` from a holder that is gone: the marker names it instead, and the log says why.
function reclaimed(md: Markdown, text: string, board: Board, item: BoardItem, agent: string, reclaim: Reclaim): Decision<Outcome<Claimed>> {
  return {
    result: {
      success: true as const,
      description: item.description,
      status: "in_progress" as const,
      claimed_by: agent,
      line: item.line,
      reclaimed_from: reclaim.from,
    },
    write: md.reclaimItem(text, board, item, agent),
    log: [
      historyLine({
        agent,
        action: "reclaim",
        description: item.description,
        from: reclaim.from,
        reason: `${reclaim.from} offline since ${reclaim.offlineSince} (over ${formatMinutes(reclaim.afterMs)})`,
      }),
    ],
  };
}

/** `claim_item` on an item that waits for others: what it waits for, and what to do instead. */
export function blocked(item: BoardItem, blockers: Blocker[]): Failure {
  const stuck = blockers.filter((blocker) => blocker.problem !== undefined);
  const named = blockers
    .slice(0, 3)
    .map((blocker) =>
      blocker.line === null ? `\`${blocker.description}\` (${blocker.problem})` : `\`${blocker.description}\` (line ${blocker.line})`,
    )
    .join(", ");
  const more = blockers.length > 3 ? ` and ${blockers.length - 3} more` : "";
  return failure(
    "blocked",
    `\`${item.description}\` waits for ${named}${more}`,
    stuck.length > 0
      ? "It cannot become ready by itself: an (after: …) name matches no item or several, or items wait for each other (`problem` in blocked_by). Claim another item (claim_next), and tell a person."
      : "Claim another item (claim_next, or get_work_items with ready: true); this one becomes ready when the items in blocked_by are completed.",
    { status: item.status, claimed_by: item.claimedBy, blocked_by: blockers },
  );
}

function noneAvailable(section: string | undefined, query: string | undefined, noSection: boolean, waiting: number): Failure {
  const where = [section === undefined ? "" : ` in section \`${section}\``, query === undefined ? "" : ` matching \`${query}\``].join("");
  const blockedNote = waiting > 0 ? `: ${waiting} available item(s) there wait for others` : "";
  return failure(
    "none_available",
    `no ready item${where}${noSection ? " (the board has no such section)" : ""}${blockedNote}`,
    waiting > 0
      ? "Wait for the items they wait for to be completed (subscribe to hfs://state, or call again later), or widen section/query; get_work_items shows blocked_by."
      : "Everything there is claimed or done: call get_work_items to see the board, or widen section/query.",
  );
}

/** `30 min`, `0.02 min`: the reclaim time as --reclaim-after-minutes gave it. */
export function formatMinutes(ms: number): string {
  return `${Number((ms / 60_000).toFixed(4))} min`;
}
