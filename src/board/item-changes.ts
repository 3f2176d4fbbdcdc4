import type { Board, BoardItem, ItemStatus } from "../markdown/index.js";
import { looseKey } from "../markdown/loose-key.js";
import type { Decision } from "../store/index.js";
import { type BoardContext, loadMarkdown, type Markdown, type ParsedBoard } from "./board-context.js";
import { type Failure, failure, isFailure, type Outcome } from "./failure.js";
import { findItem, stripClaimMarker } from "./find-item.js";
import { guard } from "./guard.js";
import { historyLine } from "./history.js";
import { checkDescription, checkLine, checkReference, checkSectionTitle } from "./validate.js";

export interface ItemRef {
  description: string;
  line?: number;
  agentId?: string;
}

export interface ItemChange {
  success: true;
  description: string;
  status: ItemStatus;
  line: number;
}

type Claimed = ItemChange & { claimed_by: string };

/** Take an available item. Claiming an item you already hold succeeds again, so retries are safe. */
export function claim(ctx: BoardContext, ref: ItemRef): Promise<Outcome<Claimed>> {
  return changeItem(ctx, ref, (md, item, agent, text, board) => {
    if (item.status === "completed") return alreadyComplete(item);
    if (item.status === "in_progress" && item.claimedBy !== agent) {
      return failure(
        "not_available",
        `\`${item.description}\` is already claimed by \`${item.claimedBy}\``,
        "Pick another item: get_work_items with status `available`.",
        { status: item.status, claimed_by: item.claimedBy },
      );
    }
    return claimed(md, text, board, item, agent);
  });
}

/**
 * Claim the first available item (in file order) in a section and/or whose description contains `query`,
 * choosing and claiming in one step on one version of the board: unlike get_work_items then claim_item, it
 * cannot lose a race.
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
      const range = section === undefined ? undefined : md.findSection(board.headings, section, board.starts.length);
      const needle = query === undefined ? undefined : looseKey(query);
      const item = board.items.find(
        (it) =>
          it.status === "available" &&
          (section === undefined || (range !== undefined && it.line >= range.firstLine && it.line <= range.lastLine)) &&
          (needle === undefined || looseKey(it.description).includes(needle)),
      );
      if (!item) {
        const where = [section === undefined ? "" : ` in section \`${section}\``, query === undefined ? "" : ` matching \`${query}\``].join(
          "",
        );
        return {
          result: failure(
            "none_available",
            `no available item${where}${section !== undefined && range === undefined ? " (the board has no such section)" : ""}`,
            "Everything there is claimed or done: call get_work_items to see the board, or widen section/query.",
          ),
        };
      }
      return claimed(md, current ?? "", board, item, agent);
    }),
  );
}

/** Mark an item you hold as done. */
export function complete(ctx: BoardContext, ref: ItemRef): Promise<Outcome<ItemChange>> {
  return changeItem(ctx, ref, (md, item, agent, text, board) => {
    if (item.status === "completed") return alreadyComplete(item);
    const notYours = notOwner(item, agent, "complete");
    if (notYours) return notYours;
    return {
      result: { success: true as const, description: item.description, status: "completed" as const, line: item.line },
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
  return changeItem(ctx, ref, (md, item, agent, text, board) => {
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

/** Append a new available item to a section (created at the end of the board if missing). */
export async function add(
  ctx: BoardContext,
  input: { description: string; section?: string; agentId?: string },
): Promise<Outcome<ItemChange & { section: string }>> {
  const description = checkDescription(input.description);
  if (typeof description !== "string") return description;
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
      const inserted = md.addItem(text, parsed.board, section, description);
      return {
        result: { success: true as const, description, status: "available" as const, line: inserted.line, section: inserted.section },
        write: inserted.text,
        log: [historyLine({ agent: input.agentId ?? ctx.agentId ?? "-", action: "add", description })],
      };
    }),
  );
}

type ItemDecision<T extends { success: true }> = (
  md: Markdown,
  item: BoardItem,
  agent: string,
  text: string,
  board: Board,
) => Failure | Decision<Outcome<T>> | { result: T };

// Resolve the caller and the item, then decide on the board as the store reads it.
async function changeItem<T extends { success: true }>(ctx: BoardContext, ref: ItemRef, decide: ItemDecision<T>): Promise<Outcome<T>> {
  const agent = ctx.agent(ref.agentId);
  if (typeof agent !== "string") return agent;
  // A description copied with its claim marker is still a way to name the item; only add_item refuses `[IP:`.
  const description = checkReference(stripClaimMarker(ref.description));
  if (typeof description !== "string") return description;
  const badLine = checkLine(ref.line);
  if (badLine) return badLine;
  const md = await loadMarkdown();
  return guard(() =>
    ctx.store.update<Outcome<T>>(ctx.store.paths.stateFile, (current, context) => {
      const parsed = ctx.parse(md, current ?? "", context);
      if (parsed.conflicts.length > 0) return { result: conflicted(parsed) };
      const item = findItem(parsed.board.items, description, ref.line);
      if (isFailure(item)) return { result: item };
      const decision = decide(md, item, agent, current ?? "", parsed.board);
      return "result" in decision ? decision : { result: decision };
    }),
  );
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

function conflicted(parsed: ParsedBoard): Failure {
  const lines = parsed.conflicts;
  return failure(
    "board_conflict",
    `.hfs/state.md holds an unresolved merge conflict (markers on line${lines.length > 1 ? "s" : ""} ${lines.slice(0, 6).join(", ")}${lines.length > 6 ? ", …" : ""})`,
    "Nothing was written. Ask a person to resolve the merge in .hfs/state.md (keep one side of each item, remove the <<<<<<< ======= >>>>>>> lines); get_work_items still reads the board.",
  );
}

function alreadyComplete(item: BoardItem): Failure {
  return failure("already_complete", `\`${item.description}\` is already completed`, "Nothing to do; pick another item.", {
    status: item.status,
  });
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
