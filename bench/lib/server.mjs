import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { now } from "./stats.mjs";

let cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** The built server's entry file, run as users run it (by default `dist/cli.js`). */
export function cliPath() {
  return cli;
}

/** Measure the build whose entry file is `path` (run.mjs points this at a snapshot of `dist/`). */
export function useCli(path) {
  cli = path;
}

const open = new Set();

/**
 * Spawn a stdio MCP server and connect an SDK client to it: `initialize`, then `tools/list` as real clients do
 * (it also arms the client's output-schema validation, so latencies include what a real client pays).
 * `startupMs` runs from just before the spawn to the `tools/list` reply.
 */
export async function spawnMcp({ args, command = process.execPath, env = {} }) {
  const transport = new StdioClientTransport({
    command,
    args,
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "hfs-mcp-bench", version: "0.0.0" });
  const start = now();
  try {
    await client.connect(transport);
    await client.listTools();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(`server \`${[command, ...args].join(" ")}\` did not start: ${error.message}\n${stderr}`);
  }
  const startupMs = now() - start;
  const handle = {
    client,
    pid: transport.pid,
    startupMs,
    stderr: () => stderr,
    close: async () => {
      open.delete(handle);
      await client.close().catch(() => undefined);
    },
  };
  open.add(handle);
  return handle;
}

/** The built hfs-mcp server on `root`, acting as `agentId`. */
export function spawnHfs({ root, agentId }) {
  const args = [cli, "--root", root];
  if (agentId) args.push("--agent-id", agentId);
  return spawnMcp({ args });
}

/** Call a tool; returns `{ isError, data, ms }`, with `data` the structured result whether it succeeded or not. */
export async function call(client, name, args = {}) {
  const start = now();
  const result = await client.callTool({ name, arguments: args });
  const ms = now() - start;
  return { isError: result.isError === true, data: result.structuredContent ?? {}, ms };
}

/** Resident set size of a live process, in bytes (Linux: /proc/<pid>/status VmRSS). */
export function readRssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Close every server still open (after a failure part-way through a benchmark). */
export async function closeAll() {
  await Promise.all([...open].map((handle) => handle.close()));
}
