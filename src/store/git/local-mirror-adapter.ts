import { lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { basename, dirname } from "node:path";
import { commitCreate, commitReplace, syncDirectory, writeTemp } from "../atomic-write.js";
import { DirLock, LOCK_DIR_NAME, type LockLease } from "../dir-lock.js";
import { symlinkError } from "../file-error.js";
import { hfsPaths } from "../hfs-paths.js";
import { QUEUE_DIR_NAME } from "../lock-queue.js";
import { readStrict } from "../strict-read.js";
import { removeLeftovers } from "../temp-files.js";
import type { LocalMirror } from "./local-mirror.js";

export interface LocalMirrorOptions {
  root: string;
  lockTimeoutMs: number;
  lockStaleMs?: number;
  notice?: (message: string) => void;
}

// Memory file names the board rules accept (board/validate.ts checks ids; the store layer cannot import it).
const MEMORY_FILE = /^[a-z0-9][a-z0-9_-]{0,63}\.md$/;

// What the lock keeps in `.hfs/` between writes (see parked-lock.ts, lock-queue.ts): nothing of the board's.
const PARKED = /^\.lock\.\d+\.[0-9a-f]+(?:-[0-9a-f]{8})?\.hfs-tmp$/;

/**
 * The local mirror on the local store's primitives: the `.hfs` DirLock (the lock protocol every hfs-mcp process
 * and script follows), temp files committed from the lock's work folder (so a server that lost the lock cannot
 * commit: the fence of dir-lock.ts), and strict reads. The one file to re-implement when the local store changes.
 */
export function localMirror(options: LocalMirrorOptions): LocalMirror {
  const paths = hfsPaths(options.root);
  const lock = new DirLock({
    dir: paths.hfsDir,
    timeoutMs: options.lockTimeoutMs,
    staleMs: options.lockStaleMs,
    onTakeover: options.notice,
  });
  let held: LockLease | undefined;
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
      held = lease;
      try {
        return await work();
      } finally {
        held = undefined;
        const untouched =
          created && readdirSync(paths.hfsDir).every((name) => name === LOCK_DIR_NAME || name === QUEUE_DIR_NAME || PARKED.test(name));
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
      if (!held) throw new Error("localMirror.writeFile outside withLock");
      const expected = writeOptions.unlessChangedFrom;
      const current = readStrict(file);
      if (expected !== undefined && (current?.text ?? null) !== expected) return false;
      if (text === null) {
        rmSync(file, { force: true });
        return true;
      }
      mkdirSync(dirname(file), { recursive: true });
      const temp = writeTemp(held.workDir, basename(file), text, current?.mode);
      try {
        // One last look before the rename: a person's save made meanwhile wins.
        if (expected !== undefined && (readStrict(file)?.text ?? null) !== expected) return false;
        if (current === null) commitCreate(temp, file);
        else commitReplace(temp, file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return false; // created meanwhile: theirs stands
        throw error; // ENOENT: fenced (the lock was taken over while this server was paused)
      } finally {
        rmSync(temp.path, { force: true });
      }
      syncDirectory(dirname(file));
      return true;
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
      const removed = removeLeftovers(paths.hfsDir).concat(removeLeftovers(paths.agentsDir));
      const tickets = lock.removeDeadTickets();
      return tickets > 0 ? [...removed, `${tickets} queue ticket(s)`] : removed;
    },
    close() {
      lock.dispose();
    },
  };
}
