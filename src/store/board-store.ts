import type { HfsPaths } from "./hfs-paths.js";

/**
 * The seam between the board rules and wherever the board lives. The rules (`BoardManager`) talk only to this:
 * the local store keeps `.hfs/` in one folder under a cross-process lock; the git store keeps it on a branch of
 * a remote, with a push as the compare-and-swap, and mirrors it into the local folder for people to read.
 */
export interface BoardStore {
  /** The local files: the board itself, or (git sync) its mirror. Reads, resources and people use these. */
  readonly paths: HfsPaths;
  /** The file's text as the store last knows it, or null when it does not exist. Never creates anything. */
  read(file: string): Promise<string | null>;
  /**
   * Decide on the file's current text and write what the decision says, so that no other writer acted in
   * between (exactly-once). `decide` may run several times (on newer versions) and must be pure; the promise
   * resolves with the result of the run whose write, if any, was committed.
   */
  update<T>(file: string, decide: Decide<T>): Promise<T>;
  /** Lines of the history log appended since the last call (`restarted`: start again from these). */
  readHistory(): HistoryRead;
  /** Resolves once every queued update has finished (a graceful stop). */
  idle(): Promise<void>;
  /** Give up what the store keeps between writes (a parked lock, a fetch timer); call after idle(). */
  close(): void;
  /** Start-up clean-up of what dead writers left behind; returns the names removed. */
  removeOrphanTempFiles(): Promise<string[]>;
  /**
   * For a store whose reads serve a copy of a board kept elsewhere (git sync): when that copy was last
   * synced (null: never yet). Absent for the local store, whose reads are the board itself.
   */
  freshness?(): { syncedAt: string | null };
}

/**
 * A change to the text decided on: the characters from `start` up to `end` replaced by `insert`. A decision
 * that changes one stretch of a big file says so with this rather than the whole new text, and the store writes
 * the new bytes as a splice of the bytes it read — without encoding (and first copying) the whole text.
 */
export interface TextEdit {
  start: number;
  end: number;
  insert: string;
}

/** What an update decided, given the file's current text: a result, and the new text if anything changes. */
export interface Decision<T> {
  result: T;
  /** The new text, whole or as an edit of the text decided on (of the empty text when the file is missing). */
  write?: string | TextEdit;
  /** History lines to record once the write is committed (only with `write`). */
  log?: string[];
}

/** What a decision is told besides the file's text. */
export interface DecideContext {
  /**
   * The store holds the lock others wait on while this decision runs (the file changed after the first
   * decision): it must be cheap. A decision that would have to do expensive work (re-parse a big board) throws
   * `DecideOutsideLock`, and the store runs it again without the lock.
   */
  locked: boolean;
}

export type Decide<T> = (current: string | null, context: DecideContext) => Decision<T>;

/** Thrown by a decision that cannot be made cheaply inside the lock (see DecideContext). */
export class DecideOutsideLock extends Error {
  constructor() {
    super("this decision must run outside the lock");
    this.name = "DecideOutsideLock";
  }
}

export interface HistoryRead {
  lines: string[];
  /** The history was replaced or cut: drop what was built from earlier lines. */
  restarted: boolean;
  /** Why the history cannot be read at all: claim times are then unknown (not "old"). */
  unreadable?: string;
}
