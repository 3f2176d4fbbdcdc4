import { MISSED_BEATS } from "../../board/index.js";
import { type BoardPlacement, boardLocator } from "../../store/git/index.js";
import { PresenceBeacon } from "../../store/presence-records.js";
import { CurrentBoard } from "../current-board.js";
import { STOP_DEADLINE_MS } from "../stop-deadline.js";
import { generateToken } from "./auth.js";
import type { HttpAccess, HttpOptions } from "./http-options.js";
import { startHttpServer } from "./http-server.js";

/**
 * `hfs-mcp --http`: serve until SIGTERM or Ctrl-C, then stop taking requests, let the calls being answered and
 * the queued writes finish, and exit 0. (Unlike stdio, stdin closing means nothing here: a server started in the
 * background has none.)
 *
 * The CLI loads this only in HTTP mode, and the built CLI loads it as a bundle of its own (scripts/bundle.mjs):
 * it takes plain options and builds everything it serves itself, so no object crosses between the bundles.
 */
export interface HttpServeOptions extends BoardPlacement {
  root: string;
  lockTimeoutMs: number;
  lockStaleMs?: number;
  presenceIntervalMs: number;
  reclaimAfterMs?: number;
  http: HttpOptions;
}

export async function serveHttp(options: HttpServeOptions, log: (message: string) => void): Promise<void> {
  const { http } = options;
  // One manager for every session: agents are told apart per session (the tokens), not per manager.
  const locate = boardLocator(options, { lockTimeoutMs: options.lockTimeoutMs, lockStaleMs: options.lockStaleMs, log });
  // Each session shows its agent present while it is open (http-server.ts).
  const beacon = new PresenceBeacon({ intervalMs: options.presenceIntervalMs, notice: log });
  const board = new CurrentBoard(
    {
      lockTimeoutMs: options.lockTimeoutMs,
      lockStaleMs: options.lockStaleMs,
      presenceTimeoutMs: MISSED_BEATS * options.presenceIntervalMs,
      reclaimAfterMs: options.reclaimAfterMs,
      notice: log,
      locate,
    },
    undefined,
    beacon,
  );
  const removed = await board.use(options.root);
  if (removed.length > 0) log(`removed ${removed.length} temp file(s) left by dead writers`);
  let access = http.access;
  if (access.kind === "generate") {
    const token = generateToken();
    log(`no --token, HFS_TOKEN or HFS_TOKENS: clients must send this token, made up for this run: ${token}`);
    access = { kind: "tokens", tokens: [{ token, agentId: access.agentId }] };
  }

  let server: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    server = await startHttpServer({ ...http, access, board, lockTimeoutMs: options.lockTimeoutMs, log });
  } catch (error) {
    log(`cannot listen on ${http.host}:${http.port}: ${(error as Error).message}`);
    await board.close();
    process.exit(1);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      log(`stopped after ${STOP_DEADLINE_MS} ms with calls still under way: their writes were not made, and never acknowledged`);
      process.exit(0);
    }, STOP_DEADLINE_MS).unref();
    log("stopping: finishing the calls under way");
    await server.close();
    await board.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());

  const idle = http.sessionIdleMs === 0 ? "idle sessions are kept" : `sessions idle ${server.sessionIdle} are closed`;
  log(`serving ${options.root} at ${server.url} (${describeAccess(access)}; ${idle})`);
}

function describeAccess(access: Exclude<HttpAccess, { kind: "generate" }>): string {
  if (access.kind === "none") {
    const who = access.agentId === undefined ? "agents name themselves with agent_id" : `every session acts as ${access.agentId}`;
    return `no token (--no-auth, loopback only); ${who}`;
  }
  return `bearer token required; ${describeTokens(access.tokens)}`;
}

function describeTokens(tokens: { agentId?: string }[]): string {
  const agents = [...new Set(tokens.flatMap((grant) => (grant.agentId === undefined ? [] : [grant.agentId])))];
  const nameless = tokens.filter((grant) => grant.agentId === undefined).length;
  const parts: string[] = [];
  if (agents.length > 0) parts.push(`${agents.length === 1 ? "a token" : "tokens"} for ${agents.join(", ")}`);
  if (nameless > 0) parts.push(`${nameless === 1 ? "a token" : `${nameless} tokens`} whose sessions name their agent with agent_id`);
  return parts.join("; ");
}
