import type { HfsPaths } from "../hfs-paths.js";

/**
 * The local folder the git store mirrors the board into, under the same cross-process lock the local store
 * uses. This is all the git store needs of the local store: one adapter implements it on today's primitives
 * (local-mirror-adapter.ts), so the local store can change underneath without touching the git code.
 */
export interface LocalMirror {
  readonly paths: HfsPaths;
  /** Run `work` holding the local `.hfs` lock (same-machine servers serialise their pushes through it). */
  withLock<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Inside withLock: replace a local file atomically (temp + fsync + rename), or remove it (null). With
   * `unlessChangedFrom`, only if the file still holds that text (null: still absent) just before the rename —
   * else nothing is written and false is returned: a person saved it meanwhile, and their save wins.
   */
  writeFile(file: string, text: string | null, options?: { unlessChangedFrom?: string | null }): boolean;
  /** A file's text (strict UTF-8, never through a symlink), or null when it does not exist. */
  readFile(file: string): string | null;
  /** The memory files present locally (`.hfs/agents/<id>.md`), as absolute paths. */
  memoryFiles(): string[];
  /** Start-up clean-up of what dead writers left in `.hfs/`; returns the names removed. */
  removeOrphanTempFiles(): Promise<string[]>;
  /** Give up what is kept between writes (a parked lock directory). */
  close(): void;
}
