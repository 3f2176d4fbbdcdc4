#!/usr/bin/env node
import { serveStdio } from "../mcp/stdio.js";
import { VERSION } from "../version.js";
import { isCommand, runCommand } from "./commands/index.js";
import { parseCli, workingDirectoryRefusal } from "./options.js";

const log = (message: string) => process.stderr.write(`hfs-mcp: ${message}\n`);

/** argv → one of the people's commands, the HTTP server, or (as MCP clients start it) the stdio server. */
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
    const { serveHttp } = await import("../mcp/http/serve.js");
    await serveHttp({ ...options, http: options.http }, log);
    return;
  }
  const explain = (why: string) => workingDirectoryRefusal(options.root, why);
  await serveStdio({ ...options, ...(refusal ? { refusal: { code: refusal.code, message: explain } } : {}) }, log);
}

main().catch((error: unknown) => {
  log(`fatal: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
