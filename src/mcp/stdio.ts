import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { type BoardPlacement, boardLocator } from "../store/git/index.js";
import { CurrentBoard } from "./current-board.js";
import { createServer } from "./server.js";

export interface StdioServeOptions extends BoardPlacement {
  root: string;
  /** Who chose `root`; absent when it is only the working directory, which a client's roots then override. */
  rootSource?: string;
  agentId?: string;
  lockTimeoutMs: number;
  /**
   * Started in `/` without a root: serve only once the client offers a usable root; when it turns out to offer
   * none, print this and exit with this code.
   */
  refusal?: { code: number; message: string };
}

/**
 * `hfs-mcp` over stdio, as every MCP client starts it: serve until the client closes stdin, SIGTERM or Ctrl-C,
 * then accept no more calls, let queued writes finish (a write is never left half-done anyway: files are
 * replaced whole) and exit cleanly with the lock released.
 */
export async function serveStdio(options: StdioServeOptions, log: (message: string) => void): Promise<void> {
  const { refusal } = options;
  const board = new CurrentBoard({ ...options, locate: boardLocator(options, { lockTimeoutMs: options.lockTimeoutMs, log }) });
  if (!refusal) {
    const removed = await board.use(options.root);
    if (removed.length > 0) log(`removed ${removed.length} temp file(s) left by dead writers`);
  }

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
