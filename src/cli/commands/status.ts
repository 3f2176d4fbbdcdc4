import { type BoardManager, describeFailure, type StatusCounts, type WorkItem } from "../../board/index.js";

/**
 * `hfs-mcp status`: the board at a glance for a person — counts, then every in-progress item with its holder
 * and how long it has been held (the orphan review the design relies on instead of automatic expiry).
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
  const { available, in_progress, completed } = counts;
  const lines = [`${available} available, ${in_progress} in progress, ${completed} completed`];
  if (held.length > 0) lines.push("", "In progress:");
  for (const item of held) {
    const age = item.claimed_at === null ? "held for an unknown time" : `held ${formatAge(now.getTime() - Date.parse(item.claimed_at))}`;
    lines.push(`  L${item.line}  ${item.claimed_by}  ${age}  ${item.description}`);
  }
  return { code: 0, text: lines.join("\n") };
}

export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
