/**
 * A linearizability checker for the board's items, in the manner of Jepsen's Knossos (Wing & Gong's search
 * with memoization), specialised to one tiny model.
 *
 * Each work item is an independent object whose sequential model is
 *
 *   available ──claim(X)──▶ in_progress(X) ──complete(X)──▶ completed
 *        ▲                        │
 *        └──────release(X)────────┘
 *
 * and every call on it has one right answer in each state (the README's replies and failure reasons).
 * Linearizability is local (Herlihy & Wing): a history of the whole board is linearizable iff the sub-history
 * of every item is, so items are checked one by one.
 *
 * A history is accepted iff some total order of its calls (1) respects real time — a call that ended before
 * another started comes first — and (2) replays through the model giving exactly the recorded replies. Times
 * are taken by the caller just before sending and just after the answer, so the server's real effect lies
 * inside [start, end] and the check raises no false alarm however the calls overlapped. Calls of one agent
 * never overlap (each agent has one call in flight), which bounds the search: at most one pending call per
 * agent can be chosen next.
 */

export type Op = "claim" | "complete" | "release";

export type ItemState = { status: "available" } | { status: "in_progress"; holder: string } | { status: "completed" };

/** What the client got back: the tool's `isError` and structuredContent, or the error the call threw. */
export type Reply = { isError: boolean; data: Record<string, unknown> } | { thrown: string };

export interface Call {
  agent: string;
  op: Op;
  item: string;
  /** performance.now() just before the request was sent, and just after its answer arrived. */
  start: number;
  end: number;
  reply: Reply;
}

export interface ItemInfo {
  description: string;
  line: number;
}

export const AVAILABLE: ItemState = { status: "available" };

export function stateKey(state: ItemState): string {
  return state.status === "in_progress" ? `in_progress:${state.holder}` : state.status;
}

/** The model's step: the reply the server must give in `state`, and the state after. */
export function expectedStep(
  state: ItemState,
  call: Pick<Call, "agent" | "op">,
  item: ItemInfo,
): { reply: Record<string, unknown>; next: ItemState } {
  const { agent, op } = call;
  const { description, line } = item;
  if (state.status === "completed") {
    return { reply: { success: false, reason: "already_complete", status: "completed" }, next: state };
  }
  if (op === "claim") {
    if (state.status === "in_progress" && state.holder !== agent) {
      return { reply: { success: false, reason: "not_available", status: "in_progress", claimed_by: state.holder }, next: state };
    }
    return {
      reply: { success: true, description, status: "in_progress", claimed_by: agent, line },
      next: { status: "in_progress", holder: agent },
    };
  }
  if (state.status !== "in_progress" || state.holder !== agent) {
    const claimedBy = state.status === "in_progress" ? state.holder : null;
    return { reply: { success: false, reason: "not_owner", status: state.status, claimed_by: claimedBy }, next: state };
  }
  if (op === "complete") return { reply: { success: true, description, status: "completed", line }, next: { status: "completed" } };
  return { reply: { success: true, description, status: "available", line, previous_holder: agent }, next: AVAILABLE };
}

/**
 * Whether an actual reply is the model's. Successes must match field for field (no extra fields); failures
 * must carry the same reason and state fields, plus a message and a hint (their wording is free).
 */
export function replyMatches(actual: Reply, expected: Record<string, unknown>): boolean {
  if (!("data" in actual)) return false;
  if (actual.isError !== (expected.success !== true)) return false;
  const data = actual.data;
  if (expected.success === true) {
    const keys = Object.keys(data);
    return keys.length === Object.keys(expected).length && keys.every((key) => data[key] === expected[key]);
  }
  if (typeof data.message !== "string" || typeof data.hint !== "string") return false;
  const allowed = new Set([...Object.keys(expected), "message", "hint"]);
  if (!Object.keys(data).every((key) => allowed.has(key))) return false;
  return Object.entries(expected).every(([key, value]) => data[key] === value);
}

export interface ItemVerdict {
  /** Some real-time-respecting order replays through the model with exactly the recorded replies. */
  linearizable: boolean;
  /** Every state the item can be in after such an order (keys from stateKey). */
  finals: Set<string>;
  /** How many search states were visited (to spot a blow-up). */
  explored: number;
}

/** Search every real-time-respecting order of one item's calls; memoized on (calls done, state). */
export function checkItem(calls: readonly Call[], item: ItemInfo, initial: ItemState = AVAILABLE): ItemVerdict {
  const ops = [...calls].sort((a, b) => a.start - b.start);
  const n = ops.length;
  const done = new Uint8Array(n);
  const visited = new Set<string>();
  const finals = new Set<string>();

  // Calls done out of start order can only be ones that overlap the first call not yet done (`first`): a call
  // that started after `first` ended must come after it.
  const key = (first: number, state: ItemState): string => {
    let k = `${first}|${stateKey(state)}|`;
    for (let i = first + 1; i < n && ops[i]!.start <= ops[first]!.end; i++) if (done[i]) k += `${i},`;
    return k;
  };

  const search = (first: number, state: ItemState): void => {
    if (first === n) {
      finals.add(stateKey(state));
      return;
    }
    const k = key(first, state);
    if (visited.has(k)) return;
    visited.add(k);
    // A pending call may go next unless some other pending call ended before it started.
    let minEnd = Infinity;
    for (let i = first; i < n && ops[i]!.start <= minEnd; i++) if (!done[i]) minEnd = Math.min(minEnd, ops[i]!.end);
    for (let i = first; i < n && ops[i]!.start <= minEnd; i++) {
      if (done[i]) continue;
      const step = expectedStep(state, ops[i]!, item);
      if (!replyMatches(ops[i]!.reply, step.reply)) continue;
      done[i] = 1;
      let next = first;
      while (next < n && done[next]) next++;
      search(next, step.next);
      done[i] = 0;
    }
  };

  search(0, initial);
  return { linearizable: finals.size > 0, finals, explored: visited.size };
}

export interface HistoryViolation {
  item: string;
  kind: "not_linearizable" | "final_state";
  detail: string;
}

/**
 * Check a whole run: every item's calls must be linearizable, and the item's state in the final file must be
 * one the model can end in. Returns the violations (empty when the history is correct).
 */
export function checkHistory(
  calls: readonly Call[],
  items: ReadonlyMap<string, ItemInfo>,
  fileStates: ReadonlyMap<string, ItemState>,
): { violations: HistoryViolation[]; explored: number } {
  const byItem = new Map<string, Call[]>();
  for (const call of calls) {
    if (!items.has(call.item)) throw new Error(`a call on \`${call.item}\`, which is not an item of the board`);
    byItem.set(call.item, [...(byItem.get(call.item) ?? []), call]);
  }
  const violations: HistoryViolation[] = [];
  let explored = 0;
  for (const [name, item] of items) {
    const history = byItem.get(name) ?? [];
    const verdict = checkItem(history, item);
    explored += verdict.explored;
    const t0 = history.length > 0 ? Math.min(...history.map((call) => call.start)) : 0;
    const shown = () =>
      [...history]
        .sort((a, b) => a.start - b.start)
        .map(
          (c) =>
            `  [${(c.start - t0).toFixed(2)}, ${(c.end - t0).toFixed(2)}] ${c.agent} ${c.op} → ${JSON.stringify("data" in c.reply ? c.reply.data : c.reply)}`,
        )
        .join("\n");
    if (!verdict.linearizable) {
      violations.push({ item: name, kind: "not_linearizable", detail: `no order of these calls fits the model:\n${shown()}` });
      continue;
    }
    const inFile = fileStates.get(name);
    const found = inFile === undefined ? "missing from the file" : stateKey(inFile);
    if (inFile === undefined || !verdict.finals.has(found)) {
      violations.push({
        item: name,
        kind: "final_state",
        detail: `the file says ${found}; the history allows ${[...verdict.finals].join(" or ")}:\n${shown()}`,
      });
    }
  }
  return { violations, explored };
}
