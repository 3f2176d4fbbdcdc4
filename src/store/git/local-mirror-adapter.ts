import { lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../atomic-write.js";
import { DirLock, LOCK_DIR_NAME, TURN_DIR_NAME } from "../dir-lock.js";
import { symlinkError } from "../file-error.js";
import { hfsPaths } from "../hfs-paths.js";
import { readStrict } from "../strict-read.js";
import { removeOrphanTempFiles } from "../temp-files.js";
import type { LocalMirror } from "./local-mirror.js";

export interface LocalMirrorOptions {
  root: string;
  lockTimeoutMs: number;
  lockStaleMs?: number;
}

// The same turn delay as the local store's (store.ts): same-machine servers share the lock the same way.
const TURN_AFTER_MS = 50;
// Memory file names the board rules accept (board/validate.ts checks ids; the store layer cannot import it).
const MEMORY_FILE = /^[a-z0-9][a-z0-9_-]{0,63}\.md$/;

// What the lock keeps in `.hfs/` between writes (see dir-lock.ts): nothing of the board's.
const PARKED = /^\.lock(?:-turn)?\.\d+\.[0-9a-f]+\.hfs-tmp$/;

/** Thrown inside a write to abort it before the rename: the file changed since it was read. */
class ChangedMeanwhile extends Error {}

/**
 * The local mirror on today's local-store primitives: the `.hfs` DirLock (the lock protocol every hfs-mcp
 * process and script follows), writeFileAtomic (temp + fsync + rename + directory fsync) and readStrict.
 * The one file to re-implement when the local store changes.
 */
export function localMirror(options: LocalMirrorOptions): LocalMirror {
  const paths = hfsPaths(options.root);
  const lock = new DirLock({
    dir: paths.hfsDir,
    timeoutMs: options.lockTimeoutMs,
    staleMs: options.lockStaleMs,
    turnAfterMs: TURN_AFTER_MS,
  });
  const checkDirs = () => {
    for (const dir of [paths.hfsDir, paths.agentsDir]) {
      if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) throw symlinkError(dir);
    }
  };
  return {
    paths,
    async withLock(work) {
      checkDirs();
      // A sync that finds no board anywhere leaves no trace of having looked (as a local read creates nothing).
      const created = mkdirSync(paths.hfsDir, { recursive: true }) !== undefined;
      const lease = await lock.acquire();
      try {
        return await work();
      } finally {
        const untouched = created && readdirSync(paths.hfsDir).every((name) => name === LOCK_DIR_NAME || PARKED.test(name));
        lease.release();
        if (untouched) {
          lock.dispose();
          try {
            rmdirSync(paths.hfsDir); // only if empty: another server's parked lock stays, and so does the folder
          } catch {
            // Not empty: someone else is using it.
          }
        }
      }
    },
    writeFile(file, text, writeOptions = {}) {
      checkDirs();
      const expected = writeOptions.unlessChangedFrom;
      const current = readStrict(file);
      if (expected !== undefined && (current?.text ?? null) !== expected) return false;
      if (text === null) {
        rmSync(file, { force: true });
        return true;
      }
      mkdirSync(dirname(file), { recursive: true });
      try {
        writeFileAtomic(file, text, {
          mode: current?.mode,
          beforeCommit: () => {
            if (expected !== undefined && (readStrict(file)?.text ?? null) !== expected) throw new ChangedMeanwhile();
          },
        });
        return true;
      } catch (error) {
        if (error instanceof ChangedMeanwhile) return false;
        throw error;
      }
    },
    readFile(file) {
      checkDirs();
      return readStrict(file)?.text ?? null;
    },
    memoryFiles() {
      checkDirs();
      try {
        return readdirSync(paths.agentsDir)
          .filter((name) => MEMORY_FILE.test(name))
          .sort()
          .map((name) => paths.agentFile(name.slice(0, -".md".length)));
      } catch {
        return []; // no .hfs/agents yet
      }
    },
    async removeOrphanTempFiles() {
      const removed = await removeOrphanTempFiles(paths.hfsDir);
      if (lock.removeDeadTurn()) removed.push(TURN_DIR_NAME);
      return removed.concat(await removeOrphanTempFiles(paths.agentsDir));
    },
    close() {
      lock.dispose();
    },
  };
}
