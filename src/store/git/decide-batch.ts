import type { Decide } from "../board-store.js";
import { checkFileLimit } from "../limits.js";
import { textAfter } from "../text-edit.js";
import type { TreeChange } from "./git-remote-branch.js";

export interface PendingUpdate {
  /** The board path this update decides on (`.hfs/state.md`, `.hfs/agents/<id>.md`). */
  path: string;
  decide: Decide<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

export type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/**
 * Run each update's decision, in order, on the text the previous ones left (`files`, updated in place): the
 * group commit. A decision that throws, or whose write would pass the size limit, fails alone; the others
 * stand. Returns each outcome, the files that changed and the history lines to record.
 */
export function decideBatch(
  batch: readonly PendingUpdate[],
  files: Map<string, string>,
): { outcomes: Outcome[]; changes: TreeChange[]; log: string[] } {
  const changed = new Map<string, string>();
  const log: string[] = [];
  const outcomes = batch.map((update): Outcome => {
    try {
      const current = files.get(update.path) ?? null;
      // Decided outside any lock the others wait on: the local lock only orders this machine's pushes.
      const decision = update.decide(current, { locked: false });
      const next = decision.write === undefined ? undefined : textAfter(current, decision.write);
      if (next !== undefined && next !== current) {
        checkFileLimit(update.path, next);
        files.set(update.path, next);
        changed.set(update.path, next);
        log.push(...(decision.log ?? []));
      }
      return { ok: true, result: decision.result };
    } catch (error) {
      return { ok: false, error };
    }
  });
  return { outcomes, changes: [...changed].map(([path, text]) => ({ path, text })), log };
}

/** Answer each caller with its own outcome. */
export function settle(batch: readonly PendingUpdate[], outcomes: readonly Outcome[]): void {
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) batch[i]!.resolve(outcome.result);
    else batch[i]!.reject(outcome.error);
  });
}
