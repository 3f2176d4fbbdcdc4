import { lineIndexAt } from "./lines.js";
import { type Board, type BoardItem, itemIndexAtLine } from "./parse-board.js";

/** Past this many occurrences of the text, the search gives way to a scan of the items (see below). */
const MAX_OCCURRENCES = 64;

/**
 * The items of `board` (parsed from `text`) whose description is exactly `description`, in board order — or
 * undefined when the text occurs too often for this to pay, and the caller should compare every item.
 *
 * Why not compare every item: every claim, release and completion looks its item up, and on a 10,000-item board
 * that comparison cost ~1.7 ms a call (profiled under 8 agents: the largest part of a call after the disk). An
 * item's description is raw text of its own line, so every item described so occurs in the text: a native
 * substring search finds the few candidates, and each is checked against the item on its line.
 */
export function itemsDescribedAs(text: string, board: Board, description: string): BoardItem[] | undefined {
  if (description === "") return undefined;
  const found: BoardItem[] = [];
  let occurrences = 0;
  for (let at = text.indexOf(description); at !== -1; at = text.indexOf(description, at + 1)) {
    if (++occurrences > MAX_OCCURRENCES) return undefined;
    const item = board.items[itemIndexAtLine(board.items, lineIndexAt(board.starts, at) + 1)];
    if (item?.description === description && found.at(-1) !== item) found.push(item);
  }
  return found;
}
