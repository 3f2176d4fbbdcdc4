import { spawnSync } from "node:child_process";
import { hostname } from "node:os";

/** This host's name as the lock protocol writes it in owner file names (docs/lock-protocol.md). */
export const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, "_") || "localhost";

/** A pid that certainly belonged to a process of this host and is now dead (it ran and exited). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  if (typeof child.pid !== "number") throw new Error("could not run a short-lived child process");
  return child.pid;
}
