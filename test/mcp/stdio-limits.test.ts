import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { CLI_PATH, call, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";

/**
 * Issue 10, "Size limits every client survives" and "Backpressure", over real stdio. On 0.1.0: a memory file
 * grown to 4 MiB made get_agent_memory answer ~12 MiB and the SDK client dropped the connection; a 10 MiB
 * argument got no reply and the server answered nothing afterwards; a client that never read its stdout grew its
 * server to 1 GB in 40 s.
 */

const MiB = 1024 * 1024;

describe("messages near and past the SDK's 10 MiB line limit", () => {
  it("answers a 10 MiB request with a JSON-RPC error for its id, and keeps serving", async () => {
    const root = await tempRoot();
    const server = await spawnServer(["--root", root, "--agent-id", "alpha"]);
    const error = await server.client
      .callTool({ name: "claim_item", arguments: { description: "d".repeat(10 * MiB) } }, undefined, { timeout: 20_000 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/over hfs-mcp's \d+-byte limit/);
    expect((await call(server.client, "get_work_items")).isError).toBe(false);
    expect(server.stderr()).toMatch(/skipped a \d+-byte request/);
  });

  it("reads a 4 MiB memory file page by page, each reply far under the limit, with the connection intact", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs", "agents"), { recursive: true });
    const line = `- a note worth keeping, with "quotes" and a tab\there ${"x".repeat(400)}\n`;
    const body = line.repeat(Math.ceil((4 * MiB) / line.length));
    const file = `# Agent Memory: alpha\n\n## Scratchpad\n\n## Subtasks\n\n## Notes\n\n${body}`;
    await writeFile(join(root, ".hfs", "agents", "alpha.md"), file);
    const server = await spawnServer(["--root", root, "--agent-id", "alpha"]);
    let content = "";
    let offset: number | undefined;
    let pages = 0;
    do {
      const page = await call(server.client, "get_agent_memory", offset === undefined ? {} : { offset });
      expect(page.isError, page.text.slice(0, 200)).toBe(false);
      expect(page.data.truncated).toBe(true);
      expect(page.data.total_chars).toBe(file.length);
      expect(JSON.stringify(page.data).length).toBeLessThan(MiB);
      content += page.data.content;
      offset = page.data.next_offset;
      pages++;
    } while (offset !== undefined && pages < 100);
    expect(content).toBe(file);
    expect(pages).toBeGreaterThan(1);
    expect((await call(server.client, "get_work_items")).isError).toBe(false);
  });
});

describe("a client that stops reading its replies", () => {
  it("stops its server reading further requests: memory stays bounded, and every reply comes once it reads again", async () => {
    const root = await tempRoot();
    const child = spawn(process.execPath, [CLI_PATH, "--root", root, "--agent-id", "alpha"], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.on("error", () => undefined);
    try {
      const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
      send({
        id: 0,
        method: "initialize",
        params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "t", version: "0" } },
      });
      send({ method: "notifications/initialized" });
      // Flood requests without reading stdout; stop when the pipe to the server is full (it stopped reading).
      child.stdout.pause();
      const requests = 60_000;
      let written = 0;
      const started = Date.now();
      while (written < requests && Date.now() - started < 8_000) {
        const accepted = send({ id: written + 1, method: "tools/call", params: { name: "get_work_items", arguments: {} } });
        written++; // buffered by the stream even when the pipe is full: it is sent
        if (!accepted) {
          await Promise.race([new Promise((resolve) => child.stdin.once("drain", resolve)), sleep(500)]);
          if (child.stdin.writableNeedDrain) break; // the server no longer reads: backpressure reached us
        }
      }
      await sleep(1_000);
      const rssMiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]) / 1024;
      console.log(
        `FIGURES backpressure: ${written} requests written before the pipe to the server stayed full; server RSS ${rssMiB.toFixed(0)} MiB`,
      );
      expect(written).toBeLessThan(requests); // the server stopped reading
      expect(rssMiB).toBeLessThan(250);
      // Reading again: every request sent gets its reply.
      let replies = 0;
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        let at = buffer.indexOf("\n");
        while (at >= 0) {
          if (/"id":\d+/.test(buffer.slice(0, at))) replies++;
          buffer = buffer.slice(at + 1);
          at = buffer.indexOf("\n");
        }
      });
      child.stdout.resume();
      const deadline = Date.now() + 60_000;
      while (replies < written + 1 && Date.now() < deadline) await sleep(100);
      expect(replies).toBe(written + 1); // + initialize
    } finally {
      child.kill("SIGKILL");
    }
  });
});
