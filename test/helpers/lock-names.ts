import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { formatScope, namespaceTag, thisProcess } from "../../src/store/process-identity.js";
import { deadPid, HOST } from "./processes.js";

/** This process's scope as lock names carry it (`<boot>.<pidns>.<start>`), or "" where /proc cannot say. */
export const OWN_SCOPE = formatScope(thisProcess().scope);

/** An owner file name for a holder in another PID namespace of this host (its pid cannot be judged from here). */
export function foreignOwner(pid = 1, nonce = "00000000f0e1d2c3"): string {
  const [boot = "0123456789abcdef"] = OWN_SCOPE.split(".");
  return `owner~${pid}~${HOST}~${nonce}~${boot}.4026530000.12345`;
}

/** An owner file name for a holder in this PID namespace whose process is dead. */
export function deadOwner(nonce = "0123456789abcdef"): string {
  return `owner~${deadPid()}~${HOST}~${nonce}~${OWN_SCOPE}`;
}

/** An owner file name for a live pid (this process's) that started at another time: the pid was reused. */
export function reusedPidOwner(nonce = "00000000deadbeef"): string {
  const [boot, pidns] = OWN_SCOPE.split(".");
  return `owner~${process.pid}~${HOST}~${nonce}~${boot}.${pidns}.1`;
}

/** A temp file name as a writer with this pid, in this PID namespace, would make it beside `target`. */
export function tempName(target: string, pid: number): string {
  const tag = namespaceTag(thisProcess().scope);
  return `.${target}.${pid}.0a1b2c3d4e5f${tag ? `-${tag}` : ""}.hfs-tmp`;
}

/** The owner files in `.hfs/.lock/` (a server's lock also holds its work folder), or [] when it is free. */
export async function lockOwners(hfsDir: string): Promise<string[]> {
  const names = await readdir(join(hfsDir, ".lock")).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith("owner~"));
}
