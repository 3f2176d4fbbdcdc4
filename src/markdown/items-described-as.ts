import { lineIndexAt } from "./lines.js";
import { type Board, type BoardItem, itemIndexAtLine } from "./parse-board.js";

/** Past this many occurrences of the text, the search gives way to a scan of the items (see below). */
const MAX_OCCURRENCES = 64;
/** Answers kept per structure: callers may name any text, and a board may keep its structure for days. */
const MAX_KEPT = 4_096;

/**
 * What each description looked up on a board structure found: the items' indices, or undefined (too common).
 * Boards that share a structure token have the same items with the same descriptions on the same lines (only
 * statuses and markers differ: see Board.structure), so the answer holds for every one of them.
 */
const foundOn = new WeakMap<object, Map<string, number[] | undefined>>();

/**
 * The items of `board` (parsed from `text`) whose description is exactly `description`, in board order — or
 * undefined when the text occurs too often for this to pay, and the caller should compare every item.
 *
 * Why not compare every item: every claim, release and completion looks its item up, and on a 10,000-item board
 * that comparison cost ~1.7 ms a call (profiled under 8 agents: the largest part of a call after the disk). An
 * item's description is raw text of its own line, so every item described so occurs in the text: a native
 * substring search finds the few candidates, and each is checked against the item on its line. The search
 * itself reads the whole text (~0.3 ms at 600 KB), and a call makes it twice when another agent wrote first
 * (outside the lock and again inside it), each time on a board that differs only in statuses: so its answer is
 * kept per structure.
 */
export function itemsDescribedAs(text: string, board: Board, description: string): BoardItem[] | undefined {
  if (description === "") return undefined;
  let known = foundOn.get(board.structure);
  if (!known || known.size >= MAX_KEPT) {
    known = new Map();
    foundOn.set(board.structure, known);
  }
  if (!known.has(description)) known.set(description, search(text, board, description));
  return known.get(description)?.map((index) => board.items[index]!);
}

function search(text: string, board: Board, description: string): number[] | undefined {
  const found: number[] = [];
  let occurrences = 0;
  for (let at = text.indexOf(description); at !== -1; at = text.indexOf(description, at + 1)) {
    if (++occurrences > MAX_OCCURRENCES) return undefined;
    const index = itemIndexAtLine(board.items, lineIndexAt(board.starts, at) + 1);
    if (board.items[index]?.description === description && found.at(-1) !== index) found.push(index);
  }
  return found;
}
