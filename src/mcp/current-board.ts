import { BoardManager, type BoardManagerOptions } from "../board/index.js";
import type { BoardLocator } from "../store/git/index.js";
import type { PresenceBeacon } from "../store/presence-records.js";

/** Told after each board call: the method's name, its first argument, what it returned, and on which manager. */
export type BoardCallObserver = (method: string, input: unknown, outcome: unknown, manager: BoardManager) => void;

/**
 * The board manager of the root being served. That root can change while the server runs (a client's roots
 * change), so callers ask for the manager per call instead of keeping one:
 *
 * - a call runs on the manager current when it starts, to its end, even if the root changes meanwhile;
 * - while the root is being decided (`hold`, or no root yet), calls wait rather than touch the wrong folder;
 * - a replaced manager finishes its calls and queued writes, then gives up its parked lock directory.
 *
 * With a presence beacon (servers the CLI runs; not libraries or tests), the agents shown present keep their
 * records in the `.hfs/` of the root served now (store/presence-records.ts), and leave it when the root changes
 * or the board closes.
 *
 * Knows nothing of MCP: the roots protocol lives in roots.ts.
 */
export class CurrentBoard {
  private manager: BoardManager | undefined;
  private held = false;
  private refusal: string | undefined;
  private waiters: Array<() => void> = [];
  private readonly running = new Map<BoardManager, Set<Promise<unknown>>>();
  private readonly retiring = new Set<Promise<void>>();
  private readonly listeners = new Set<(root: string) => void>();

  constructor(
    /** `locate`: where a root's board lives and which store keeps it (worktrees, git sync); else its own `.hfs/`. */
    private readonly settings: Omit<BoardManagerOptions, "root"> & { locate?: BoardLocator },
    initial?: BoardManager,
    private readonly beacon?: PresenceBeacon,
  ) {
    this.manager = initial;
    if (initial) beacon?.serve(initial.store.paths.hfsDir);
  }

  /** The root served now, if one is decided. */
  get root(): string | undefined {
    return this.manager?.store.paths.root;
  }

  /** Make calls wait until `release`: the root is about to be decided. */
  hold(): void {
    this.held = true;
  }

  /** Stop waiting and keep the current root. */
  release(): void {
    this.held = false;
    this.wake();
  }

  /** No root will come: calls waiting for one, and later ones, fail with `message`. */
  refuse(message: string): void {
    this.refusal = message;
    this.wake();
  }

  /**
   * Serve `root` from now on (calls held by `hold` still wait for `release`). Calls already running finish on
   * the previous root's manager. First removes the temp files that writers killed mid-write left in that root (a
   * live writer's are left alone), and returns their names.
   */
  async use(root: string): Promise<string[]> {
    const previous = this.manager;
    const located = this.settings.locate ? await this.settings.locate(root) : { root };
    if (previous?.store.paths.root === located.root) return [];
    const next = new BoardManager({ ...this.settings, root: located.root, store: located.openStore?.() });
    const removed = await next.store.removeOrphanTempFiles();
    this.manager = next;
    this.beacon?.serve(next.store.paths.hfsDir);
    if (previous) this.retire(previous);
    else this.wake(); // calls waiting for a first root
    for (const listener of this.listeners) listener(located.root);
    return removed;
  }

  /**
   * Show `agent` present (a server acting for it runs) until the function returned is called; a no-op without
   * a beacon. Counted: each session of an agent shows it once.
   */
  showPresent(agent: string): () => void {
    return this.beacon?.show(agent) ?? (() => undefined);
  }

  /** A write succeeded: `.hfs/` exists now, so every agent shown present gets its record if it had none. */
  wrote(): void {
    this.beacon?.ensure();
  }

  /** Called with the new root each time `use` changes it; returns a function that stops the calls. */
  onSwitch(listener: (root: string) => void): () => void {
    const own = (root: string) => listener(root); // its own identity, so the same function may listen twice
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  /** Run `work` on the current manager (waiting while the root is being decided). */
  async run<T>(work: (manager: BoardManager) => Promise<T>): Promise<T> {
    const manager = await this.current();
    const calls = this.running.get(manager) ?? new Set<Promise<unknown>>();
    this.running.set(manager, calls);
    const call = work(manager);
    calls.add(call);
    try {
      return await call;
    } finally {
      calls.delete(call);
    }
  }

  /**
   * A BoardManager to hand to code written against one (the tools): every method call goes through `run`,
   * and `observe` hears how it went. Methods are found on BoardManager's prototype, so methods added to the
   * manager later pass through without changes here (as async methods: every call may wait for a root).
   * Other properties (`agentId`, `store`) read the current manager's.
   */
  view(observe?: BoardCallObserver): BoardManager {
    return new Proxy({} as BoardManager, {
      get: (_target, key) => {
        const method = (BoardManager.prototype as unknown as Record<PropertyKey, unknown>)[key];
        if (typeof method !== "function" || key === "constructor") {
          return this.manager === undefined ? undefined : Reflect.get(this.manager, key);
        }
        return (...args: unknown[]) =>
          this.run(async (manager) => {
            const outcome: unknown = await (method as (...a: unknown[]) => Promise<unknown>).apply(manager, args);
            try {
              observe?.(String(key), args[0], outcome, manager);
            } catch {
              // Telling about a call must never turn its result (a write already made) into a failure.
            }
            return outcome;
          });
      },
    });
  }

  /** Finish every call and queued write, and remove what the managers keep on disk (their parked locks). */
  async close(): Promise<void> {
    if (this.manager) this.retire(this.manager);
    this.manager = undefined;
    this.refuse("hfs-mcp is shutting down");
    while (this.retiring.size > 0) await Promise.all([...this.retiring]);
    this.beacon?.stop();
  }

  private async current(): Promise<BoardManager> {
    while (this.held || this.manager === undefined) {
      if (this.refusal !== undefined && this.manager === undefined) throw new Error(this.refusal);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
    return this.manager;
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private retire(manager: BoardManager): void {
    const done = (async () => {
      await Promise.allSettled([...(this.running.get(manager) ?? [])]);
      await manager.store.idle();
      manager.store.close();
      this.running.delete(manager);
    })();
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
  }
}
