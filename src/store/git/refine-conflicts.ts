/**
 * `git merge-file` marks a conflict wherever both sides changed lines that touch, even different lines: on a
 * board, where every item is a line next to other items, a person rewording one item while an agent claims the
 * next one would always conflict. Board edits by agents change lines in place (a claim appends a marker), so
 * each conflict hunk is given a second, line-by-line look:
 *
 * - all three versions of the hunk have as many lines: take, line by line, whichever side changed that line;
 * - one side only changed lines in place (as many lines as the base): apply those line changes to the other
 *   side's version, wherever it kept the base line unchanged (it may have added or removed others);
 * - otherwise, or when both sides changed the same line differently, it stays a conflict.
 *
 * Input is `git merge-file -p --diff3 --marker-size=MARKER_SIZE` output; returns the merged text, or null while
 * any hunk still conflicts.
 */
export const MARKER_SIZE = 31;

const OURS = "<".repeat(MARKER_SIZE);
const BASE = "|".repeat(MARKER_SIZE);
const SPLIT = "=".repeat(MARKER_SIZE);
const THEIRS = ">".repeat(MARKER_SIZE);
// Hunks are small; past this many cells the alignment below is not worth its time, and the hunk stays a conflict.
const MAX_CELLS = 1_000_000;

export function refineConflicts(merged: string): string | null {
  const lines = merged.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!isMarker(lines[i]!, OURS)) {
      out.push(lines[i]!);
      continue;
    }
    const sections: string[][] = [[], [], []];
    let part = 0;
    for (i++; i < lines.length && !isMarker(lines[i]!, THEIRS); i++) {
      if (isMarker(lines[i]!, BASE)) part = 1;
      else if (isMarker(lines[i]!, SPLIT)) part = 2;
      else sections[part]!.push(lines[i]!);
    }
    if (i >= lines.length) return null; // an unterminated hunk: not git's output as we asked for it
    const resolved = resolveHunk(sections[0]!, sections[1]!, sections[2]!);
    if (resolved === null) return null;
    out.push(...resolved);
  }
  return out.join("\n");
}

function resolveHunk(ours: string[], base: string[], theirs: string[]): string[] | null {
  if (same(ours, theirs)) return ours;
  if (ours.length === base.length && theirs.length === base.length) {
    const result: string[] = [];
    for (let k = 0; k < base.length; k++) {
      if (ours[k] === base[k]) result.push(theirs[k]!);
      else if (theirs[k] === base[k] || theirs[k] === ours[k]) result.push(ours[k]!);
      else return null;
    }
    return result;
  }
  if (theirs.length === base.length) return applyInPlace(theirs, base, ours);
  if (ours.length === base.length) return applyInPlace(ours, base, theirs);
  return null;
}

// `inPlace` changed some lines of `base` without adding or removing any: make the same changes in `other`, at
// the lines it kept from `base`; null if it changed or removed one of those lines itself.
function applyInPlace(inPlace: string[], base: string[], other: string[]): string[] | null {
  const match = alignment(base, other);
  if (match === null) return null;
  const result = [...other];
  for (let k = 0; k < base.length; k++) {
    if (inPlace[k] === base[k]) continue;
    const at = match[k];
    if (at === undefined) return null;
    result[at] = inPlace[k]!;
  }
  return result;
}

// For each line of `a`, its index in `b` in a longest common subsequence (undefined when unmatched).
function alignment(a: string[], b: string[]): (number | undefined)[] | null {
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) return null;
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const match: (number | undefined)[] = new Array(a.length);
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) match[i++] = j++;
    else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) i++;
    else j++;
  }
  return match;
}

function isMarker(line: string, marker: string): boolean {
  return line.startsWith(marker) && (line.length === MARKER_SIZE || line[MARKER_SIZE] === " " || line[MARKER_SIZE] === "\r");
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, k) => line === b[k]);
}
