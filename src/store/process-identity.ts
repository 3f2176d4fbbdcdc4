import { createHash } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who a process is, as far as another process can ever check it, and how to tell whether one is still alive.
 *
 * Why not just `kill(pid, 0)`: a pid means something only inside one PID namespace of one boot of one kernel.
 * Two servers with the same host name in different PID namespaces (containers with host networking,
 * `unshare --pid`, two machines of one name on a shared disk) each judged the other's live pid dead and took
 * the lock over at once: 1,458 takeovers of live holders in 3,600 calls, one item won twice, one claim lost
 * (measured on 0.1.0). And a pid reused by an unrelated process reads as alive. So a process's *scope* — boot id,
 * PID namespace and its own start time — travels with its pid, and a pid is judged only by a process that
 * shares the host, the boot and the namespace, and only as the process that started at that time. Everywhere
 * else, nothing but a heartbeat can say a process is gone.
 */

/** This host's name as lock and ticket names carry it: only `A-Za-z0-9.-`, the rest becomes `_`. */
export const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, "_") || "localhost";

/** `<boot>.<pid namespace>.<start time>` of a process: what makes its pid mean one process. */
export interface Scope {
  boot: string;
  pidNamespace: string;
  startTime: string;
}

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Absent where it cannot be read (no /proc, or a /proc of another namespace): then only heartbeats count. */
  scope?: Scope;
}

/** What a look at a process can say. `unknown`: it cannot be checked from here; a heartbeat must decide. */
export type Liveness = "alive" | "dead" | "unknown";

let own: ProcessIdentity | undefined;

/** This process. Read once: none of it changes while the process runs. */
export function thisProcess(): ProcessIdentity {
  own ??= { pid: process.pid, host: HOST, ...optionalScope(readScope()) };
  return own;
}

/** The scope as it appears in names: `<boot>.<pidns>.<start>`, or "" without one. */
export function formatScope(scope: Scope | undefined): string {
  return scope === undefined ? "" : `${scope.boot}.${scope.pidNamespace}.${scope.startTime}`;
}

/** The scope of a name's scope field, or undefined when it is missing or malformed. */
export function parseScope(text: string | undefined): Scope | undefined {
  const match = text === undefined ? null : /^([0-9a-f]{8,32})\.(\d{1,20})\.(\d{1,20})$/.exec(text);
  if (!match) return undefined;
  return { boot: match[1]!, pidNamespace: match[2]!, startTime: match[3]! };
}

/**
 * Whether the process `other` describes is alive, judged from this process: `unknown` unless both share the
 * host, the boot and the PID namespace (and this process can read its own namespace's /proc).
 */
export function liveness(other: ProcessIdentity): Liveness {
  const self = thisProcess();
  if (other.host !== self.host || self.scope === undefined || other.scope === undefined) return "unknown";
  if (other.scope.boot !== self.scope.boot || other.scope.pidNamespace !== self.scope.pidNamespace) return "unknown";
  if (other.pid === self.pid) return other.scope.startTime === self.scope.startTime ? "alive" : "dead";
  const startTime = startTimeOf(other.pid);
  if (startTime === undefined) return pidExists(other.pid) ? "unknown" : "dead";
  // Same pid, other start time: the holder is gone and its pid was given to someone else.
  return startTime === other.scope.startTime ? "alive" : "dead";
}

function optionalScope(scope: Scope | undefined): { scope?: Scope } {
  return scope === undefined ? {} : { scope };
}

function readScope(): Scope | undefined {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().replace(/-/g, "").slice(0, 16);
    const pidNamespace = /^pid:\[(\d+)\]$/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    const stat = readStat("self");
    // A /proc mounted for another PID namespace (`unshare --pid` without `--mount-proc`) numbers processes
    // differently from our own pid: reading other pids there would judge the wrong processes.
    if (stat === undefined || stat.pid !== process.pid || pidNamespace === undefined || !/^[0-9a-f]{16}$/.test(boot)) {
      return undefined;
    }
    return { boot, pidNamespace, startTime: stat.startTime };
  } catch {
    return undefined; // no /proc (macOS, Windows): pids are never judged, heartbeats decide
  }
}

function startTimeOf(pid: number): string | undefined {
  return readStat(String(pid))?.startTime;
}

// /proc/<pid>/stat: `pid (comm) state …`; comm may hold spaces and parentheses, so fields are counted after the
// last `)`. Field 22 is the start time in clock ticks since boot.
function readStat(which: string): { pid: number; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${which}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  const startTime = fields[19];
  const pid = Number(text.slice(0, text.indexOf(" ")));
  return startTime === undefined || !/^\d+$/.test(startTime) ? undefined : { pid, startTime };
}

/**
 * Eight hex digits naming a scope's boot and PID namespace (not the start time), for names too short for the
 * whole scope: a pid beside the same tag can be looked up here. "" without a scope.
 */
export function namespaceTag(scope: Scope | undefined): string {
  return scope === undefined ? "" : createHash("sha256").update(`${scope.boot}.${scope.pidNamespace}`).digest("hex").slice(0, 8);
}

/** Whether a process with this pid exists in this PID namespace (EPERM: it exists but is another user's). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
