import { linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type NamedProcess, nameForThisProcess, parseName } from "./lock-owner.js";
import { thisProcess } from "./process-identity.js";
import { removeLeftovers, tempFileName } from "./temp-files.js";

/**
 * `.hfs/presence/`: which agents have a server running, for every process that shares the folder (other
 * hosts too), without touching `state.md`.
 *
 * - `<agent>~<pid>~<host>~<nonce>[~<scope>]`: a server showing that agent present. Its mtime is a heartbeat,
 *   touched every interval while the server runs; the name says which process keeps it (lock-owner.ts), so a
 *   process on this host, boot and PID namespace can tell at once that its writer is dead.
 * - `<agent>.left`: when that agent's last server here stopped gracefully (its mtime). A stopping server renames
 *   its record to it (replacing an older one) and stamps it.
 *
 * Agent ids hold neither `~` nor `.`, so names cannot be confused. Nothing here creates `.hfs/` itself: a
 * server in a root without a board shows nothing until something creates one (its first write).
 */

export const PRESENCE_DIR_NAME = "presence";
const LEFT = ".left";
/** Heartbeats this old belong to no running server (it would have touched them); start-up folds them away. */
const FOLD_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

export interface PresenceRecord {
  agent: string;
  /** The server that keeps the record fresh; absent for an agent's `.left` record. */
  server?: NamedProcess;
  /** The heartbeat (a server's record) or when the agent left (`.left`), in ms since the epoch. */
  mtimeMs: number;
}

/** Every record in `<hfsDir>/presence/` ([] when there is none). Synchronous: a handful of entries, read in a decision. */
export function readPresenceRecords(hfsDir: string): PresenceRecord[] {
  return recordsIn(join(hfsDir, PRESENCE_DIR_NAME));
}

function recordsIn(dir: string): PresenceRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const records: PresenceRecord[] = [];
  for (const name of names) {
    const parsed = parseRecordName(name);
    if (!parsed) continue;
    const stat = lstatSync(join(dir, name), { throwIfNoEntry: false });
    // Gone meanwhile (a server leaving renames its record): the `.left` it became is in the listing or not;
    // either way an agent never reads as online from a record that is not there.
    if (stat?.isFile()) records.push({ ...parsed, mtimeMs: stat.mtimeMs });
  }
  return records;
}

function parseRecordName(name: string): Omit<PresenceRecord, "mtimeMs"> | undefined {
  if (name.startsWith(".")) return undefined; // temp files
  if (name.endsWith(LEFT)) {
    const agent = name.slice(0, -LEFT.length);
    return /^[^~.]+$/.test(agent) ? { agent } : undefined;
  }
  const cut = name.indexOf("~");
  if (cut <= 0 || name.slice(0, cut).includes(".")) return undefined;
  const agent = name.slice(0, cut);
  const server = parseName(name, `${agent}~`);
  return server ? { agent, server } : undefined;
}

export interface PresenceBeaconOptions {
  /** How often each record is touched. Readers count a record fresh for a few of these (board/presence.ts). */
  intervalMs: number;
  /** Told once per cause when records cannot be kept (a read-only folder, a full disk). */
  notice?: (message: string) => void;
}

interface Shown {
  count: number;
  /** The record's file name in the presence folder, fixed for this process and agent. */
  name: string;
  /** Whether the record was written in the folder served now (else it waits for `.hfs/` to exist). */
  written: boolean;
}

/**
 * This process's records: the agents it shows present, in the `.hfs/` it serves now. A timer (unref'd: it
 * never keeps the process alive) touches them; `hide`, `serve` of another folder and `stop` turn them into
 * `.left` records. Failing to keep a record never fails a call: presence is advice, the board is the truth.
 */
export class PresenceBeacon {
  private hfsDir: string | undefined;
  private readonly shown = new Map<string, Shown>();
  private timer: NodeJS.Timeout | undefined;
  private problem: string | undefined;

  constructor(private readonly options: PresenceBeaconOptions) {}

  /** Keep the records in `hfsDir` from now on; those in the folder served before are left as a stop leaves them. */
  serve(hfsDir: string): void {
    if (hfsDir === this.hfsDir) return;
    for (const [agent, shown] of this.shown) if (shown.written) this.leave(agent, shown);
    this.hfsDir = hfsDir;
    this.guarded(() => fold(join(hfsDir, PRESENCE_DIR_NAME)));
    this.ensure();
  }

  /** Show `agent` present until the function returned is called (counted: several sessions of one agent). */
  show(agent: string): () => void {
    const shown = this.shown.get(agent) ?? { count: 0, name: nameForThisProcess(`${agent}~`).name, written: false };
    shown.count++;
    this.shown.set(agent, shown);
    this.ensure();
    this.timer ??= setInterval(() => this.beat(), this.options.intervalMs).unref();
    let hidden = false;
    return () => {
      if (hidden) return;
      hidden = true;
      if (--shown.count > 0) return;
      this.shown.delete(agent);
      if (shown.written) this.leave(agent, shown);
      if (this.shown.size === 0) this.clearTimer();
    };
  }

  /** Write the record of every agent shown that has none yet: `.hfs/` may just have been created (a first write). */
  ensure(): void {
    for (const [agent, shown] of this.shown) if (!shown.written) this.write(agent, shown);
  }

  /** A graceful stop: every record becomes its agent's `.left`, stamped now; nothing is touched afterwards. */
  stop(): void {
    this.clearTimer();
    for (const [agent, shown] of this.shown) if (shown.written) this.leave(agent, shown);
    this.shown.clear();
  }

  private beat(): void {
    const dir = this.presenceDir();
    if (dir === undefined) return;
    const now = new Date();
    for (const [agent, shown] of this.shown) {
      if (!shown.written) continue;
      try {
        utimesSync(join(dir, shown.name), now, now);
      } catch {
        // Removed by someone (a person tidying `.hfs/`, the whole folder replaced): write it again.
        shown.written = false;
        this.write(agent, shown);
      }
    }
  }

  private write(agent: string, shown: Shown): void {
    const dir = this.presenceDir();
    if (dir === undefined || !isPlainDirectory(this.hfsDir!)) return;
    this.guarded(() => {
      mkdirSync(dir, { recursive: false, mode: 0o755 });
    }, "EEXIST");
    if (!isPlainDirectory(dir)) return;
    const self = thisProcess();
    const text = `hfs-mcp shows ${agent} present: pid ${self.pid} on ${self.host}, since ${new Date().toISOString()}\n`;
    shown.written = this.guarded(() => writeFileSync(join(dir, shown.name), text, { flag: "wx" }));
  }

  private leave(agent: string, shown: Shown): void {
    const dir = this.presenceDir();
    shown.written = false;
    if (dir === undefined) return;
    const left = join(dir, `${agent}${LEFT}`);
    const now = new Date();
    // Best effort: a record that cannot be renamed goes stale, and its heartbeat's age then says the same.
    this.guarded(() => {
      renameSync(join(dir, shown.name), left);
      utimesSync(left, now, now);
    }, "ENOENT");
  }

  private presenceDir(): string | undefined {
    return this.hfsDir === undefined ? undefined : join(this.hfsDir, PRESENCE_DIR_NAME);
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // Runs `work`; true when it succeeded (or failed only with `quiet`), false after telling of the failure once.
  private guarded(work: () => void, quiet?: string): boolean {
    try {
      work();
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined && code === quiet) return true;
      const message = `presence records in .hfs/${PRESENCE_DIR_NAME}/ cannot be kept (${code ?? (error as Error).message}); other servers see this agent as unknown or offline`;
      if (message !== this.problem) this.options.notice?.(message);
      this.problem = message;
      return false;
    }
  }
}

/**
 * Start-up tidying of `dir`: temp files of folds that died half-way, and server records whose heartbeat is a
 * week old, which no running server has (it would have touched them). Such a record still says when its agent
 * was last seen: it becomes the agent's `.left` when the agent has none — a temp file stamped with its time,
 * linked into place, so an existing `.left` (perhaps stamped just now by a server leaving) is never replaced.
 */
function fold(dir: string, now = Date.now()): void {
  if (!isPlainDirectory(dir)) return;
  removeLeftovers(dir, now);
  for (const record of recordsIn(dir)) {
    if (record.server === undefined || now - record.mtimeMs < FOLD_AFTER_MS) continue;
    const temp = join(dir, tempFileName(`${record.agent}${LEFT}`));
    try {
      writeFileSync(temp, "", { flag: "wx" });
      const at = new Date(record.mtimeMs);
      utimesSync(temp, at, at);
      linkSync(temp, join(dir, `${record.agent}${LEFT}`));
    } catch {
      // The agent has a `.left` already (EEXIST), or the folder cannot be written: the record goes all the same.
    } finally {
      rmSync(temp, { force: true });
    }
    rmSync(join(dir, record.server.name), { force: true });
  }
}

function isPlainDirectory(path: string): boolean {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  return stat?.isDirectory() === true;
}
