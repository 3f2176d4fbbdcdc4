import type { BoardItem } from "../markdown/index.js";
import { looseKey } from "../markdown/loose-key.js";
import { afterSuffix } from "../markdown/task-line.js";
import { type BoardContext, loadMarkdown } from "./board-context.js";
import { type Failure, failure, type Outcome } from "./failure.js";
import { guard } from "./guard.js";
import { historyLine } from "./history.js";
import { alreadyComplete, changeItem, conflicted, type ItemChange, type ItemRef } from "./item-decision.js";
import { checkDescription, checkSectionTitle } from "./validate.js";

export type Completed = ItemChange & { now_ready?: { description: string; line: number }[] };

/** Mark an item you hold as done; the reply names the items that this makes ready (`now_ready`). */
export function complete(ctx: BoardContext, ref: ItemRef): Promise<Outcome<Completed>> {
  return changeItem<Completed>(ctx, ref, ({ md, item, index, agent, text, board, context }) => {
    if (item.status === "completed") return alreadyComplete(item);
    const notYours = notOwner(item, agent, "complete");
    if (notYours) return notYours;
    // Asked of the board before the completion: who waits for this item and for nothing else left open.
    const unblocked = ctx.dependencies(board, context).unblockedBy(index);
    const nowReady = unblocked.map((i) => ({ description: board.items[i]!.description, line: board.items[i]!.line }));
    return {
      result: {
        success: true as const,
        description: item.description,
        status: "completed" as const,
        line: item.line,
        ...(nowReady.length > 0 ? { now_ready: nowReady } : {}),
      },
      write: md.completeItem(text, board, item),
      log: [historyLine({ agent, action: "complete", description: item.description })],
    };
  });
}

/** Give back an item you hold, unfinished, so another agent can take it (or, forced, one another agent holds). */
export async function release(
  ctx: BoardContext,
  ref: ItemRef & { force?: boolean; reason?: string },
): Promise<Outcome<ItemChange & { previous_holder: string }>> {
  const reason = ref.reason === undefined ? undefined : checkDescription(ref.reason, "reason");
  if (typeof reason === "object") return reason;
  if (ref.force && reason === undefined) {
    return failure(
      "invalid_input",
      "a forced release needs a reason",
      "Pass `reason`: why this claim is being taken away (it goes in .hfs/log.md).",
      {
        field: "reason",
      },
    );
  }
  return changeItem<ItemChange & { previous_holder: string }>(ctx, ref, ({ md, item, agent, text, board }) => {
    if (item.status === "completed") return alreadyComplete(item);
    const holder = item.claimedBy;
    // Only the holder may release, unless forced (orphan review); nobody can release what nobody holds.
    if (holder === null || (holder !== agent && !ref.force)) return notOwner(item, agent, "release")!;
    const forced = holder !== agent;
    return {
      result: {
        success: true as const,
        description: item.description,
        status: "available" as const,
        line: item.line,
        previous_holder: holder,
      },
      write: md.releaseItem(text, board, item),
      log: [
        forced
          ? historyLine({ agent, action: "force-release", description: item.description, from: holder, reason })
          : historyLine({ agent, action: "release", description: item.description }),
      ],
    };
  });
}

/**
 * Append a new available item to a section (created at the end of the board if missing). Text ending in
 * `(after: A; B)` is how an agent records what the new item waits for: the suffix goes onto the board with it,
 * and the reply (like the board) describes the item without it.
 */
export async function add(
  ctx: BoardContext,
  input: { description: string; section?: string; agentId?: string },
): Promise<Outcome<ItemChange & { section: string }>> {
  const given = checkDescription(input.description);
  if (typeof given !== "string") return given;
  const description = afterSuffix(given)?.description ?? given;
  const md = await loadMarkdown();
  const section = checkSectionTitle(input.section ?? md.DEFAULT_SECTION);
  if (typeof section !== "string") return section;
  return guard(() =>
    ctx.store.update<Outcome<ItemChange & { section: string }>>(ctx.store.paths.stateFile, (current, context) => {
      const text = current ?? md.boardTemplate();
      const parsed = ctx.parse(md, text, context);
      if (parsed.conflicts.length > 0) return { result: conflicted(parsed) };
      const key = looseKey(description);
      const twin = parsed.board.items.find((item) => item.status !== "completed" && looseKey(item.description) === key);
      if (twin) {
        return {
          result: failure(
            "duplicate",
            `\`${twin.description}\` is already on the board (line ${twin.line}, ${twin.status})`,
            "Do not add it again; claim the existing item, or add a more specific description.",
            { status: twin.status, claimed_by: twin.claimedBy },
          ),
        };
      }
      const inserted = md.addItem(text, parsed.board, section, given);
      return {
        result: { success: true as const, description, status: "available" as const, line: inserted.line, section: inserted.section },
        // An edit of the text decided on: of the template itself when there is no board yet.
        write: current === null ? md.applyEdit(text, inserted.edit) : inserted.edit,
        log: [historyLine({ agent: input.agentId ?? ctx.agentId ?? "-", action: "add", description })],
      };
    }),
  );
}

function notOwner(item: BoardItem, agent: string, verb: "complete" | "release"): Failure | undefined {
  if (item.claimedBy === agent) return undefined;
  if (item.claimedBy === null) {
    return failure(
      "not_owner",
      `\`${item.description}\` is not claimed by anyone`,
      verb === "complete" ? "Claim it with claim_item first, then complete it." : "Nothing to release: it is already available.",
      { status: item.status, claimed_by: null },
    );
  }
  return failure(
    "not_owner",
    `\`${item.description}\` is claimed by \`${item.claimedBy}\`, not by \`${agent}\``,
    `Only \`${item.claimedBy}\` may ${verb} it; work on items you claimed.`,
    { status: item.status, claimed_by: item.claimedBy },
  );
}
