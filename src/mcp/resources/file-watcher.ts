import { type FSWatcher, watch } from "node:fs";
import { basename, join } from "node:path";
import type { HfsPaths } from "../../store/index.js";

/**
 * What a change report means. `changed`: the file at the path changed (or, for a folder, anything below it
 * may have, e.g. the folder was removed). `appeared`: a folder was created or replaced and is now watched;
 * files below it that exist may have been written before the watch was armed.
 */
export type ChangeKind = "changed" | "appeared";

/**
 * Reports changes to `.hfs/state.md` and `.hfs/agents/*.md`, whoever makes them: this server, another server
 * process, or a person's editor. It watches *directories*, not files: a file watch follows one inode, and every
 * atomic save (ours, and most editors') replaces the file by rename, after which a file watch sees nothing.
 * A directory watch names the entry that changed, whether written in place or renamed over.
 *
 * Three watches, each re-armed when the folder below it appears or is replaced: the project root (for `.hfs`
 * itself), `.hfs/` (for `state.md` and `agents`), `.hfs/agents/` (for memory files). Temp files, lock
 * directories, the history log and editor backup files are other names and are ignored. Watches never keep
 * the process alive.
 */
export class HfsWatcher {
  private rootWatch: FSWatcher | undefined;
  private hfs: FSWatcher | undefined;
  private agents: FSWatcher | undefined;
  private closed = false;

  constructor(
    private readonly paths: HfsPaths,
    private readonly onChange: (path: string, kind: ChangeKind) => void,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    this.rootWatch = this.watchDir(this.paths.root, (name) => {
      if (name === null || name === basename(this.paths.hfsDir)) this.armHfs(true);
    });
    this.armHfs(false);
  }

  close(): void {
    this.closed = true;
    for (const watcher of [this.rootWatch, this.hfs, this.agents]) watcher?.close();
    this.rootWatch = this.hfs = this.agents = undefined;
  }

  private armHfs(announce: boolean): void {
    this.hfs = this.arm(this.paths.hfsDir, this.hfs, announce, (name) => {
      if (name === null) this.onChange(this.paths.hfsDir, "changed");
      else if (name === basename(this.paths.stateFile)) this.onChange(this.paths.stateFile, "changed");
      else if (name === basename(this.paths.agentsDir)) this.armAgents(true);
    });
    this.armAgents(announce);
  }

  private armAgents(announce: boolean): void {
    this.agents = this.arm(this.paths.agentsDir, this.agents, announce, (name) => {
      if (name === null) this.onChange(this.paths.agentsDir, "changed");
      else if (name.endsWith(".md") && !name.startsWith(".")) this.onChange(join(this.paths.agentsDir, name), "changed");
    });
  }

  /**
   * (Re-)watch `dir`: called when it may have been created, removed or replaced. The new watch is armed before
   * the old one is closed, so no event falls between them (on one folder they share the same inotify watch).
   * With `announce`, what may have been missed while no watch was armed is reported.
   */
  private arm(
    dir: string,
    current: FSWatcher | undefined,
    announce: boolean,
    onEntry: (name: string | null) => void,
  ): FSWatcher | undefined {
    const next = this.watchDir(dir, onEntry);
    current?.close();
    if (announce) {
      if (next !== undefined) this.onChange(dir, "appeared");
      else if (current !== undefined) this.onChange(dir, "changed"); // it was there and is gone
    }
    return next;
  }

  private watchDir(dir: string, onEntry: (name: string | null) => void): FSWatcher | undefined {
    if (this.closed) return undefined;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => onEntry(name === null ? null : String(name)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        this.log(`cannot watch \`${dir}\` (${code ?? (error as Error).message}): resource notifications will miss changes there`);
      }
      return undefined;
    }
    // A watched folder that is deleted ends its watch (an error on some platforms); the watch above re-arms it.
    watcher.on("error", () => watcher.close());
    return watcher;
  }
}
