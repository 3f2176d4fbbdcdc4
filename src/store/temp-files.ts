import { randomBytes } from "node:crypto";
import { lstatSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { OWNER_PREFIX, parseName } from "./lock-owner.js";
import { liveness, namespaceTag, pidExists, thisProcess } from "./process-identity.js";

// `.state.md.<pid>.<random>[-<scope tag>].hfs-tmp` (a temp file), `.lock.…` (a parked lock: see parked-lock.ts)
// or `.fenced.…` (a taken-over holder's work folder on its way out), all made by tempFileName. The scope tag
// says in which PID namespace of which boot the pid means something (see process-identity.ts).
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]+(?:-([0-9a-f]{8}))?\.hfs-tmp$/;
/** A leftover whose owner cannot be judged (another PID namespace or host, or a name without a scope) this old is garbage. */
const UNJUDGED_AGE_MS = 60 * 60 * 1000;

/**
 * A fresh, unpredictable temp name beside `targetName` (hidden: `state.md` and `.lock` both give `.<name>.…`),
 * recognisable by `removeLeftovers`.
 */
export function tempFileName(targetName: string): string {
  const hidden = targetName.startsWith(".") ? targetName : `.${targetName}`;
  const tag = namespaceTag(thisProcess().scope);
  return `${hidden}.${process.pid}.${randomBytes(6).toString("hex")}${tag ? `-${tag}` : ""}.hfs-tmp`;
}

/**
 * Remove what writers that died left in `dir`: parked lock directories (judged by the owner file inside, with
 * the identity rules of process-identity.ts), fenced work folders, and temp files. What belongs to a live process
 * is left alone; what belongs to a process that cannot be judged from here (another PID namespace or host) is
 * removed only once it is an hour old — a live server whose parked lock is removed simply builds a new one.
 * Returns the names removed.
 */
export function removeLeftovers(dir: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    if (!isLeftover(path, name, { pid: Number(match[1]), tag: match[2] }, now)) continue;
    // Out of the way first, in one rename: a live owner renaming its parked lock into place at this very moment
    // wins or loses whole, and never finds half a directory.
    const away = join(dir, tempFileName(".fenced"));
    try {
      renameSync(path, away);
      rmSync(away, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another server's clean-up, or its owner, got there first.
    }
  }
  return removed;
}

function isLeftover(path: string, name: string, writer: { pid: number; tag: string | undefined }, now: number): boolean {
  if (name.startsWith(".fenced.")) return true;
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return false;
  if (!stat.isDirectory()) {
    // A plain temp file names its writer's pid, and the scope it means something in.
    const self = thisProcess();
    if (writer.tag !== undefined && writer.tag === namespaceTag(self.scope)) return !pidExists(writer.pid); // (a reused pid keeps it: safe)
    return now - stat.mtimeMs > UNJUDGED_AGE_MS;
  }
  let owner: string | undefined;
  try {
    owner = readdirSync(path).find((entry) => entry.startsWith(OWNER_PREFIX));
  } catch {
    return false;
  }
  const parsed = owner === undefined ? undefined : parseName(owner, OWNER_PREFIX);
  if (parsed === undefined) return now - stat.mtimeMs > UNJUDGED_AGE_MS;
  const alive = liveness(parsed);
  if (alive !== "unknown") return alive === "dead";
  const touched = lstatSync(join(path, owner!), { throwIfNoEntry: false })?.mtimeMs ?? stat.mtimeMs;
  return now - touched > UNJUDGED_AGE_MS;
}
