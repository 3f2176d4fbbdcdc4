import { FileError } from "../file-error.js";
import { MAX_FILE_BYTES } from "../limits.js";
import type { BranchObjects } from "./branch-objects.js";

/** The board's files in one commit: repository path (`.hfs/state.md`) → text. */
export type BoardFiles = ReadonlyMap<string, string>;

const KEEP_COMMITS = 4;
const KEEP_BLOBS = 512;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads the board's files out of commits, remembering what it read: a sync reads the remote's tip and the
 * last synced commit, which mostly share their blobs (a claim changes one file), so each blob is fetched from
 * git once. Files are held to the same rules as local ones: strict UTF-8, at most 5 MiB.
 */
export class TreeReader {
  private readonly commits = new Map<string, BoardFiles>();
  private readonly blobs = new Map<string, string>();

  constructor(
    private readonly objects: Pick<BranchObjects, "listFiles" | "readBlobs">,
    /** Which repository paths are board files (the rest of the branch's tree is left alone). */
    private readonly isBoardFile: (path: string) => boolean,
  ) {}

  async files(commit: string): Promise<BoardFiles> {
    const known = this.commits.get(commit);
    if (known) return known;
    const listed = [...(await this.objects.listFiles(commit))].filter(([path]) => this.isBoardFile(path));
    const missing = [...new Set(listed.map(([, blob]) => blob).filter((blob) => !this.blobs.has(blob)))];
    for (const [blob, bytes] of await this.objects.readBlobs(missing)) this.blobs.set(blob, decode(bytes, blob, commit));
    const files = new Map(listed.map(([path, blob]) => [path, this.blobs.get(blob)!] as const));
    this.remember(commit, files);
    return files;
  }

  /** A commit this process built: its files are known without asking git. */
  remember(commit: string, files: BoardFiles): void {
    this.commits.set(commit, files);
    while (this.commits.size > KEEP_COMMITS) this.commits.delete(this.commits.keys().next().value!);
    if (this.blobs.size > KEEP_BLOBS) this.blobs.clear();
  }
}

function decode(bytes: Buffer, blob: string, commit: string): string {
  const where = `blob ${blob.slice(0, 12)} of commit ${commit.slice(0, 12)}`;
  if (bytes.length > MAX_FILE_BYTES)
    throw new FileError("too_large", where, `${where} is ${bytes.length} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new FileError("not_utf8", where, `${where} is not valid UTF-8; it was left untouched`, { cause });
  }
}
