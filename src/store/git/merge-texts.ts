import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempFileName } from "../temp-files.js";
import { GitCommandError, runGit } from "./git-runner.js";
import { MARKER_SIZE, refineConflicts } from "./refine-conflicts.js";

export type MergeResult = { clean: true; text: string } | { clean: false };

/**
 * A three-way merge of one file with `git merge-file`: `base` is the version both sides started from, `ours`
 * and `theirs` what each made of it. Clean when the two sides changed different lines (or made the same
 * change) — including lines next to each other, which git alone calls a conflict (see refine-conflicts.ts);
 * otherwise the caller keeps both. The three versions go to temp files in `tempDir`, removed after.
 */
export async function mergeTexts(
  texts: { ours: string; base: string; theirs: string },
  options: { tempDir: string; timeoutMs: number },
): Promise<MergeResult> {
  const dir = join(options.tempDir, tempFileName("merge").slice(1)); // merge.<pid>.<random>[-<tag>].hfs-tmp
  mkdirSync(dir, { recursive: true });
  try {
    const files = (["ours", "base", "theirs"] as const).map((name) => {
      const path = join(dir, name);
      writeFileSync(path, texts[name]);
      return path;
    });
    const args = ["merge-file", "-p", "--diff3", `--marker-size=${MARKER_SIZE}`, "-L", "mirror", "-L", "synced", "-L", "remote"];
    const result = await runGit([...args, ...files], {
      cwd: dir,
      timeoutMs: options.timeoutMs,
    });
    // The exit code is the number of conflicts (0: clean); a negative one (255 here) is an error.
    if (result.code === 0) return { clean: true, text: result.stdout.toString("utf8") };
    if (result.code !== null && result.code > 0 && result.code < 128) {
      const refined = refineConflicts(result.stdout.toString("utf8"));
      return refined === null ? { clean: false } : { clean: true, text: refined };
    }
    throw new GitCommandError(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
