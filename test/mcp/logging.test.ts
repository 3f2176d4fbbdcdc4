import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, LATEST_PROTOCOL_VERSION, LoggingMessageNotificationSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { CLI_PATH, call } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { connect, eventually } from "./resources/support.js";

/** The log messages a client receives, as `level logger: data`. */
function logOf(client: Client): string[] {
  const lines: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, ({ params }) => {
    lines.push(`${params.level} ${params.logger}: ${typeof params.data === "string" ? params.data : JSON.stringify(params.data)}`);
  });
  return lines;
}

// Messages are sent before the tool's reply, over the same ordered channel; a short pause still lets a stray
// late message show up in the checks for "nothing more".
const settle = () => sleep(100);

describe("logging", () => {
  it("after logging/setLevel info, sends one info message per successful write, and nothing for reads or failures", async () => {
    const client = await connect({ root: await tempRoot(), agentId: "alpha" });
    const log = logOf(client);
    await client.setLoggingLevel("info");

    await call(client, "add_item", { description: "Build auth" });
    await call(client, "add_item", { description: "Write docs", section: "Docs" });
    await call(client, "add_item", { description: "Ship it" });
    await call(client, "claim_item", { description: "Build auth" });
    await call(client, "claim_next", { section: "Docs" });
    await call(client, "complete_item", { description: "Build auth" });
    await call(client, "release_item", { description: "Write docs" });
    await call(client, "update_agent_memory", { section: "notes", content: "auth done" });
    await call(client, "update_agent_memory", { section: "scratchpad", content: "more", append: true });
    await settle();
    expect(log).toEqual([
      'info hfs-mcp: alpha added "Build auth" to "Available Work Items"',
      'info hfs-mcp: alpha added "Write docs" to "Docs"',
      'info hfs-mcp: alpha added "Ship it" to "Available Work Items"',
      'info hfs-mcp: alpha claimed "Build auth"',
      'info hfs-mcp: alpha claimed "Write docs" (the next ready item)',
      'info hfs-mcp: alpha completed "Build auth"',
      'info hfs-mcp: alpha released "Write docs"',
      'info hfs-mcp: alpha updated the "notes" section of its memory',
      'info hfs-mcp: alpha appended to the "scratchpad" section of its memory',
    ]);

    log.length = 0;
    await call(client, "get_work_items");
    await call(client, "get_agent_memory");
    expect((await call(client, "claim_item", { description: "No such item" })).isError).toBe(true);
    expect((await call(client, "complete_item", { description: "Build auth" })).isError).toBe(true); // already complete
    expect((await call(client, "add_item", { description: "Ship it" })).isError).toBe(true); // duplicate
    expect((await call(client, "claim_item", { description: "Ship it", agent_id: "bravo" })).isError).toBe(true); // mismatch
    await client.readResource({ uri: "hfs://state" });
    await settle();
    expect(log).toEqual([]);
  });

  it("names the calling agent when the server serves several", async () => {
    const client = await connect({ root: await tempRoot() });
    const log = logOf(client);
    await client.setLoggingLevel("debug");
    await call(client, "add_item", { description: "Build auth" });
    await call(client, "claim_item", { description: "Build auth", agent_id: "bravo" });
    await call(client, "release_item", { description: "Build auth", agent_id: "bravo" });
    await settle();
    expect(log).toEqual([
      'info hfs-mcp: added "Build auth" to "Available Work Items"',
      'info hfs-mcp: bravo claimed "Build auth"',
      'info hfs-mcp: bravo released "Build auth"',
    ]);
  });

  it("logs writes at info from the start, before any logging/setLevel", async () => {
    const client = await connect({ root: await tempRoot(), agentId: "alpha" });
    const log = logOf(client);
    await call(client, "add_item", { description: "Build auth" });
    await call(client, "claim_item", { description: "Build auth" });
    await settle();
    expect(log).toEqual(['info hfs-mcp: alpha added "Build auth" to "Available Work Items"', 'info hfs-mcp: alpha claimed "Build auth"']);
  });

  it("honours logging/setLevel: nothing below the level, again once it is lowered; an unknown level is refused", async () => {
    const client = await connect({ root: await tempRoot(), agentId: "alpha" });
    const log = logOf(client);
    await client.setLoggingLevel("warning");
    await call(client, "add_item", { description: "Build auth" });
    await settle();
    expect(log).toEqual([]);
    await client.setLoggingLevel("info");
    await call(client, "claim_item", { description: "Build auth" });
    await settle();
    expect(log).toEqual(['info hfs-mcp: alpha claimed "Build auth"']);
    await client.setLoggingLevel("error");
    await call(client, "complete_item", { description: "Build auth" });
    await settle();
    expect(log).toHaveLength(1);

    const refused = await client.setLoggingLevel("loud" as "info").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).code).toBe(ErrorCode.InvalidParams);
  });

  it("over stdio, writes nothing but JSON-RPC to stdout, log messages included", async () => {
    const root = await tempRoot();
    const child = spawn(process.execPath, [CLI_PATH, "--root", root, "--agent-id", "alpha"], { env: { PATH: process.env.PATH ?? "" } });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const lines = () => stdout.split("\n").filter((line) => line.trim() !== "");
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    await eventually(() => expect(lines()).toHaveLength(1));
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "logging/setLevel", params: { level: "info" } });
    send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "add_item", arguments: { description: "Build auth" } } });
    send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "claim_item", arguments: { description: "Nothing" } } });
    await eventually(() => expect(lines().length).toBeGreaterThanOrEqual(5));
    await settle();
    child.stdin.end();
    expect(await exited).toBe(0);

    const messages = lines().map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; method?: string; params?: any });
    expect(messages.every((message) => message.jsonrpc === "2.0")).toBe(true);
    expect(
      messages
        .filter((message) => message.id !== undefined)
        .map((message) => message.id)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
    expect(messages.filter((message) => message.id === undefined)).toEqual([
      {
        jsonrpc: "2.0",
        method: "notifications/message",
        params: { level: "info", logger: "hfs-mcp", data: 'alpha added "Build auth" to "Available Work Items"' },
      },
    ]);
  });
});
