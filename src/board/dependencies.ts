import type { Board, BoardItem } from "../markdown/index.js";
import { ItemIndex } from "./find-item.js";

/**
 * What each item waits for, read from the board as people already write plans, and whether it can be started.
 *
 * An item waits for:
 * - in an ordered list (`1. [ ]`, `2. [ ]`), the task item before it in that list: a sequence;
 * - its subtasks, the task items nested in it (whose nearest enclosing task item it is): the integration step;
 * - the items its `(after: A; B)` suffix names, matched like the tools match descriptions (find-item.ts);
 * - whatever the item it is nested in waits for by sequence or by name (not that item's own subtasks): the
 *   subtasks of step 2 of a plan wait for step 1 as step 2 does.
 *
 * Waiting ends when the item waited for is completed. A name that matches no item, or several, blocks the item
 * (and its subtasks) and is reported; so is a cycle among items not completed (each waits for the next). Status
 * stays what the marker says: `ready` is an item that is available and waits for nothing.
 *
 * Cost: the graph is built once per board structure (the items' descriptions, names, nesting and lists), linear
 * in the items plus the names; a board that differs only in statuses (every claim, release and completion)
 * keeps it. Whether an item is blocked is then a look at the statuses of the few items it waits for; cycles are
 * looked for (Tarjan, linear) only when blockers are shown.
 */

/** One reason an item cannot be started yet. */
export interface Blocker {
  /** The item waited for; for a name that resolves to no item or to several, the name as written. */
  description: string;
  /** Its line; null for a name that resolves to no item or to several. */
  line: number | null;
  /** Present when the wait will not end by itself: the name matches no item or several, or the items wait for each other. */
  problem?: "not_found" | "ambiguous" | "cycle";
}

interface Graph {
  /** The items of the latest board it was shared with: a later board with the same structure shares it too. */
  items: readonly BoardItem[];
  /** Per item, the items it waits for (indices, no repeats). */
  waits: readonly (readonly number[])[];
  /** Per item, the names that resolve to no item or to several, its own and those of the items around it. */
  unresolved: readonly (readonly Blocker[])[];
}

const NONE: readonly never[] = [];

export class Dependencies {
  private cycleOf: Int32Array | undefined;
  private dependents: number[][] | undefined;

  private constructor(
    readonly board: Board,
    private readonly graph: Graph,
  ) {}

  /** The dependencies of `board`, sharing `previous`'s graph when only statuses changed in between. */
  static of(board: Board, previous?: Dependencies): Dependencies {
    if (previous?.board === board) return previous;
    // A shared graph is handed on with this board's items: the next comparison is then against the latest
    // board, where nearly every item is the same object (a patch replaces only the lines that changed), not
    // against the board it was built from, whose items grow apart from ours with every claim (measured on a
    // 10,000-item board under 8 agents: ~1 ms per call comparing descriptions, against ~20 µs of identity checks).
    const graph = Dependencies.sharesGraph(board, previous) ? { ...previous!.graph, items: board.items } : buildGraph(board.items);
    return new Dependencies(board, graph);
  }

  /** Whether `of(board, previous)` keeps previous's graph (a comparison of the items, no building). */
  static sharesGraph(board: Board, previous: Dependencies | undefined): boolean {
    if (previous === undefined) return false;
    return previous.board.structure === board.structure || sameStructure(previous.graph.items, board.items);
  }

  /** Whether anything keeps the item from being started: an item it waits for is not completed, or a name is unresolved. */
  isBlocked(index: number): boolean {
    if (this.graph.unresolved[index]!.length > 0) return true;
    const items = this.board.items;
    for (const target of this.graph.waits[index]!) if (items[target]!.status !== "completed") return true;
    return false;
  }

  /** Available and waiting for nothing: it can be started now. */
  isReady(index: number): boolean {
    return this.board.items[index]!.status === "available" && !this.isBlocked(index);
  }

  /** What the item waits for and is not completed, then its unresolved names; [] for a completed item. */
  blockers(index: number): Blocker[] {
    const items = this.board.items;
    if (items[index]!.status === "completed") return [];
    const found: Blocker[] = [];
    const waits = this.graph.waits[index]!;
    for (const target of waits) {
      const item = items[target]!;
      if (item.status === "completed") continue;
      const cycles = this.cycles();
      const cycle = cycles[index]! >= 0 && cycles[index] === cycles[target];
      found.push({ description: item.description, line: item.line, ...(cycle ? { problem: "cycle" as const } : {}) });
    }
    return found.concat(this.graph.unresolved[index]!);
  }

  /**
   * The available items that completing item `index` makes ready: they wait for it and for nothing else that
   * is not completed. Asked on the board before the completion.
   */
  unblockedBy(index: number): number[] {
    this.dependents ??= reverse(this.graph.waits);
    const items = this.board.items;
    return (this.dependents[index] ?? []).filter(
      (waiting) =>
        items[waiting]!.status === "available" &&
        this.graph.unresolved[waiting]!.length === 0 &&
        this.graph.waits[waiting]!.every((target) => target === index || items[target]!.status === "completed"),
    );
  }

  // Per item, an id shared by the members of its cycle (a strongly connected component of more than one item,
  // or one waiting for itself) among the items not completed; -1 outside any cycle. Iterative Tarjan: a
  // sequence of 10,000 steps would overflow the stack of a recursive one.
  private cycles(): Int32Array {
    if (this.cycleOf) return this.cycleOf;
    const items = this.board.items;
    const { waits } = this.graph;
    const n = items.length;
    const cycleOf = new Int32Array(n).fill(-1);
    const order = new Int32Array(n).fill(-1);
    const low = new Int32Array(n);
    const onStack = new Uint8Array(n);
    const stack: number[] = [];
    const open = (i: number) => items[i]!.status !== "completed";
    let counter = 0;
    for (let root = 0; root < n; root++) {
      if (!open(root) || order[root] !== -1) continue;
      const path = [root];
      const next = [0];
      order[root] = low[root] = counter++;
      stack.push(root);
      onStack[root] = 1;
      while (path.length > 0) {
        const v = path[path.length - 1]!;
        const edges = waits[v]!;
        const at = next[next.length - 1]!;
        if (at < edges.length) {
          next[next.length - 1] = at + 1;
          const w = edges[at]!;
          if (!open(w)) continue;
          if (order[w] === -1) {
            order[w] = low[w] = counter++;
            stack.push(w);
            onStack[w] = 1;
            path.push(w);
            next.push(0);
          } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!);
          continue;
        }
        path.pop();
        next.pop();
        const parent = path[path.length - 1];
        if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
        if (low[v] !== order[v]) continue;
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== v);
        if (members.length > 1 || edges.includes(v)) for (const member of members) cycleOf[member] = v;
      }
    }
    this.cycleOf = cycleOf;
    return cycleOf;
  }
}

function buildGraph(items: readonly BoardItem[]): Graph {
  const n = items.length;
  let index: ItemIndex | undefined;
  const children: (number[] | undefined)[] = new Array(n);
  const waits: (readonly number[])[] = new Array(n);
  const unresolved: (readonly Blocker[])[] = new Array(n);
  // What an item's subtasks inherit from it: what it waits for by sequence or by name, outside its own subtree,
  // and what it inherited itself. Shared arrays: most items pass down exactly what they were given.
  const passed: (readonly number[])[] = new Array(n);
  const passedUnresolved: (readonly Blocker[])[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const parent = items[i]!.parent;
    if (parent < 0) continue;
    const siblings = children[parent];
    if (siblings) siblings.push(i);
    else children[parent] = [i];
  }
  // Parents come before their subtasks in document order, so one pass sees each parent finished.
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    let own: number[] | undefined = item.ordered && item.previous >= 0 ? [item.previous] : undefined;
    let ownUnresolved: Blocker[] | undefined;
    for (const name of item.task.after) {
      index ??= new ItemIndex(items);
      const matches = index.match(name);
      if (matches.length === 1) own = [...(own ?? []), matches[0]!];
      else {
        const problem = matches.length === 0 ? ("not_found" as const) : ("ambiguous" as const);
        ownUnresolved = [...(ownUnresolved ?? []), { description: name, line: null, problem }];
      }
    }
    const inherited = item.parent >= 0 ? passed[item.parent]! : NONE;
    const inheritedUnresolved = item.parent >= 0 ? passedUnresolved[item.parent]! : NONE;
    const outside = own?.filter((target) => !within(items, target, i));
    passed[i] = outside === undefined || outside.length === 0 ? inherited : outside.concat(inherited);
    passedUnresolved[i] = ownUnresolved === undefined ? inheritedUnresolved : ownUnresolved.concat(inheritedUnresolved);
    waits[i] = unique(own ?? NONE, children[i] ?? NONE, inherited);
    unresolved[i] = passedUnresolved[i]!;
  }
  return { items, waits, unresolved };
}

// Whether item `target` is `ancestor` or nested in it (walking up the parents, which come earlier).
function within(items: readonly BoardItem[], target: number, ancestor: number): boolean {
  let at = target;
  while (at > ancestor) at = items[at]!.parent;
  return at === ancestor;
}

// The three lists as one, without repeats (a name may repeat the previous step or a subtask).
function unique(a: readonly number[], b: readonly number[], c: readonly number[]): readonly number[] {
  const total = a.length + b.length + c.length;
  if (total === 0) return NONE;
  if (total === a.length) return a.length > 1 ? [...new Set(a)] : a;
  if (total === b.length) return b; // subtasks: distinct by construction
  if (total === c.length) return c;
  const all = a.concat(b, c);
  return total > 16 ? [...new Set(all)] : all.filter((value, at) => all.indexOf(value) === at);
}

function reverse(waits: readonly (readonly number[])[]): number[][] {
  const dependents: number[][] = [];
  for (const [waiting, targets] of waits.entries()) {
    for (const target of targets) {
      const list = dependents[target];
      if (list) list.push(waiting);
      else dependents[target] = [waiting];
    }
  }
  return dependents;
}

// Same descriptions, names, nesting and lists, item by item: statuses alone changed, and so the graph stands.
function sameStructure(a: readonly BoardItem[], b: readonly BoardItem[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.description !== y.description || x.parent !== y.parent || x.previous !== y.previous || x.ordered !== y.ordered) return false;
    if (x.task.after.length !== y.task.after.length || x.task.after.some((name, k) => name !== y.task.after[k])) return false;
  }
  return true;
}
