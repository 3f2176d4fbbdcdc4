import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LATEST_PROTOCOL_VERSION, ListRootsRequestSchema, type Root } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { firstUsableRoot } from "../../src/mcp/roots.js";
import { CLI_PATH, call, spawnServer } from "../helpers/clients.js";
import { PARKED_LOCK } from "../helpers/parked-locks.js";
import { tempRoot } from "../helpers/temp-root.js";
import { connect, eventually, UpdateLog } from "./resources/support.js";
import { holdLock } from "./tools/support.js";

const fileRoot = (path: string, name?: string): Root => ({ uri: pathToFileURL(path).href, ...(name ? { name } : {}) });

/** A client that offers `roots` (changeable), counting how often the server asks for them. */
function rootsClient(initial: Root[], delayMs = 0) {
  const state = { roots: initial, asked: 0 };
  const prepare = (client: Client) =>
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      state.asked++;
      const roots = state.roots; // the roots as they were when asked, even if the answer is slow
      if (delayMs > 0) await sleep(delayMs);
      return { roots };
    });
  return { state, prepare, options: { capabilities: { roots: { listChanged: true } } } };
}

async function boardText(root: string): Promise<string | null> {
  const file = join(root, ".hfs", "state.md");
  return existsSync(file) ? readFile(file, "utf8") : null;
}

describe("client roots (in process)", () => {
  it("serves the client's first file:// root that is an existing folder, not the fallback root", async () => {
    const [fallback, chosen, second] = [await tempRoot(), await tempRoot(), await tempRoot()];
    // (Only file:// roots: the SDK refuses a roots/list answer holding any other URI, as the spec requires.)
    const roots = rootsClient([fileRoot(join(chosen, "missing")), fileRoot(chosen, "project"), fileRoot(second)]);
    const client = await connect({ root: fallback, agentId: "alpha", followClientRoots: true }, roots.options, roots.prepare);
    expect((await call(client, "add_item", { description: "Build auth" })).data).toMatchObject({ success: true });
    expect(await boardText(chosen)).toContain("- [ ] Build auth");
    expect(await boardText(fallback)).toBeNull();
    expect(await boardText(second)).toBeNull();
    expect((await client.readResource({ uri: "hfs://state" })).contents[0]).toMatchObject({ text: await boardText(chosen) });
    expect(roots.state.asked).toBe(1);
  });

  it("holds calls until the client has answered, so nothing touches the fallback root meanwhile", async () => {
    const [fallback, chosen] = [await tempRoot(), await tempRoot()];
    const roots = rootsClient([fileRoot(chosen)], 300);
    const client = await connect({ root: fallback, agentId: "alpha", followClientRoots: true }, roots.options, roots.prepare);
    const started = performance.now();
    expect((await call(client, "add_item", { description: "Build auth" })).data).toMatchObject({ success: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250); // it did wait for the answer
    expect(await boardText(chosen)).toContain("Build auth");
    expect(await readdir(fallback)).toEqual([]);
  });

  it("follows roots/list_changed: later calls go to the new root, and the old root's parked lock is removed", async () => {
    const [fallback, first, next] = [await tempRoot(), await tempRoot(), await tempRoot()];
    const roots = rootsClient([fileRoot(first)]);
    const client = await connect({ root: fallback, agentId: "alpha", followClientRoots: true }, roots.options, roots.prepare);
    await call(client, "add_item", { description: "In the first root" });
    expect((await readdir(join(first, ".hfs"))).some((name) => PARKED_LOCK.test(name))).toBe(true);

    roots.state.roots = [fileRoot(next)];
    await client.sendRootsListChanged();
    // Sent right after the notification, without waiting: it must already go to the new root.
    await call(client, "add_item", { description: "In the next root" });
    expect(await boardText(next)).toContain("In the next root");
    expect(await boardText(first)).not.toContain("In the next root");
    expect(roots.state.asked).toBe(2);
    await eventually(async () => expect((await readdir(join(first, ".hfs"))).some((name) => PARKED_LOCK.test(name))).toBe(false));

    // Roots that offer nothing usable keep the current root rather than leave the agents without a board.
    roots.state.roots = [fileRoot(join(next, "no-such-folder"))];
    await client.sendRootsListChanged();
    await call(client, "add_item", { description: "Still the next root" });
    expect(await boardText(next)).toContain("Still the next root");
    expect(await readdir(fallback)).toEqual([]);
  });

  it("lets a call that started before a switch finish on the old root; the old root's lock goes only after it", async () => {
    const [fallback, first, next] = [await tempRoot(), await tempRoot(), await tempRoot()];
    const roots = rootsClient([fileRoot(first)]);
    const client = await connect(
      { root: fallback, agentId: "alpha", followClientRoots: true, lockTimeoutMs: 20_000 },
      roots.options,
      roots.prepare,
    );
    await call(client, "add_item", { description: "Before" });
    const releaseLock = await holdLock(first); // another process holds the first root's lock
    const slow = call(client, "add_item", { description: "Slow" });
    await sleep(100);

    roots.state.roots = [fileRoot(next)];
    await client.sendRootsListChanged();
    expect((await call(client, "add_item", { description: "Fast" })).data).toMatchObject({ success: true });
    expect(await boardText(next)).toContain("Fast");
    await sleep(100);
    expect((await readdir(join(first, ".hfs"))).some((name) => PARKED_LOCK.test(name))).toBe(true); // still in use

    await releaseLock();
    expect((await slow).data).toMatchObject({ success: true });
    expect(await boardText(first)).toContain("- [ ] Slow");
    expect(await boardText(next)).not.toContain("Slow");
    await eventually(async () => expect((await readdir(join(first, ".hfs"))).some((name) => PARKED_LOCK.test(name))).toBe(false));
  });

  it("after several quick roots changes, serves the last answer", async () => {
    const [fallback, a, b, c] = [await tempRoot(), await tempRoot(), await tempRoot(), await tempRoot()];
    const roots = rootsClient([fileRoot(a)], 50);
    const client = await connect({ root: fallback, agentId: "alpha", followClientRoots: true }, roots.options, roots.prepare);
    roots.state.roots = [fileRoot(b)];
    await client.sendRootsListChanged();
    roots.state.roots = [fileRoot(c)];
    await client.sendRootsListChanged();
    await call(client, "add_item", { description: "Where am I" });
    expect(await boardText(c)).toContain("Where am I");
    for (const dir of [fallback, a, b]) expect(await boardText(dir)).toBeNull();
  });

  it("points subscriptions at the new root's files when the root changes", async () => {
    const [fallback, first, next] = [await tempRoot(), await tempRoot(), await tempRoot()];
    const roots = rootsClient([fileRoot(first)]);
    const client = await connect({ root: fallback, agentId: "alpha", followClientRoots: true }, roots.options, roots.prepare);
    const updates = new UpdateLog(client);
    await client.subscribeResource({ uri: "hfs://state" });
    await call(client, "add_item", { description: "First" });
    await updates.arrival("hfs://state", 0);

    const switched = performance.now();
    roots.state.roots = [fileRoot(next)];
    await client.sendRootsListChanged();
    await call(client, "get_work_items"); // waits for the switch
    await updates.arrival("hfs://state", switched); // another file now: subscribers re-read
    await sleep(400);

    const since = performance.now();
    await writeFile(join(first, ".hfs", "state.md"), "old root, edited\n");
    await sleep(400);
    expect(updates.after(since)).toEqual([]);
    await call(client, "add_item", { description: "Next" });
    await updates.arrival("hfs://state", since);
    expect((await client.readResource({ uri: "hfs://state" })).contents[0]).toMatchObject({ text: expect.stringContaining("- [ ] Next") });
  });

  it("keeps the fallback root for a client without roots", async () => {
    const fallback = await tempRoot();
    const client = await connect({ root: fallback, agentId: "alpha", followClientRoots: true });
    await call(client, "add_item", { description: "Build auth" });
    expect(await boardText(fallback)).toContain("Build auth");
  });

  it("ignores the client's roots when the root was given (--root or HFS_ROOT)", async () => {
    const [given, offered] = [await tempRoot(), await tempRoot()];
    const roots = rootsClient([fileRoot(offered)]);
    const client = await connect({ root: given, agentId: "alpha" }, roots.options, roots.prepare);
    await call(client, "add_item", { description: "Build auth" });
    await client.sendRootsListChanged();
    await call(client, "add_item", { description: "Write docs" });
    expect(await boardText(given)).toContain("Write docs");
    expect(await readdir(offered)).toEqual([]);
    expect(roots.state.asked).toBe(0);
  });

  it("firstUsableRoot skips non-file URIs, missing folders and the file system's root, and drops a trailing slash", async () => {
    const root = await tempRoot();
    const skipped: string[] = [];
    expect(
      firstUsableRoot(
        [{ uri: "https://x" }, { uri: "file:///no/such/dir" }, { uri: "file:///" }, { uri: `${pathToFileURL(root).href}/` }],
        (message) => skipped.push(message),
      ),
    ).toBe(root);
    expect(skipped).toEqual([
      "skipping the client's root `file:///no/such/dir`: not an existing folder",
      "skipping the client's root `file:///`: the file system's root, not a project",
    ]);
    expect(firstUsableRoot([{ uri: "file:///" }])).toBeUndefined();
    expect(firstUsableRoot([{ uri: "file://remote-host/share" }, { uri: "git://x" }])).toBeUndefined();
    expect(firstUsableRoot([])).toBeUndefined();
  });
});

/** The built server in its own process, started in `cwd`, with a client that offers `roots` (or none). */
function spawnWithRoots(cwd: string, args: string[], roots: Root[] | undefined, env: Record<string, string> = {}) {
  return spawnServer(args, env, { cwd, ...(roots ? { roots } : {}) });
}

/**
 * The built server started in `/` with `--agent-id alpha` and nothing else, spoken to line by line (an SDK client
 * would hide what reaches stdout, and how the process ends).
 */
function rawServerInRoot() {
  const child = spawn(process.execPath, [CLI_PATH, "--agent-id", "alpha"], { cwd: "/", env: { PATH: process.env.PATH ?? "" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const messages = () =>
    stdout
      .trim()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { id?: number; method?: string; result?: unknown });
  return {
    send,
    messages,
    stderr: () => stderr,
    /** `initialize` (declaring `capabilities`), its answer, then `notifications/initialized`. */
    async initialize(capabilities: object) {
      send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo: { name: "raw", version: "0" } },
      });
      await eventually(() => expect(stdout).toContain('"id":1'));
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
    },
    /** The exit code, or "still running" (and the process killed) after 15 s. */
    async exitCode() {
      const code = await Promise.race([exited, sleep(15_000).then(() => "still running" as const)]);
      if (code === "still running") child.kill("SIGKILL");
      return code;
    },
  };
}

describe("client roots (the built server)", () => {
  it("started in `/` without --root, serves the root of a client that offers one", async () => {
    const project = await tempRoot();
    const { client, stderr } = await spawnWithRoots("/", ["--agent-id", "alpha"], [fileRoot(project)]);
    expect((await call(client, "add_item", { description: "Build auth" })).data).toMatchObject({ success: true });
    expect(await boardText(project)).toContain("Build auth");
    await eventually(() => expect(stderr()).toContain(`serving ${project} (the client's first file:// root)`));
  });

  it("started in `/` without --root, exits 2 asking for --root once the client shows it has no roots", async () => {
    const server = rawServerInRoot();
    await server.initialize({});
    const code = await server.exitCode();
    expect(code).toBe(2);
    expect(server.stderr()).toContain("--root");
    expect(server.stderr()).toContain("offers no roots");
    // stdout carried the protocol only: the initialize response.
    expect(server.messages().map((message) => message.id)).toEqual([1]);
  });

  it("started in `/`, refuses a client whose root is `file:///` (Claude Code started in `/`): exits 2, writes nothing", async () => {
    const hadBoard = existsSync("/.hfs");
    const server = rawServerInRoot();
    await server.initialize({ roots: {} });
    // A write sent at once: it must wait for the roots answer, and never reach `/`.
    server.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "add_item", arguments: { description: "Build auth" } } });
    await eventually(() => expect(server.messages().some((message) => message.method === "roots/list")).toBe(true));
    const asked = server.messages().find((message) => message.method === "roots/list")!;
    server.send({ jsonrpc: "2.0", id: asked.id, result: { roots: [{ uri: "file:///", name: "/" }] } });
    expect(await server.exitCode()).toBe(2);
    expect(server.stderr()).toContain("skipping the client's root `file:///`: the file system's root, not a project");
    expect(server.stderr()).toContain(
      "hfs-mcp will not serve `/` (the working directory; the client's roots: `file:///`, the file system's root, not a project)",
    );
    expect(server.stderr()).toContain("--root /path/to/project");
    expect(server.messages().some((message) => message.id === 2 && message.result !== undefined)).toBe(false);
    expect(existsSync("/.hfs")).toBe(hadBoard);
  });

  it("started in a folder, a client root of `file:///` keeps that folder: nothing is written to `/`", async () => {
    const cwd = await tempRoot();
    const hadBoard = existsSync("/.hfs");
    const { client, stderr } = await spawnWithRoots(cwd, ["--agent-id", "alpha"], [{ uri: "file:///" }]);
    expect((await call(client, "add_item", { description: "Build auth" })).data).toMatchObject({ success: true });
    expect(await boardText(cwd)).toContain("Build auth");
    expect(existsSync("/.hfs")).toBe(hadBoard);
    await eventually(() => expect(stderr()).toContain(`the client offers no usable file:// root; still serving ${cwd}`));
  });

  it("prefers the client's root over the working directory, and --root and HFS_ROOT over the client's root", async () => {
    const [cwd, offered, flag, envRoot] = [await tempRoot(), await tempRoot(), await tempRoot(), await tempRoot()];
    const fromClient = await spawnWithRoots(cwd, ["--agent-id", "alpha"], [fileRoot(offered)]);
    await call(fromClient.client, "add_item", { description: "From the client's root" });
    expect(await boardText(offered)).toContain("From the client's root");
    expect(await readdir(cwd)).toEqual([]);

    const fromFlag = await spawnWithRoots(cwd, ["--root", flag, "--agent-id", "alpha"], [fileRoot(offered)], { HFS_ROOT: envRoot });
    await call(fromFlag.client, "add_item", { description: "From --root" });
    const fromEnv = await spawnWithRoots(cwd, ["--agent-id", "alpha"], [fileRoot(offered)], { HFS_ROOT: envRoot });
    await call(fromEnv.client, "add_item", { description: "From HFS_ROOT" });
    expect(await boardText(flag)).toContain("From --root");
    expect(await boardText(envRoot)).toContain("From HFS_ROOT");
    expect(await boardText(offered)).not.toMatch(/From --root|From HFS_ROOT/);
    expect(await readdir(cwd)).toEqual([]);
  });
});
