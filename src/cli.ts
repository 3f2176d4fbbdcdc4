#!/usr/bin/env node
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { isCommand, runCommand } from "./commands/index.js";
import { CurrentBoard } from "./current-board.js";
import { parseCli } from "./options.js";
import { createServer } from "./server.js";
import { VERSION } from "./version.js";

const log = (message: string) => process.stderr.write(`hfs-mcp: ${message}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (isCommand(argv)) {
    // `hfs-mcp status` / `hfs-mcp release …`: a person's one-off command, not a server.
    const { code, text } = await runCommand(argv, process.env, process.cwd());
    (code === 0 ? process.stdout : process.stderr).write(`${text}\n`);
    process.exitCode = code;
    return;
  }
  const parsed = parseCli(argv, process.env, process.cwd(), VERSION);
  // Started in `/` without a root: refused only once the client turns out to offer no roots either.
  const refusal = parsed.kind === "exit" && parsed.unlessClientRoots ? parsed : undefined;
  if (parsed.kind === "exit" && !refusal) {
    (parsed.code === 0 ? process.stdout : process.stderr).write(`${parsed.message}\n`);
    process.exitCode = parsed.code;
    return;
  }
  const options = parsed.kind === "run" ? parsed.options : parsed.unlessClientRoots!;
  if (options.http) {
    // A bundle of its own (scripts/bundle.mjs), loaded only here: stdio start-up never pays for the HTTP stack.
    const { serveHttp } = await import("./http/serve.js");
    await serveHttp({ ...options, http: options.http }, log);
    return;
  }
  const board = new CurrentBoard(options);
  if (!refusal) {
    const removed = await board.use(options.root);
    if (removed.length > 0) log(`removed ${removed.length} temp file(s) left by dead writers`);
  }

  // On SIGTERM, Ctrl-C or the client closing stdin: accept no more calls, let queued writes finish (a write
  // is never left half-done anyway: files are replaced whole), then exit cleanly with the lock released.
  let stopping = false;
  const stop = async (exit = refusal && board.root === undefined ? refusal : undefined) => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    await board.close();
    if (exit) process.stderr.write(`${exit.message}\n`);
    process.exit(exit?.code ?? 0);
  };
  const server = createServer({
    ...options,
    log,
    board,
    followClientRoots: options.rootSource === undefined,
    onNoRoot: () => void stop(refusal),
  });
  const transport = new StdioServerTransport();
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  process.stdin.on("close", () => void stop());
  await server.connect(transport);
  const who = options.agentId ? ` as ${options.agentId}` : " (agents name themselves with agent_id)";
  if (refusal) log(`started in / without --root: waiting for the client's roots${who}`);
  else log(`serving ${options.root}${who}${options.rootSource ? "" : " (unless the client offers roots)"}`);
}

main().catch((error: unknown) => {
  log(`fatal: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
