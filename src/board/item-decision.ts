import type { Board, BoardItem, ItemStatus } from "../markdown/index.js";
import type { DecideContext, Decision } from "../store/index.js";
import { type BoardContext, loadMarkdown, type Markdown, type ParsedBoard } from "./board-context.js";
import { type Failure, failure, isFailure, type Outcome } from "./failure.js";
import { findItem, stripClaimMarker } from "./find-item.js";
import { guard } from "./guard.js";
import { checkLine, checkReference } from "./validate.js";

/** How a call names an item: its description (and, when descriptions repeat, its line). */
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

/** What a decision about one item is given: the item found, and where it sits on the board decided on. */
export interface ItemAt {
  md: Markdown;
  item: BoardItem;
  /** Its index in `board.items`. */
  index: number;
  agent: string;
  text: string;
  board: Board;
  /** Whether the store holds its lock while this runs (see DecideContext): expensive work must not happen then. */
  context: DecideContext;
}

export type ItemDecision<T extends { success: true }> = (at: ItemAt) => Failure | Decision<Outcome<T>> | { result: T };

/** Resolve the caller and the item, then decide on the board as the store reads it (see store.update). */
export async function changeItem<T extends { success: true }>(
  ctx: BoardContext,
  ref: ItemRef,
  decide: ItemDecision<T>,
): Promise<Outcome<T>> {
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
      const exact = md.itemsDescribedAs(current ?? "", parsed.board, description);
      const item = findItem(parsed.board.items, description, ref.line, exact);
      if (isFailure(item)) return { result: item };
      const index = md.itemIndexAtLine(parsed.board.items, item.line);
      const at = { md, item, index, agent, text: current ?? "", board: parsed.board, context };
      const decision = decide(at);
      return "result" in decision ? decision : { result: decision };
    }),
  );
}

export function conflicted(parsed: ParsedBoard): Failure {
  const lines = parsed.conflicts;
  return failure(
    "board_conflict",
    `.hfs/state.md holds an unresolved merge conflict (markers on line${lines.length > 1 ? "s" : ""} ${lines.slice(0, 6).join(", ")}${lines.length > 6 ? ", …" : ""})`,
    "Nothing was written. Ask a person to resolve the merge in .hfs/state.md (keep one side of each item, remove the <<<<<<< ======= >>>>>>> lines); get_work_items still reads the board.",
  );
}

export function alreadyComplete(item: BoardItem): Failure {
  return failure("already_complete", `\`${item.description}\` is already completed`, "Nothing to do; pick another item.", {
    status: item.status,
  });
}
