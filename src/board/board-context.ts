import type { Board, MemorySection } from "../markdown/index.js";
import { type BoardStore, type DecideContext, DecideOutsideLock } from "../store/index.js";
import { Dependencies } from "./dependencies.js";
import type { Failure } from "./failure.js";
import { ClaimTimes } from "./history.js";
import { resolveAgent } from "./identity.js";
import { DEFAULT_PRESENCE_INTERVAL_MS, MISSED_BEATS, type PresenceView, readPresence } from "./presence.js";

export type Markdown = typeof import("../markdown/index.js");
let markdownModule: Promise<Markdown> | undefined;

/** The markdown parser is the heaviest part of the server; it is loaded with the first call, not at start-up. */
export function loadMarkdown(): Promise<Markdown> {
  markdownModule ??= import("../markdown/index.js");
  return markdownModule;
}

/** Boards up to this size may be parsed inside the lock (a few milliseconds); bigger ones are decided outside. */
const LOCKED_PARSE_MAX_CHARS = 256 * 1024;
/** Boards up to this many items may have their dependency graph built inside the lock (about a millisecond). */
const LOCKED_GRAPH_MAX_ITEMS = 2_000;

/** A board as the rules read it: its items and headings, and the lines of any merge conflict left in it. */
export interface ParsedBoard {
  board: Board;
  conflicts: number[];
}

export interface ClaimSettings {
  /** A presence record's heartbeat counts as fresh this long, where its process cannot be checked. */
  presenceTimeoutMs?: number;
  /** Claims of a holder offline this long may be taken by another agent; undefined: never. */
  reclaimAfterMs?: number;
}

/**
 * What every rule of the board works with: the store, the agent the server acts for, the claim times from the
 * history, the one parse cache and the dependencies of the board it holds, and the agents' presence.
 */
export class BoardContext {
  readonly claimTimes: ClaimTimes;
  readonly presenceTimeoutMs: number;
  readonly reclaimAfterMs: number | undefined;
  private last: { text: string; parsed: ParsedBoard } | undefined;
  private lastMemory: { text: string; sections: Record<MemorySection, string> } | undefined;
  private lastDependencies: Dependencies | undefined;

  constructor(
    readonly store: BoardStore,
    readonly agentId: string | undefined,
    settings: ClaimSettings = {},
  ) {
    this.claimTimes = new ClaimTimes(store);
    this.presenceTimeoutMs = settings.presenceTimeoutMs ?? MISSED_BEATS * DEFAULT_PRESENCE_INTERVAL_MS;
    this.reclaimAfterMs = settings.reclaimAfterMs;
  }

  /**
   * What each item of `board` waits for. Kept for the last board asked about, and its graph for as long as
   * only statuses change: inside the lock, a claim decided again on a board another agent just changed costs a
   * look at a few items, not a rebuild.
   */
  dependencies(board: Board, context: DecideContext = { locked: false }): Dependencies {
    const last = this.lastDependencies;
    // Inside the lock, a big board whose structure changed (a person edited a name) is decided outside instead.
    if (context.locked && last?.board !== board && board.items.length > LOCKED_GRAPH_MAX_ITEMS && !Dependencies.sharesGraph(board, last)) {
      throw new DecideOutsideLock();
    }
    this.lastDependencies = Dependencies.of(board, last);
    return this.lastDependencies;
  }

  /** The agents' presence as `.hfs/presence/` shows it now: a directory listing and a stat per server record. */
  presence(now = Date.now()): PresenceView {
    return readPresence(this.store.paths.hfsDir, this.presenceTimeoutMs, now);
  }

  /** A memory file's sections, read once per version (a long file is read page by page, each page a call). */
  memorySections(md: Markdown, text: string): Record<MemorySection, string> {
    if (this.lastMemory?.text !== text) this.lastMemory = { text, sections: md.readMemorySections(text) };
    return this.lastMemory.sections;
  }

  /** Who is calling: the server's agent, or the one the call names (see identity.ts). */
  agent(passed: string | undefined): Failure | string {
    return resolveAgent(this.agentId, passed);
  }

  /**
   * Parsing is the expensive step: each file version is parsed at most once, and a version that differs from
   * the last one only inside item lines (a claim, release or completion, by anyone) is patched, not parsed.
   * Inside the store's lock (the board changed after we decided), a big board is never parsed: the decision
   * goes back out of the lock instead (see Store). Conflict markers are never item lines, so a patch keeps them.
   */
  parse(md: Markdown, text: string, context: DecideContext = { locked: false }): ParsedBoard {
    const last = this.last;
    if (last?.text === text) return last.parsed;
    const patched = last && md.patchBoard(last.text, last.parsed.board, text);
    if (!patched && context.locked && text.length > LOCKED_PARSE_MAX_CHARS) throw new DecideOutsideLock();
    const parsed = patched
      ? { board: patched, conflicts: last.parsed.conflicts }
      : { board: md.parseBoard(text), conflicts: md.conflictMarkerLines(text) };
    this.last = { text, parsed };
    return parsed;
  }
}
