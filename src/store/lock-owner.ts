import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { formatScope, liveness, type ProcessIdentity, parseScope, thisProcess } from "./process-identity.js";

/**
 * The names that say who holds or waits for the `.hfs` lock: `<prefix><pid>~<host>~<nonce>[~<scope>]`.
 *
 * The identity lives in the *name*, so taking over a stale holder is one rename of that exact name: only one
 * waiter can win it, and a lock that changed hands meanwhile has another name and is never broken by mistake.
 * The scope (boot id, PID namespace, start time: see process-identity.ts) comes last, so scripts and older
 * versions that write `owner~<pid>~<host>~<nonce>` still parse; their pids are simply never judged.
 */

export const OWNER_PREFIX = "owner~";
/** A server's private folder inside the lock directory, holding the temp files of its next commit. */
export const WORK_PREFIX = "work~";

export interface NamedProcess extends ProcessIdentity {
  /** The whole entry name. */
  name: string;
  nonce: string;
}

/** A fresh name for this process: the prefix, its identity and a random nonce. */
export function nameForThisProcess(prefix: string): { name: string; nonce: string } {
  const self = thisProcess();
  const nonce = randomBytes(8).toString("hex");
  const scope = formatScope(self.scope);
  return { name: `${prefix}${self.pid}~${self.host}~${nonce}${scope ? `~${scope}` : ""}`, nonce };
}

/** The process a name stands for, or undefined when the name is not one of ours. */
export function parseName(name: string, prefix: string): NamedProcess | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const [pid, host, nonce, scopeText] = name.slice(prefix.length).split("~");
  if (pid === undefined || host === undefined || !/^\d{1,10}$/.test(pid)) return undefined;
  const scope = parseScope(scopeText);
  return { name, pid: Number(pid), host, nonce: nonce ?? "", ...(scope ? { scope } : {}) };
}

/** How a holder (or a waiter's ticket) looks from here. */
export type Standing = "held" | "stale" | "gone";

/**
 * `stale` when the process is certainly dead (judged by pid only where that means something), or when its
 * heartbeat — the entry's mtime — is older than `staleMs`; `gone` when the entry no longer exists.
 */
export function standingOf(path: string, owner: NamedProcess, staleMs: number, now = Date.now()): Standing {
  const alive = liveness(owner);
  if (alive === "dead") return "stale";
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return "gone";
  }
  // A pid checked alive is a live process; its heartbeat still decides when it has stopped beating (a process
  // paused or stuck for longer than staleMs is presumed gone: nothing else could ever free its lock).
  return now - mtimeMs > staleMs ? "stale" : "held";
}
