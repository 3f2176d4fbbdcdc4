import { type BoardManager, describeFailure, type StatusCounts, type WorkItem } from "../../board/index.js";

/**
 * `hfs-mcp status`: the board at a glance for a person — counts, then every in-progress item with its holder,
 * how long it has been held, and whether the holder is still around (a server of it running: online; offline
 * since when; unknown when it never ran a server here), for the orphan review.
 */
export async function statusReport(manager: BoardManager, now: Date = new Date()): Promise<{ code: number; text: string }> {
  const held: WorkItem[] = [];
  let counts: StatusCounts | undefined;
  let cursor: string | undefined;
  do {
    const page = await manager.listItems({ status: "in_progress", limit: 1000, cursor });
    if (!page.success) return { code: 1, text: describeFailure(page) };
    counts ??= page.counts;
    held.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== undefined);
  const { available, in_progress, completed, ready } = counts;
  const lines = [`${available} available (${ready} ready), ${in_progress} in progress, ${completed} completed`];
  if (held.length > 0) lines.push("", "In progress:");
  for (const item of held) {
    const age = item.claimed_at === null ? "held for an unknown time" : `held ${formatAge(now.getTime() - Date.parse(item.claimed_at))}`;
    lines.push(`  L${item.line}  ${item.claimed_by}  ${age}  ${holderPresence(item, now)}  ${item.description}`);
  }
  return { code: 0, text: lines.join("\n") };
}

/** `online`, `offline 12 min` (since when, as an age), or `presence unknown` (no server of it ever ran here). */
export function holderPresence(item: WorkItem, now: Date): string {
  if (item.holder_online === true) return "online";
  if (item.holder_online === false && item.holder_offline_since !== null) {
    return `offline ${formatAge(now.getTime() - Date.parse(item.holder_offline_since))} (since ${item.holder_offline_since})`;
  }
  return "presence unknown";
}

export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
