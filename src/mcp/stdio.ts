import { MISSED_BEATS } from "../board/index.js";
import { type BoardPlacement, boardLocator } from "../store/git/index.js";
import { PresenceBeacon } from "../store/presence-records.js";
import { CurrentBoard } from "./current-board.js";
import { createServer } from "./server.js";
import { BoundedStdioTransport } from "./stdio-transport.js";
import { STOP_DEADLINE_MS } from "./stop-deadline.js";

export interface StdioServeOptions extends BoardPlacement {
  root: string;
  /** Who chose `root`; absent when it is only the working directory, which a client's roots then override. */
  rootSource?: string;
  agentId?: string;
  lockTimeoutMs: number;
  lockStaleMs?: number;
  /** How often presence records are touched (readers count 3 intervals as fresh). */
  presenceIntervalMs: number;
  /** Claims of a holder offline this long may be taken by another agent; absent: never. */
  reclaimAfterMs?: number;
  /**
   * Started in `/` without a root: serve only once the client offers a usable root; when it turns out to offer
   * none, print the message for why not (e.g. "the client offers no roots") and exit with this code.
   */
  refusal?: { code: number; message: (why: string) => string };
}

/**
 * `hfs-mcp` over stdio, as every MCP client starts it: serve until the client closes stdin, SIGTERM or Ctrl-C,
 * then accept no more calls, let queued writes finish (a write is never left half-done anyway: files are
 * replaced whole) and exit cleanly with the lock released.
 */
export async function serveStdio(options: StdioServeOptions, log: (message: string) => void): Promise<void> {
  const { refusal } = options;
  const beacon = new PresenceBeacon({ intervalMs: options.presenceIntervalMs, notice: log });
  const board = new CurrentBoard(
    {
      ...options,
      presenceTimeoutMs: MISSED_BEATS * options.presenceIntervalMs,
      notice: log,
      locate: boardLocator(options, { lockTimeoutMs: options.lockTimeoutMs, lockStaleMs: options.lockStaleMs, log }),
    },
    undefined,
    beacon,
  );
  // Its agent is present from the start: a holder whose server runs keeps its claims, even before its first call.
  if (options.agentId !== undefined) board.showPresent(options.agentId);
  if (!refusal) {
    const removed = await board.use(options.root);
    if (removed.length > 0) log(`removed ${removed.length} temp file(s) left by dead writers`);
  }

  let stopping = false;
  const stop = async (why?: string) => {
    if (stopping) return;
    stopping = true;
    // Stopped (stdin closed, a signal) before any root was decided: that refusal still applies.
    const exit = refusal && (why !== undefined || board.root === undefined) ? refusal : undefined;
    setTimeout(() => {
      log(`stopped after ${STOP_DEADLINE_MS} ms with writes still queued: they were not made, and never acknowledged`);
      process.exit(exit?.code ?? 0);
    }, STOP_DEADLINE_MS).unref();
    await server.close().catch(() => undefined);
    await board.close();
    if (exit) process.stderr.write(`${exit.message(why ?? "the client gave no root before it stopped the server")}\n`);
    process.exit(exit?.code ?? 0);
  };
  const server = createServer({
    ...options,
    log,
    board,
    followClientRoots: options.rootSource === undefined,
    onNoRoot: (why) => void stop(why),
  });
  const transport = new BoundedStdioTransport();
  server.server.onerror = (error) => log(`stdio: ${error.message}`);
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  process.stdin.on("close", () => void stop());
  await server.connect(transport);
  const who = options.agentId ? ` as ${options.agentId}` : " (agents name themselves with agent_id)";
  if (refusal) log(`started in / without --root: waiting for the client's roots${who}`);
  else log(`serving ${options.root}${who}${options.rootSource ? "" : " (unless the client offers roots)"}`);
}
