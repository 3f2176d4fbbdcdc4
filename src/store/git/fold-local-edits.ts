import type { TreeChange } from "./git-remote-branch.js";
import type { MergeResult } from "./merge-texts.js";
import type { BoardFiles } from "./tree-reader.js";

/** What people changed in the local mirror since the last sync, made ready to commit in their name. */
export interface LocalEdits {
  /** Files to commit as the person: their version, or a clean three-way merge of it with the remote's. */
  changes: TreeChange[];
  /** Their versions that do not merge: kept beside the board (never lost) while the mirror takes the remote's. */
  conflicts: { path: string; text: string; why: string }[];
}

export interface FoldInput {
  /** The mirror's files as read at the start of this sync (null: absent). */
  local: ReadonlyMap<string, string | null>;
  /** The files as last synced into the mirror; null when this clone never synced (no base to merge on). */
  base: BoardFiles | null;
  /** The remote's files; null when the remote has no board branch yet. */
  remote: BoardFiles | null;
  merge: (texts: { ours: string; base: string; theirs: string }) => Promise<MergeResult>;
}

/**
 * Fold people's edits of the mirror into the next commit. For each file that differs from the last synced
 * version (`base`): the remote did not change it → their version; both changed it → `git merge-file` (base =
 * last synced, ours = theirs, theirs = the remote's); a conflict → kept aside. Without a remote branch, the
 * local files start it. Without a base (a clone's first sync onto an existing branch), a local file that differs
 * from the remote's cannot be merged, so it is kept aside.
 *
 * A file missing locally is never a deletion: `git clean -x`, or a person removing `.hfs/`, must not wipe the
 * board for everyone. Deleting happens on the branch, as a commit.
 */
export async function foldLocalEdits(input: FoldInput): Promise<LocalEdits> {
  const { local, base, remote } = input;
  const edits: LocalEdits = { changes: [], conflicts: [] };
  for (const [path, mine] of local) {
    if (mine === null) continue;
    const theirs = remote === null ? null : (remote.get(path) ?? null);
    if (mine === theirs) continue;
    if (remote === null) {
      edits.changes.push({ path, text: mine });
      continue;
    }
    if (base === null) {
      if (theirs === null) edits.changes.push({ path, text: mine });
      else edits.conflicts.push({ path, text: mine, why: "this clone had its own copy before it first synced with the remote" });
      continue;
    }
    const was = base.get(path) ?? null;
    if (mine === was) continue; // not edited: the mirror is only behind the remote
    if (theirs === was) {
      edits.changes.push({ path, text: mine });
      continue;
    }
    const merged = await input.merge({ ours: mine, base: was ?? "", theirs: theirs ?? "" });
    if (merged.clean) {
      if (merged.text !== theirs) edits.changes.push({ path, text: merged.text });
    } else {
      edits.conflicts.push({ path, text: mine, why: "it changes the same lines as a change on the remote" });
    }
  }
  return edits;
}
