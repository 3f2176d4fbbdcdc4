import { type Decide, type DecideContext, DecideOutsideLock, type TextEdit } from "./board-store.js";
import { checkFileLimit } from "./limits.js";
import { textAfter } from "./text-edit.js";

/** One caller's update, waiting in a store's queue. */
export interface PendingUpdate {
  file: string;
  decide: Decide<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

export type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** What a group of updates to one file decided together. */
export interface GroupDecision {
  outcomes: Outcome[];
  /** The text after every decision that writes (the initial text when none does). */
  text: string | null;
  /** When one decision alone wrote, as an edit of the initial text: that edit (see encodeText). */
  edit?: TextEdit;
  /** History lines of the writes, in order. */
  log: string[];
}

/**
 * Group commit: run each decision on the text left by the ones before it, so one write (one lock hand-over, one
 * fsync) serves an agent's burst of parallel calls. A decision that throws, or whose write would pass the size
 * limit, fails alone; the others stand. A decision that asks to run outside the lock aborts the whole group
 * (DecideOutsideLock is rethrown): the group is decided again, without the lock, from the start.
 */
export function decideInOrder(group: readonly PendingUpdate[], initial: string | null, context: DecideContext): GroupDecision {
  let text = initial;
  let edits = 0;
  let edit: TextEdit | undefined;
  const log: string[] = [];
  const outcomes = group.map((update): Outcome => {
    try {
      const decision = update.decide(text, context);
      if (decision.write !== undefined) {
        const next = textAfter(text, decision.write);
        checkFileLimit(update.file, next);
        text = next;
        edit = ++edits === 1 && typeof decision.write !== "string" && initial !== null ? decision.write : undefined;
        log.push(...(decision.log ?? []));
      }
      return { ok: true, result: decision.result };
    } catch (error) {
      if (error instanceof DecideOutsideLock) throw error;
      return { ok: false, error };
    }
  });
  return edit ? { outcomes, text, log, edit } : { outcomes, text, log };
}

/** Answer each caller with its own outcome. */
export function settle(group: readonly PendingUpdate[], outcomes: readonly Outcome[]): void {
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) group[i]!.resolve(outcome.result);
    else group[i]!.reject(outcome.error);
  });
}

/** Fail every caller of the group with the same error. */
export function rejectAll(group: readonly PendingUpdate[], error: unknown): void {
  for (const update of group) update.reject(error);
}

/** The pending updates grouped by file, in the order each file first appears. */
export function groupByFile(batch: readonly PendingUpdate[]): PendingUpdate[][] {
  const groups = new Map<string, PendingUpdate[]>();
  for (const update of batch) {
    const group = groups.get(update.file);
    if (group) group.push(update);
    else groups.set(update.file, [update]);
  }
  return [...groups.values()];
}
