import { type FileSnapshot, type FileVersion, readStrict, sameInode, sameVersion } from "./strict-read.js";

/** The pause between two looks at a file that may be mid-save. */
const PAUSE_MS = 20;
/** A version of unknown origin changed more recently than this is looked at twice. */
const RECENT_MS = 1_000;
/** An empty file must stay empty this long before it is taken for an empty board. */
const EMPTY_GRACE_MS = 1_000;
/** The longest a read waits for a file to settle; then the latest look is used. */
const MAX_WAIT_MS = 2_000;

/**
 * Reads, under the lock, that do not take a file caught in the middle of a save for its content.
 *
 * Why: hfs-mcp writers replace a file by rename — a new inode, complete from its first byte. An editor that
 * saves in place truncates the same inode and then writes into it, and a read in between sees an empty or
 * partial file; deciding on that (and writing the result) erased whole boards in our editor stress test. So a
 * read is suspicious when the inode last seen here changed in place, when it is a version this process has not
 * seen that changed within the last second, when the file is empty, or when it moved while being read (see
 * `steady`: the read began before an in-place save truncated it); then it looks again after a pause until
 * two looks agree (an empty file must stay empty for a second). Versions written by hfs-mcp servers never wait.
 */
export class SettledReader {
  private readonly seen = new Map<string, FileVersion>();

  /** `look` reads the file once (tests pass a scripted one to replay a save caught mid-way). */
  constructor(private readonly look: (file: string) => FileSnapshot | null = readStrict) {}

  read(file: string): FileSnapshot | null {
    let snapshot = this.look(file);
    for (let waited = 0; snapshot && this.suspicious(file, snapshot) && waited < MAX_WAIT_MS; ) {
      let settled = false;
      do {
        pause(PAUSE_MS);
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

// The locked section is synchronous (see strict-read.ts); this rare wait stays so rather than yield mid-section.
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
