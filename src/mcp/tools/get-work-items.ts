import { z } from "zod";
import type { WorkItem } from "../../board/index.js";
import { blockerSchema, statusEnum } from "./schemas.js";
import { defineTool } from "./tool.js";

const workItem = z.object({
  description: z.string(),
  status: statusEnum,
  claimed_by: z.string().nullable(),
  claimed_at: z.string().nullable(),
  line: z.number().int(),
  section: z.string().nullable(),
  ready: z.boolean(),
  blocked_by: z.array(blockerSchema),
  holder_online: z.boolean().nullable(),
  holder_offline_since: z.string().nullable(),
});

export const getWorkItems = defineTool({
  name: "get_work_items",
  title: "List work items",
  description:
    "List the board's work items: status, holder, claim time, line, `ready` (can be started now), `blocked_by` (what it " +
    "waits for), `holder_online` (its holder's server runs). Call it first to find work, then claim before starting. " +
    "Filters narrow `items`; `counts` cover the whole board. Pages of `limit` (default 100); pass `next_cursor` as `cursor` for more.",
  input: z.object({
    status: statusEnum.optional().describe("Only items with this status."),
    ready: z.boolean().optional().describe("true: only items that can be started now."),
    claimed_by: z.string().optional().describe("Only items claimed by this agent id."),
    older_than_minutes: z.number().optional().describe("Orphan review: in-progress items claimed longer ago (or at an unknown time)."),
    claimed_before: z.string().optional().describe("Orphan review: in-progress items claimed before this ISO time (or unknown)."),
    limit: z.number().int().optional().describe("Most items to return, 1-1000 (default 100)."),
    cursor: z.string().optional().describe("`next_cursor` from the previous reply, to get the next page."),
  }),
  output: z.object({
    success: z.literal(true),
    items: z.array(workItem),
    counts: z.object({
      available: z.number().int(),
      in_progress: z.number().int(),
      completed: z.number().int(),
      ready: z.number().int().describe("Available items that wait for nothing."),
    }),
    next_cursor: z.string().optional().describe("Present when more items match: pass it as `cursor`."),
    conflicts: z
      .array(z.number().int())
      .optional()
      .describe("Lines of unresolved merge-conflict markers: writes are refused until resolved."),
    synced_at: z.string().nullable().optional().describe("Git sync: time of the last sync."),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handle: (manager, args) =>
    manager.listItems({
      status: args.status,
      ready: args.ready,
      claimedBy: args.claimed_by,
      claimedBefore: args.claimed_before,
      olderThanMinutes: args.older_than_minutes,
      limit: args.limit,
      cursor: args.cursor,
    }),
  summarize: ({ items, counts, next_cursor, conflicts, synced_at }) => {
    const head = `${items.length} item(s) shown; board: ${counts.available} available (${counts.ready} ready), ${counts.in_progress} in progress, ${counts.completed} completed.`;
    const conflict = conflicts
      ? [
          `The board holds an unresolved merge conflict (markers on lines ${conflicts.join(", ")}): every write is refused until a person resolves it.`,
        ]
      : [];
    const more = next_cursor ? [`More items: call again with cursor "${next_cursor}".`] : [];
    const synced = synced_at === undefined ? [] : [`Board last synced with its git remote: ${synced_at ?? "not yet"}.`];
    return [...conflict, head, ...items.map(renderItem), ...more, ...synced].join("\n");
  },
});

function renderItem(item: WorkItem): string {
  const holder = item.claimed_by ? ` ${item.claimed_by}${item.claimed_at ? ` since ${item.claimed_at}` : ""}` : "";
  const away = item.holder_online === false ? `, holder offline since ${item.holder_offline_since}` : "";
  const ready = item.ready ? ", ready" : "";
  const waits = item.blocked_by.map((blocker) =>
    blocker.line === null
      ? `"${blocker.description}" (${blocker.problem})`
      : `L${blocker.line}${blocker.problem === "cycle" ? " (cycle)" : ""}`,
  );
  const blocked = waits.length > 0 ? `, waits for ${waits.join(", ")}` : "";
  return `L${item.line} [${item.status}${holder}${away}${ready}${blocked}] ${item.description}`;
}
