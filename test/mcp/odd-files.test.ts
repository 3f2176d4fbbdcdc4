import { execFileSync } from "node:child_process";
import { appendFileSync, truncateSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { historyLine } from "../../src/board/history.js";
import { call, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";

/**
 * Issue 10, "Only regular files, never blocking" and "The log is safe at any size", through spawned servers. On
 * 0.1.0: a FIFO at .hfs/log.md hung every server inside the lock (and they ignored SIGTERM), get_work_items too;
 * a directory there made every get_work_items fail (EISDIR); a 564 MB log failed the first call with
 * ERR_STRING_TOO_LONG and then every claim's time was unknown.
 */

const BOARD = "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n- [ ] Write docs\n";

async function rootWithLog(make: (log: string) => Promise<void> | void): Promise<string> {
  const root = await tempRoot();
  await mkdir(join(root, ".hfs"));
  await writeFile(join(root, ".hfs", "state.md"), BOARD);
  await make(join(root, ".hfs", "log.md"));
  return root;
}

function exitWithin(pid: number, signal: NodeJS.Signals, ms: number): Promise<number> {
  const started = Date.now();
  process.kill(pid, signal);
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      try {
        process.kill(pid, 0);
        if (Date.now() - started > ms) {
          clearInterval(poll);
          reject(new Error(`pid ${pid} still running ${ms} ms after ${signal}`));
        }
      } catch {
        clearInterval(poll);
        resolve(Date.now() - started);
      }
    }, 20);
  });
}

describe("a FIFO or a directory at .hfs/log.md", () => {
  for (const [what, make] of [
    ["a FIFO", (log: string) => void execFileSync("mkfifo", [log])],
    ["a directory", (log: string) => mkdir(log)],
  ] as const) {
    it(`${what}: reads and writes answer, the log is skipped with a warning, orphan review says why it cannot work, SIGTERM ends the server`, async () => {
      const root = await rootWithLog(make);
      const server = await spawnServer(["--root", root, "--agent-id", "alpha"], { HFS_LOCK_TIMEOUT_MS: "3000" });
      const listed = await call(server.client, "get_work_items");
      expect(listed.isError, listed.text).toBe(false);
      expect(listed.data.counts).toEqual({ available: 2, in_progress: 0, completed: 0, ready: 2 });
      const claimed = await call(server.client, "claim_item", { description: "Build auth" });
      expect(claimed.isError, claimed.text).toBe(false);
      expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toContain("- [ ] Build auth [IP:alpha]");
      const orphans = await call(server.client, "get_work_items", { older_than_minutes: 60 });
      expect(orphans.data).toMatchObject({ success: false, reason: "file_error" });
      expect(orphans.data.message).toMatch(/claim times are unknown/);
      expect(server.stderr()).toMatch(/log\.md/);
      const ms = await exitWithin(server.pid!, "SIGTERM", 2_000);
      console.log(`FIGURES odd log (${what}): calls answered, SIGTERM to exit ${ms} ms`);
    });
  }
});

describe("a gigantic log", () => {
  it("costs the first call one bounded read: claim times from its end are known, none fail", async () => {
    const root = await rootWithLog(async (log) => {
      await writeFile(log, "# HFS Log\n\n");
      truncateSync(log, 600 * 1024 * 1024); // 600 MB (sparse: no disk is used)
      appendFileSync(
        log,
        `\n${historyLine({ agent: "alpha", action: "claim", description: "Build auth" }, new Date(Date.UTC(2026, 0, 1)))}\n`,
      );
    });
    await writeFile(join(root, ".hfs", "state.md"), BOARD.replace("Build auth", "Build auth [IP:alpha]"));
    const server = await spawnServer(["--root", root, "--agent-id", "bravo"]);
    const started = performance.now();
    const listed = await call(server.client, "get_work_items");
    const ms = performance.now() - started;
    console.log(`FIGURES gigantic log: 600 MB log.md, first get_work_items ${ms.toFixed(0)} ms`);
    expect(listed.isError, listed.text).toBe(false);
    expect(listed.data.items[0]).toMatchObject({ description: "Build auth", claimed_by: "alpha", claimed_at: "2026-01-01T00:00:00.000Z" });
    expect(ms).toBeLessThan(5_000);
    expect((await call(server.client, "claim_item", { description: "Write docs" })).isError).toBe(false);
  });
});
