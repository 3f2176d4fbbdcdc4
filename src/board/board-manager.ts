import type { MemorySection } from "../markdown/index.js";
import { type BoardStore, Store } from "../store/index.js";
import { BoardContext } from "./board-context.js";
import { type Claimed, claim, claimNext } from "./claims.js";
import type { Outcome } from "./failure.js";
import { add, type Completed, complete, release } from "./item-changes.js";
import type { ItemChange, ItemRef } from "./item-decision.js";
import { type Listing, type ListQuery, listItems } from "./listing.js";
import { getMemory, type Memory, updateMemory } from "./memory.js";

export interface BoardManagerOptions {
  root: string;
  /** The agent this server acts for; when absent, each call names itself with `agent_id`. */
  agentId?: string;
  lockTimeoutMs?: number;
  lockStaleMs?: number;
  /** Where the board lives; by default the local store of `root`'s `.hfs/`. */
  store?: BoardStore;
  /** Told, in a sentence for the server's log, of what the local store met (a stale lock taken over, a log skipped). */
  notice?: (message: string) => void;
  /** How long a presence heartbeat counts as fresh where its process cannot be checked (default 15 s). */
  presenceTimeoutMs?: number;
  /** Let claims take an item whose holder has been offline this long (--reclaim-after-minutes); default never. */
  reclaimAfterMs?: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * The shared board's rules: who may claim, complete and release what, how items are added and how agents keep
 * memory (listing.ts, item-changes.ts, memory.ts). Knows nothing of MCP; every change is decided by the store on
 * the file as it is when the change is committed.
 */
export class BoardManager {
  readonly store: BoardStore;
  readonly agentId: string | undefined;
  private readonly ctx: BoardContext;

  constructor(options: BoardManagerOptions) {
    this.agentId = options.agentId;
    this.store =
      options.store ??
      new Store({
        root: options.root,
        lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        lockStaleMs: options.lockStaleMs,
        notice: options.notice,
      });
    this.ctx = new BoardContext(this.store, this.agentId, {
      presenceTimeoutMs: options.presenceTimeoutMs,
      reclaimAfterMs: options.reclaimAfterMs,
    });
  }

  /** The board's items in file order, filtered and paged; counts cover the whole board. */
  listItems(query: ListQuery = {}): Promise<Outcome<Listing>> {
    return listItems(this.ctx, query);
  }

  /** Take an available item that waits for nothing. Claiming an item you already hold succeeds again, so retries are safe. */
  claim(ref: ItemRef): Promise<Outcome<Claimed>> {
    return claim(this.ctx, ref);
  }

  /** Choose and claim the next ready item (in a section, matching a query) in one step. */
  claimNext(input: { section?: string; query?: string; agentId?: string }): Promise<Outcome<Claimed>> {
    return claimNext(this.ctx, input);
  }

  /** Mark an item you hold as done. */
  complete(ref: ItemRef): Promise<Outcome<Completed>> {
    return complete(this.ctx, ref);
  }

  /** Give back an item you hold (or, forced with a reason, one another agent holds). */
  release(ref: ItemRef & { force?: boolean; reason?: string }): Promise<Outcome<ItemChange & { previous_holder: string }>> {
    return release(this.ctx, ref);
  }

  /** Append a new available item to a section (created at the end of the board if missing). */
  add(input: { description: string; section?: string; agentId?: string }): Promise<Outcome<ItemChange & { section: string }>> {
    return add(this.ctx, input);
  }

  /** An agent's memory file (a page of it when it is long), or the empty template. */
  getMemory(input: { agentId?: string; offset?: number } = {}): Promise<Outcome<Memory>> {
    return getMemory(this.ctx, input);
  }

  /** Replace (or append to) one section of an agent's memory file. */
  updateMemory(input: {
    section: MemorySection;
    content: string;
    append?: boolean;
    agentId?: string;
  }): Promise<Outcome<{ success: true; agent_id: string; section: MemorySection; preview: string }>> {
    return updateMemory(this.ctx, input);
  }
}
