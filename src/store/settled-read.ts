import { setTimeout as sleep } from "node:timers/promises";
import { type FileSnapshot, type FileVersion, readStrict, sameInode, sameVersion } from "./strict-read.js";

/** The pause between two looks at a file that may be mid-save. */
const PAUSE_MS = 20;
/** A version of unknown origin changed more recently than this is looked at twice. */
const RECENT_MS = 1_000;
/** An empty file must stay empty this long before it is taken for an empty board. */
const EMPTY_GRACE_MS = 1_000;
/** A file known to exist that is missing must stay missing this long before it is taken for gone. */
const GONE_GRACE_MS = 1_000;
/** The longest a read waits for a file to settle; then the latest look is used. */
const MAX_WAIT_MS = 2_000;

/**
 * Reads to decide on, that do not take a file caught in the middle of a save for its content.
 *
 * Why: hfs-mcp writers replace a file by rename — a new inode, complete from its first byte. An editor that
 * saves in place truncates the same inode and then writes into it, and a read in between sees an empty or
 * partial file; deciding on that (and writing the result) erased whole boards in our editor stress test. `git
 * checkout` and `git stash` replace a tracked file by unlinking it and creating it anew, and a read in that gap
 * sees no file at all: `add_item` then wrote a fresh board holding only its own item, and git, whose exclusive
 * create now failed, left it there (2 of 600 checkouts under load). So a read is suspicious when the inode last
 * seen here changed in place, when it is a version this process has not seen that changed within the last
 * second, when the file is empty, when it moved while being read (`steady`), or when it is missing although it
 * existed (this process saw it, or `existedElsewhere` says so); then it looks again after a pause until two looks
 * agree (an empty file must stay empty, a missing one stay missing, for a second). Versions written by hfs-mcp
 * servers never wait.
 */
export class SettledReader {
  private readonly seen = new Map<string, FileVersion>();
  /** The last snapshot read, whose text a look at the same bytes reuses instead of decoding them again. */
  private last: { file: string; snapshot: FileSnapshot } | undefined;

  constructor(
    /** Reads the file once, given the last snapshot of it (tests pass a scripted one to replay a save caught mid-way). */
    private readonly look: (file: string, known?: FileSnapshot) => FileSnapshot | null = readStrict,
    /** Whether something other than this reader shows the file existed (e.g. the history log for the board). */
    private readonly existedElsewhere: (file: string) => boolean = () => false,
  ) {}

  async read(file: string): Promise<FileSnapshot | null> {
    const snapshot = await this.settle(file);
    this.last = snapshot ? { file, snapshot } : undefined;
    return snapshot;
  }

  private async settle(file: string): Promise<FileSnapshot | null> {
    let snapshot = this.look(file, this.last?.file === file ? this.last.snapshot : undefined);
    if (snapshot === null) {
      if (!this.seen.has(file) && !this.existedElsewhere(file)) return null;
      for (let waited = 0; snapshot === null && waited < GONE_GRACE_MS; waited += PAUSE_MS) {
        await sleep(PAUSE_MS);
        snapshot = this.look(file);
      }
      if (snapshot === null) {
        this.seen.delete(file); // gone for good: a person deleted it
        return null;
      }
    }
    for (let waited = 0; snapshot && this.suspicious(file, snapshot) && waited < MAX_WAIT_MS; ) {
      let settled = false;
      do {
        await sleep(PAUSE_MS);
        waited += PAUSE_MS;
        const again = this.look(file);
        settled = again !== null && sameLook(again, snapshot);
        snapshot = again;
      } while (snapshot && !settled && waited < MAX_WAIT_MS);
      if (!snapshot || snapshot.bytes.length > 0 || waited >= EMPTY_GRACE_MS) break;
    }
    if (snapshot) this.seen.set(file, snapshot.version);
    return snapshot;
  }

  /**
   * Whether a look taken without waiting (inside the lock, where nothing may wait) can be decided on as it is:
   * not caught mid-save, not missing where the file existed. When it cannot, the caller reads again with `read`.
   */
  trusts(file: string, snapshot: FileSnapshot | null): boolean {
    if (snapshot === null) return !this.seen.has(file) && !this.existedElsewhere(file);
    return !this.suspicious(file, snapshot);
  }

  /** The version this process just wrote: the next read of it needs no second look. */
  remember(file: string, version: FileVersion): void {
    this.seen.set(file, version);
  }

  private suspicious(file: string, snapshot: FileSnapshot): boolean {
    const { version } = snapshot;
    if (!snapshot.steady || snapshot.bytes.length === 0) return true;
    const seen = this.seen.get(file);
    if (!seen) return Date.now() - version.mtimeMs < RECENT_MS;
    return sameInode(seen, version) && !sameVersion(seen, version);
  }
}

// Two steady looks with equal bytes have equal sizes: comparing the versions' sizes too changes nothing.
function sameLook(a: FileSnapshot, b: FileSnapshot): boolean {
  return a.steady && b.steady && sameVersion(a.version, b.version) && a.bytes.equals(b.bytes);
}
