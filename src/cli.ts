#!/usr/bin/env node
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { BoardManager } from "./board/index.js";
import { parseCli } from "./options.js";
import { createServer } from "./server.js";
import { hfsPaths, removeOrphanTempFiles } from "./store/index.js";
import { VERSION } from "./version.js";

const log = (message: string) => process.stderr.write(`hfs-mcp: ${message}\n`);

async function main(): Promise<void> {
  const parsed = parseCli(process.argv.slice(2), process.env, process.cwd(), VERSION);
  if (parsed.kind === "exit") {
    (parsed.code === 0 ? process.stdout : process.stderr).write(`${parsed.message}\n`);
    process.exitCode = parsed.code;
    return;
  }
  const { options } = parsed;
  // Temp files of writers that were killed mid-write; a live writer's temp files are left alone.
  const paths = hfsPaths(options.root);
  const removed = [...(await removeOrphanTempFiles(paths.hfsDir)), ...(await removeOrphanTempFiles(paths.agentsDir))];
  if (removed.length > 0) log(`removed ${removed.length} temp file(s) left by dead writers`);

  const manager = new BoardManager(options);
  const server = createServer({ ...options, log, manager });
  const transport = new StdioServerTransport();
  // On SIGTERM, Ctrl-C or the client closing stdin: accept no more calls, let queued writes finish (a write
  // is never left half-done anyway: files are replaced whole), then exit cleanly with the lock released.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    await manager.store.idle();
    manager.store.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("close", stop);
  await server.connect(transport);
  log(`serving ${options.root}${options.agentId ? ` as ${options.agentId}` : " (agents name themselves with agent_id)"}`);
}

main().catch((error: unknown) => {
  log(`fatal: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
