import { afterEach } from "vitest";

/**
 * What runs after every test, in a fixed order: first the processes a test started (servers, fixture programs),
 * then the services they may still talk to as they stop (git daemons, sockets), then the folders it made. Why one hook owns the order: Vitest runs after-hooks in reverse
 * order of registration, which follows the order helpers are imported in, and in a test file that imported
 * clients.ts before temp-root.ts the folders went first, under servers still running. A running server writes
 * into its `.hfs/` (its presence heartbeat puts back a record it finds gone, a stopping one renames its record
 * to `.left`), and the removal failed with ENOTEMPTY: once in a full stress run of 64 servers.
 */
export type Stage = "processes" | "services" | "folders";

const stages: Record<Stage, (() => Promise<unknown> | unknown)[]> = { processes: [], services: [], folders: [] };

/** Run `step` after every test, with the others of its stage, all of them before the next stage. */
export function afterEachTest(stage: Stage, step: () => Promise<unknown> | unknown): void {
  stages[stage].push(step);
}

afterEach(async () => {
  for (const stage of ["processes", "services", "folders"] as const) await Promise.all(stages[stage].map((step) => step()));
});
