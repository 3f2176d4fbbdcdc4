import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DirLock, LOCK_DIR_NAME } from "../../src/store/index.js";
import { call, spawnServer, type ToolReply } from "../helpers/clients.js";
import { lockOwners } from "../helpers/lock-names.js";
import { entriesBesideParkedLocks, PARKED_LOCK } from "../helpers/parked-locks.js";
import { HOST } from "../helpers/processes.js";
import { tempRoot } from "../helpers/temp-root.js";
import { startLockScript } from "./lock-script.js";
import { pick } from "./scale.js";

const TIMEOUT_MS = 500;
const BOARD = [
  "# Shared State",
  "",
  "## Available Work Items",
  "",
  "- [ ] Build auth",
  "- [ ] Write docs [IP:agent-1]",
  "- [ ] Add rate limiting [IP:agent-2]",
  "",
  "## In Progress",
  "",
  "## Completed",
  "",
].join("\n");
const MEMORY = "# Agent Memory: agent-1\n\n## Scratchpad\n\nthinking\n\n## Subtasks\n\n## Notes\n";
// Rounds of "the script holds the lock, every kind of write times out" (the full run repeats them).
const ROUNDS = pick(1, 5);

async function project(): Promise<{ root: string; hfsDir: string; stateFile: string; memoryFile: string }> {
  const root = await tempRoot();
  const hfsDir = join(root, ".hfs");
  await mkdir(join(hfsDir, "agents"), { recursive: true });
  const stateFile = join(hfsDir, "state.md");
  const memoryFile = join(hfsDir, "agents", "agent-1.md");
  await writeFile(stateFile, BOARD);
  await writeFile(memoryFile, MEMORY);
  return { root, hfsDir, stateFile, memoryFile };
}

/**
 * Every file under `.hfs/` (the lock dir included) with its bytes and mtime: "nothing written" means this is
 * unchanged. Servers' parked lock directories (kept between their writes) are not part of the board.
 */
// A heartbeat is an mtime its owner touches on a timer (the lock's owner file every 2 s, a server's presence
// record every 5 s), not a write: its bytes must stay, its mtime may move.
function isHeartbeat(prefix: string, name: string): boolean {
  return name.startsWith("owner~") || prefix === "presence/";
}

async function snapshot(dir: string, prefix = ""): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (PARKED_LOCK.test(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await snapshot(path, `${prefix}${entry.name}/`));
    else
      files[`${prefix}${entry.name}`] =
        `${(await readFile(path)).toString("base64")} @${isHeartbeat(prefix, entry.name) ? "" : (await stat(path)).mtimeMs}`;
  }
  return files;
}

async function timed(run: () => Promise<ToolReply>): Promise<{ reply: ToolReply; ms: number }> {
  const started = performance.now();
  const reply = await run();
  return { reply, ms: performance.now() - started };
}

describe("lock protocol interop with a bash script (docs/lock-protocol.md)", () => {
  it(`while the script holds the lock, writes answer lock_timeout after >= ${TIMEOUT_MS} ms and write nothing; reads answer; after release writes succeed`, async () => {
    const { root, hfsDir, stateFile } = await project();
    const servers = await Promise.all(
      ["agent-1", "agent-2"].map((id) => spawnServer(["--root", root, "--agent-id", id, "--lock-timeout-ms", String(TIMEOUT_MS)])),
    );
    const [one, two] = [servers[0]!.client, servers[1]!.client];
    const timeouts: number[] = [];
    const readMs: number[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const script = startLockScript(hfsDir);
      expect(await script.nextLine()).toBe("held");
      // The script's lock is the one the README describes: `.hfs/.lock/owner~<pid>~<host>~<nonce>`, nothing else.
      const owners = await readdir(join(hfsDir, LOCK_DIR_NAME));
      expect(owners).toEqual([expect.stringMatching(new RegExp(`^owner~${script.pid}~${HOST.replace(/\./g, "\\.")}~\\d+$`))]);
      const before = await snapshot(hfsDir);

      // Every kind of write, from both servers at once, while the lock is held.
      const writes = await Promise.all([
        timed(() => call(one, "claim_item", { description: "Build auth" })),
        timed(() => call(two, "claim_item", { description: "Build auth" })),
        timed(() => call(one, "complete_item", { description: "Write docs" })),
        timed(() => call(two, "release_item", { description: "Add rate limiting" })),
        timed(() => call(two, "add_item", { description: `Round ${round} follow-up` })),
        timed(() => call(one, "update_agent_memory", { section: "notes", content: "remember this" })),
        timed(() => call(two, "update_agent_memory", { section: "notes", content: "a new memory file" })),
      ]);
      // Reads take no lock: they answer at once, with the board as it is.
      const read = await timed(() => call(one, "get_work_items"));
      const memory = await timed(() => call(one, "get_agent_memory"));
      readMs.push(read.ms, memory.ms);

      for (const { reply, ms } of writes) {
        expect(reply.isError).toBe(true);
        expect(reply.data).toMatchObject({ success: false, reason: "lock_timeout" });
        expect(reply.data.hint).toBeTypeOf("string");
        expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
        timeouts.push(ms);
      }
      expect(read.reply.data.counts).toEqual({ available: 1, in_progress: 2, completed: 0, ready: 1 });
      expect(
        read.reply.data.items.map((item: { description: string; claimed_by: string | null }) => [item.description, item.claimed_by]),
      ).toEqual([
        ["Build auth", null],
        ["Write docs", "agent-1"],
        ["Add rate limiting", "agent-2"],
      ]);
      expect(memory.reply.data.content).toBe(MEMORY);
      expect(read.ms).toBeLessThan(TIMEOUT_MS);
      // Nothing written: every file byte- and mtime-identical, no new file, the script still the holder.
      expect(await snapshot(hfsDir)).toEqual(before);
      expect(await readFile(stateFile, "utf8")).toBe(BOARD);

      await script.release();
      expect(await readdir(hfsDir)).not.toContain(LOCK_DIR_NAME);
      expect(
        (await readdir(hfsDir)).filter((name) => name.startsWith(`${LOCK_DIR_NAME}.${script.pid}.`)),
        "the script's private dir",
      ).toEqual([]);
    }

    // Released: the same calls go through.
    const claimed = await call(one, "claim_item", { description: "Build auth" });
    expect(claimed.data).toEqual({ success: true, description: "Build auth", status: "in_progress", claimed_by: "agent-1", line: 5 });
    const added = await call(two, "add_item", { description: "After the script" });
    expect(added.data).toMatchObject({ success: true, line: 8 });
    expect(await readFile(stateFile, "utf8")).toBe(
      BOARD.replace("- [ ] Build auth", "- [ ] Build auth [IP:agent-1]").replace(
        "- [ ] Add rate limiting [IP:agent-2]\n",
        "- [ ] Add rate limiting [IP:agent-2]\n- [ ] After the script\n",
      ),
    );
    expect(await entriesBesideParkedLocks(hfsDir)).toEqual(["agents", "log.md", "presence", "state.md"]);

    console.log(
      `FIGURES lock-interop: ${timeouts.length} writes under the script's lock answered lock_timeout after ` +
        `${Math.min(...timeouts).toFixed(0)}-${Math.max(...timeouts).toFixed(0)} ms (timeout ${TIMEOUT_MS} ms), bytes written 0, ` +
        `reads answered in ${Math.max(...readMs).toFixed(0)} ms at most; after release: claim and add succeeded`,
    );
  });

  it("a server's write waits for the script, then applies to the version the script wrote under the lock", async () => {
    const { root, hfsDir, stateFile } = await project();
    const server = await spawnServer(["--root", root, "--agent-id", "agent-3", "--lock-timeout-ms", "20000"]);
    await call(server.client, "get_work_items"); // warm: the first call loads the parser

    const script = startLockScript(hfsDir);
    expect(await script.nextLine()).toBe("held");
    let answeredAt: number | undefined;
    const startedAt = performance.now();
    const claim = call(server.client, "claim_item", { description: "Build auth" }).then((reply) => {
      answeredAt = performance.now();
      return reply;
    });
    // While the script holds the lock a person edits the board the safe way: temp file, then rename over it.
    await sleep(300);
    const edited = BOARD.replace("- [ ] Build auth", "Auth first, said the lead.\n\n- [ ] Build auth").replace(
      "## Completed\n",
      "## Completed\n\n- [x] Set up CI\n",
    );
    await writeFile(join(hfsDir, "state.md.edit"), edited);
    await rename(join(hfsDir, "state.md.edit"), stateFile);
    await sleep(400);
    expect(answeredAt, "the claim went through while the script held the lock").toBeUndefined();
    expect(await readFile(stateFile, "utf8")).toBe(edited);

    const releasedAt = performance.now();
    await script.release();
    const reply = await claim;
    const waitedMs = answeredAt! - startedAt;
    const afterReleaseMs = answeredAt! - releasedAt;
    expect(reply.data).toEqual({ success: true, description: "Build auth", status: "in_progress", claimed_by: "agent-3", line: 7 });
    expect(waitedMs).toBeGreaterThanOrEqual(700);
    expect(await readFile(stateFile, "utf8")).toBe(edited.replace("- [ ] Build auth", "- [ ] Build auth [IP:agent-3]"));
    expect(await entriesBesideParkedLocks(hfsDir)).toEqual(["agents", "log.md", "presence", "state.md"]);
    console.log(
      `FIGURES lock-interop (wait): a claim waited ${waitedMs.toFixed(0)} ms behind the script and went through ` +
        `${afterReleaseMs.toFixed(0)} ms after the script's release (release includes the script's exit), on the script's edit`,
    );
  });

  it("the script waits while a server-side holder has the lock, and gets it once that holder lets go", async () => {
    const { hfsDir } = await project();
    const serverSide = new DirLock({ dir: hfsDir, timeoutMs: 5_000 });
    const lease = await serverSide.acquire();
    const script = startLockScript(hfsDir);
    let heldAt: number | undefined;
    const held = script.nextLine().then((line) => {
      heldAt = performance.now();
      return line;
    });
    await sleep(500);
    expect(heldAt, "the script took a lock that was held").toBeUndefined();
    expect(await lockOwners(hfsDir)).toEqual([expect.stringMatching(new RegExp(`^owner~${process.pid}~`))]);
    // Its private directory waits beside the lock, holding its owner file.
    const staging = (await readdir(hfsDir)).filter((name) => name.startsWith(`${LOCK_DIR_NAME}.${script.pid}.`));
    expect(staging).toHaveLength(1);

    const releasedAt = performance.now();
    lease.release();
    expect(await held).toBe("held");
    const takenMs = heldAt! - releasedAt;
    expect(await readdir(join(hfsDir, LOCK_DIR_NAME))).toEqual([expect.stringMatching(new RegExp(`^owner~${script.pid}~`))]);
    // Servers now wait for it.
    const other = new DirLock({ dir: hfsDir, timeoutMs: 300 });
    await expect(other.acquire()).rejects.toThrow(/300/);
    await script.release();
    serverSide.dispose();
    other.dispose();
    expect((await readdir(hfsDir)).sort()).toEqual(["agents", "state.md"]);
    console.log(
      `FIGURES lock-interop (script waits): the script took the lock ${takenMs.toFixed(0)} ms after the server-side holder released it`,
    );
    expect(takenMs).toBeLessThan(2_000);
  });

  it("a signal file makes the script let go too", async () => {
    const { hfsDir } = await project();
    const signal = join(hfsDir, "..", "stop-holding");
    const script = startLockScript(hfsDir, signal);
    expect(await script.nextLine()).toBe("held");
    await sleep(100);
    expect(await readdir(hfsDir)).toContain(LOCK_DIR_NAME);
    await writeFile(signal, "");
    expect(await script.nextLine()).toBe("released");
    expect(await script.exited).toEqual({ code: 0, signal: null });
    expect(await readdir(hfsDir)).not.toContain(LOCK_DIR_NAME);
  });
});
