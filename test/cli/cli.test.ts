import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_PATH, call, spawnServer } from "../helpers/clients.js";
import { tempName } from "../helpers/lock-names.js";
import { entriesBesideParkedLocks, PARKED_LOCK } from "../helpers/parked-locks.js";
import { type Finished, runToEnd } from "../helpers/programs.js";
import { tempRoot } from "../helpers/temp-root.js";
import { eventually } from "../mcp/resources/support.js";
import { expectFailure, holdLock, snapshotTree } from "../mcp/tools/support.js";

// These tests run the built server as users do (`npm test` builds first; alone: `npm run build`).
beforeAll(() => {
  if (!existsSync(CLI_PATH)) throw new Error(`\`${CLI_PATH}\` does not exist: run \`npm run build\` before these tests`);
});

/** How a board the server creates begins, up to its first item. */
const NEW_BOARD_HEAD =
  "# Shared State\n\n" +
  "<!-- Each task line is a work item: `- [ ]` open, `- [ ] ... [IP:agent]` claimed by that agent, `- [x]` done.\n" +
  "     An item stays where it is whatever its status; add sections of your own to group work. -->\n\n" +
  "## Available Work Items\n\n";

/** What get_work_items adds to an item nothing waits for and nobody holds. */
const UNBLOCKED = { claimed_by: null, claimed_at: null, blocked_by: [], holder_online: null, holder_offline_since: null };

/** Like spawnServer, but in a chosen working directory. */
function spawnIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  return spawnServer(args, env, { cwd });
}

/** Run the CLI to completion with exactly this environment (no HFS_* inherited), stdin closed. */
function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Finished> {
  return runToEnd(process.execPath, [CLI_PATH, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    timeoutMs: 20_000,
    closeStdin: true,
  });
}

describe("hfs-mcp over stdio", () => {
  it("runs the whole flow (add, claim, complete, release, memory) with the files checked, and survives bad calls", async () => {
    const root = await tempRoot();
    const { client, stderr, pid } = await spawnServer(["--root", root, "--agent-id", "alpha"]);
    expect((await call(client, "add_item", { description: "Build auth" })).data).toEqual({
      success: true,
      description: "Build auth",
      status: "available",
      line: 8,
      section: "Available Work Items",
    });
    expect((await call(client, "add_item", { description: "Write docs" })).data).toMatchObject({ success: true, line: 9 });
    expect((await call(client, "claim_item", { description: "Build auth" })).data).toEqual({
      success: true,
      description: "Build auth",
      status: "in_progress",
      claimed_by: "alpha",
      line: 8,
    });
    expect((await call(client, "claim_item", { description: "Write docs" })).data).toMatchObject({ success: true });
    expect((await call(client, "complete_item", { description: "Build auth" })).data).toEqual({
      success: true,
      description: "Build auth",
      status: "completed",
      line: 8,
    });
    expect((await call(client, "release_item", { description: "Write docs" })).data).toEqual({
      success: true,
      description: "Write docs",
      status: "available",
      line: 9,
      previous_holder: "alpha",
    });
    expect((await call(client, "update_agent_memory", { section: "notes", content: "auth done" })).data).toEqual({
      success: true,
      agent_id: "alpha",
      section: "notes",
      preview: "auth done",
    });
    expect((await call(client, "get_agent_memory")).data).toMatchObject({ success: true, sections: { notes: "auth done" } });
    expect((await call(client, "get_work_items")).data).toEqual({
      success: true,
      items: [
        { ...UNBLOCKED, description: "Build auth", status: "completed", ready: false, line: 8, section: "Available Work Items" },
        { ...UNBLOCKED, description: "Write docs", status: "available", ready: true, line: 9, section: "Available Work Items" },
      ],
      counts: { available: 1, in_progress: 0, completed: 1, ready: 1 },
    });

    // A new board: the template (src/markdown/board-template.ts), one section, the two items in it.
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(`${NEW_BOARD_HEAD}- [x] Build auth\n- [ ] Write docs\n`);
    expect(await readFile(join(root, ".hfs", "agents", "alpha.md"), "utf8")).toBe(
      "# Agent Memory: alpha\n\n## Scratchpad\n\n## Subtasks\n\n## Notes\n\nauth done\n",
    );
    // No lock or temp file is left behind; the server's parked lock dir is its own, named by its pid. Its
    // presence record appeared with the first write (the one that created .hfs/).
    expect(await entriesBesideParkedLocks(join(root, ".hfs"))).toEqual(["agents", "log.md", "presence", "state.md"]);
    expect(await readdir(join(root, ".hfs", "presence"))).toEqual([expect.stringMatching(new RegExp(`^alpha~${pid}~`))]);
    // The history, one line per board write, in order.
    const history = (await readFile(join(root, ".hfs", "log.md"), "utf8")).split("\n").filter((line) => line.startsWith("- "));
    expect(history.map((line) => line.replace(/^- \S+ /, ""))).toEqual([
      'alpha add "Build auth"',
      'alpha add "Write docs"',
      'alpha claim "Build auth"',
      'alpha claim "Write docs"',
      'alpha complete "Build auth"',
      'alpha release "Write docs"',
    ]);
    expect((await readdir(join(root, ".hfs"))).filter((name) => PARKED_LOCK.test(name))).toEqual([
      expect.stringMatching(new RegExp(`^\\.lock\\.${pid}\\.`)),
    ]);
    await eventually(() => expect(stderr()).toContain(`serving ${root} as alpha`));

    // Bad calls come back structured, change nothing, and the process keeps serving.
    await expectFailure(client, root, "claim_item", { description: "Write docs", line: "x" }, "invalid_input");
    await expectFailure(client, root, "claim_item", { description: "Write docs", agent_id: "bravo" }, "agent_mismatch");
    await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "n".repeat(70_000) }, "invalid_input");
    await expectFailure(client, root, "no_such_tool", {}, "invalid_input");
    expect((await call(client, "claim_item", { description: "Write docs" })).data).toMatchObject({ success: true });
    expect(pid).not.toBeNull();
    expect(() => process.kill(pid!, 0)).not.toThrow();
  });

  it("writes nothing but JSON-RPC to stdout, and its startup line to stderr", async () => {
    const root = await tempRoot();
    const child = spawn(process.execPath, [CLI_PATH, "--root", root, "--agent-id", "alpha"], { env: { PATH: process.env.PATH ?? "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const responses = () => stdout.split("\n").filter((line) => line.trim() !== "");

    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    await eventually(() => expect(responses().length).toBeGreaterThanOrEqual(1));
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "claim_item", arguments: { description: "x", line: "x" } } });
    send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "claim_item", arguments: { description: "Nothing here" } } });
    send({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "add_item", arguments: { description: "Build auth" } } });
    await eventually(() => expect(responses().length).toBeGreaterThanOrEqual(5));
    child.stdin.end();
    expect(await exited).toBe(0);
    // A clean exit takes its parked lock dir along: only the board is left, and the record of when alpha left.
    expect((await readdir(join(root, ".hfs"))).sort()).toEqual(["log.md", "presence", "state.md"]);
    expect(await readdir(join(root, ".hfs", "presence"))).toEqual(["alpha.left"]);

    const messages = responses().map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: any });
    expect(messages.every((message) => message.jsonrpc === "2.0")).toBe(true);
    // JSON-RPC lets responses come in any order (parallel writes are committed together); each id once.
    // Besides the responses, only notifications (the log line of the successful add_item).
    expect(messages.filter((message) => message.id === undefined).map((message: any) => message.method)).toEqual(["notifications/message"]);
    expect(
      messages
        .filter((message) => message.id !== undefined)
        .map((message) => message.id)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    const byId = (id: number) => messages.find((message) => message.id === id)!;
    expect(byId(3).result).toMatchObject({ isError: true, structuredContent: { reason: "invalid_input" } });
    expect(byId(4).result).toMatchObject({ isError: true, structuredContent: { reason: "not_found" } });
    expect(byId(5).result).toMatchObject({ structuredContent: { success: true, line: 8 } });
    expect(stderr).toContain(`hfs-mcp: serving ${root} as alpha`);
  });

  it("takes the root from --root over HFS_ROOT over the working directory", async () => {
    const [flagRoot, envRoot, cwd] = [await tempRoot(), await tempRoot(), await tempRoot()];
    const added = async (args: string[], env: Record<string, string>) => {
      const { client } = await spawnIn(cwd, args, env);
      expect((await call(client, "add_item", { description: `Item ${args.length}-${Object.keys(env).length}` })).data).toMatchObject({
        success: true,
      });
      await client.close();
      return Promise.all([flagRoot, envRoot, cwd].map(async (dir) => Object.keys(await snapshotTree(dir)).includes(".hfs/state.md")));
    };
    expect(await added(["--root", flagRoot], { HFS_ROOT: envRoot })).toEqual([true, false, false]);
    expect(await added([], { HFS_ROOT: envRoot })).toEqual([true, true, false]);
    expect(await added([], {})).toEqual([true, true, true]);
  });

  it("resolves a relative --root against the working directory", async () => {
    const cwd = await tempRoot();
    await mkdir(join(cwd, "project"));
    const { client } = await spawnIn(cwd, ["--root", "project"]);
    await call(client, "add_item", { description: "Build auth" });
    expect(Object.keys(await snapshotTree(cwd))).toContain("project/.hfs/state.md");
  });

  it("acts for HFS_AGENT_ID, and for --agent-id when both are set", async () => {
    const root = await tempRoot();
    const fromEnv = await spawnServer(["--root", root], { HFS_AGENT_ID: "alpha" });
    await call(fromEnv.client, "add_item", { description: "One" });
    await call(fromEnv.client, "add_item", { description: "Two" });
    expect((await call(fromEnv.client, "claim_item", { description: "One" })).data).toMatchObject({ claimed_by: "alpha" });
    await expectFailure(fromEnv.client, root, "claim_item", { description: "Two", agent_id: "bravo" }, "agent_mismatch");
    const fromFlag = await spawnServer(["--root", root, "--agent-id", "bravo"], { HFS_AGENT_ID: "alpha" });
    expect((await call(fromFlag.client, "claim_item", { description: "Two" })).data).toMatchObject({ claimed_by: "bravo" });
    const other = await expectFailure(fromFlag.client, root, "claim_item", { description: "One" }, "not_available");
    expect(other.claimed_by).toBe("alpha");
  });

  it("takes the lock timeout from HFS_LOCK_TIMEOUT_MS: a held lock fails the call with lock_timeout", async () => {
    const root = await tempRoot();
    await holdLock(root);
    const { client } = await spawnServer(["--root", root, "--agent-id", "alpha"], { HFS_LOCK_TIMEOUT_MS: "300" });
    const started = Date.now();
    await expectFailure(client, root, "add_item", { description: "Build auth" }, "lock_timeout");
    // Only a guard against the 30 s default being used; generous for a noisy machine.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("removes temp files left by dead writers at startup and keeps a live writer's", async () => {
    const root = await tempRoot();
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.on("close", resolve));
    await mkdir(join(root, ".hfs", "agents"), { recursive: true });
    const orphan = tempName("state.md", dead.pid!);
    const agentOrphan = tempName("alpha.md", dead.pid!);
    const live = tempName("state.md", process.pid);
    await writeFile(join(root, ".hfs", orphan), "half a bo");
    await writeFile(join(root, ".hfs", "agents", agentOrphan), "half a me");
    await writeFile(join(root, ".hfs", live), "in flight");
    const server = await spawnServer(["--root", root, "--agent-id", "alpha"]);
    expect((await call(server.client, "get_work_items")).data).toMatchObject({ success: true });
    expect((await readdir(join(root, ".hfs"))).sort()).toEqual([live, "agents", "presence"].sort());
    expect(await readdir(join(root, ".hfs", "agents"))).toEqual([]);
  });
});

describe("hfs-mcp refusing to start", () => {
  it("exits non-zero from `/` without a root, asking for --root", async () => {
    const result = await runCli([], "/");
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain("--root");
    expect(result.stdout).toBe("");
  });

  it("exits 2 on `/` as the root from --root or HFS_ROOT, in stdio and HTTP mode, and writes nothing there", async () => {
    const cwd = await tempRoot();
    const hadBoard = existsSync("/.hfs");
    for (const [args, env] of [
      [["--root", "/"], {}],
      [[], { HFS_ROOT: "/" }],
      [["--http", "0", "--no-auth", "--root", "/"], {}],
      [["--http", "0", "--no-auth"], { HFS_ROOT: "/" }],
    ] as const) {
      const result = await runCli([...args, "--agent-id", "alpha"], cwd, { ...env });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("hfs-mcp will not serve `/`");
      expect(result.stderr).toContain("--root /path/to/project");
      expect(result.stdout).toBe("");
    }
    expect(existsSync("/.hfs")).toBe(hadBoard);
    expect(await snapshotTree(cwd)).toEqual({});
  });

  it("exits non-zero on an invalid --agent-id or HFS_AGENT_ID, naming it", async () => {
    const root = await tempRoot();
    for (const [args, env] of [
      [["--agent-id", "Agent-1"], {}],
      [[], { HFS_AGENT_ID: "Agent-1" }],
    ] as const) {
      const result = await runCli(["--root", root, ...args], root, { ...env });
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toContain("Agent-1");
      expect(result.stdout).toBe("");
    }
    expect(await snapshotTree(root)).toEqual({});
  });

  it("exits non-zero on a root that does not exist", async () => {
    const root = await tempRoot();
    const result = await runCli(["--root", join(root, "missing")], root);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(join(root, "missing"));
  });

  it("prints usage for --help and exits 0", async () => {
    const result = await runCli(["--help"], "/");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: hfs-mcp");
    expect(result.stdout).toContain("--root");
    expect(result.stderr).toBe("");
  });

  it("prints package.json's version for --version and exits 0", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const result = await runCli(["--version"], "/");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});
