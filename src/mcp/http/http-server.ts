import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { CurrentBoard } from "../current-board.js";
import { boundReplies } from "../message-limits.js";
import { createServer } from "../server.js";
import { type Caller, TokenTable } from "./auth.js";
import { allowedHostnames, checkHostAndOrigin } from "./host-check.js";
import { DEFAULT_SESSION_IDLE_MINUTES, type HttpAccess, type HttpOptions } from "./http-options.js";
import { answerDiscovery, resourceMetadataUrl, tokenRequiredMessage } from "./oauth-discovery.js";

/** The one path the server answers on. */
export const MCP_PATH = "/mcp";

/** Sessions kept at most; past it, the one idle longest makes room (clients that never say goodbye). */
const MAX_SESSIONS = 1000;

/** Bigger than any valid call (descriptions ≤ 500 characters, memory ≤ 64 KiB a call). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpServerOptions extends Omit<HttpOptions, "access"> {
  /** Who may open sessions; a `generate` access is turned into its token by the caller (serve.ts). */
  access: Exclude<HttpAccess, { kind: "generate" }>;
  /** The board every session serves; its root stays fixed (HTTP clients offer no usable roots). */
  board: CurrentBoard;
  lockTimeoutMs: number;
  log: (message: string) => void;
  maxSessions?: number;
}

export interface RunningHttpServer {
  /** Where clients connect, e.g. `http://127.0.0.1:7777/mcp` (the port chosen when 0 was asked for). */
  url: string;
  /** Sessions open now. */
  sessionCount(): number;
  /** How long a session may go unused before it is closed, as a person reads it (`30 min`). */
  sessionIdle: string;
  /**
   * Graceful stop: refuse new requests, let requests being served finish (a write waits at most the lock
   * timeout), then close every session and connection. The board is the caller's to drain and close.
   */
  close(): Promise<void>;
}

interface Session {
  id: string;
  caller: Caller;
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  lastSeen: number;
  /** HTTP requests of this session being served (an open GET event stream counts). */
  open: number;
  /** Stops showing the session's agent present. */
  hide: () => void;
}

/**
 * Streamable HTTP with stateful sessions: one McpServer and transport per session, all on one board (one process
 * owns `.hfs/`, so claims are decided by one lock holder and queued writes are committed together).
 *
 * Every request is checked in this order: path (`/mcp`, else 404), `Host` and `Origin` (403: DNS rebinding
 * protection), the bearer token (401), then the session: unknown (404, the client starts a new one) or opened
 * with another token (403). A session acts for its token's agent, or for the agent a call names when the
 * token has none, under the same rules as a stdio server started with or without --agent-id.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { board, log } = options;
  const needsToken = options.access.kind === "tokens";
  const tokens = new TokenTable(options.access.kind === "tokens" ? options.access.tokens : undefined);
  const allowed = allowedHostnames(options);
  const maxSessions = options.maxSessions ?? MAX_SESSIONS;
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MINUTES * 60_000;
  const sessions = new Map<string, Session>();
  /** Why a session is being closed by the server, for its closing log line (absent: the client closed it). */
  const closing = new Map<string, string>();
  const posts = new Set<Promise<void>>();
  let stopping = false;

  const openSession = async (caller: Caller, req: IncomingMessage, res: ServerResponse) => {
    if (sessions.size >= maxSessions && !(await closeIdlest())) {
      return reply(res, 503, "Service Unavailable: too many open sessions; close one (DELETE) or retry later");
    }
    const agent = caller !== "open" ? caller.agentId : options.access.kind === "none" ? options.access.agentId : undefined;
    const server = createServer({ board, log, sessionAgent: agent });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: MAX_BODY_BYTES,
      onsessioninitialized: (id) => {
        // The session's agent is present while the session is open (several sessions of one agent count apart).
        const hide = agent === undefined ? () => undefined : board.showPresent(agent);
        sessions.set(id, { id, caller, server, transport, lastSeen: Date.now(), open: 0, hide });
        log(`session ${id.slice(0, 8)} opened${agent ? ` for ${agent}` : ""} (${sessions.size} open)`);
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      const session = id === undefined ? undefined : sessions.get(id);
      if (id === undefined || !session) return;
      sessions.delete(id);
      session.hide();
      const why = closing.get(id);
      closing.delete(id);
      log(`session ${id.slice(0, 8)} closed${why ? ` ${why}` : ""} (${sessions.size} open)`);
    };
    await server.connect(boundReplies(transport, log));
    await transport.handleRequest(req, res);
    // Anything but a valid `initialize` was answered 400 by the transport and opened nothing.
    if (transport.sessionId === undefined) await server.close();
  };

  const closeIdlest = async (): Promise<boolean> => {
    let idlest: Session | undefined;
    for (const session of sessions.values()) {
      if (session.open === 0 && (idlest === undefined || session.lastSeen < idlest.lastSeen)) idlest = session;
    }
    if (idlest === undefined) return false;
    await closeSession(idlest, `to make room (the ${maxSessions}-session limit; idle longest)`);
    return true;
  };

  const closeSession = async (session: Session, why: string) => {
    closing.set(session.id, why);
    await session.server.close();
  };

  // Idle sessions expire. A sweep, not a timer per session: one timer, and `unref`, so that it never keeps the
  // process alive. It looks a few times per idle period, so a session goes at most a quarter period late.
  const sweep = () => {
    const now = Date.now();
    for (const session of [...sessions.values()]) {
      // A session with a request open (an event stream the client holds) is in use, however quiet.
      if (session.open === 0 && now - session.lastSeen >= idleMs && !closing.has(session.id)) {
        void closeSession(session, `after ${describeMinutes(idleMs)} idle (--session-idle-minutes)`);
      }
    }
  };
  const sweeper = idleMs > 0 ? setInterval(sweep, Math.min(Math.max(idleMs / 4, 50), 60_000)) : undefined;
  sweeper?.unref();

  const serve = async (session: Session, req: IncomingMessage, res: ServerResponse) => {
    session.open++;
    session.lastSeen = Date.now();
    res.once("close", () => {
      session.open--;
      session.lastSeen = Date.now();
    });
    await session.transport.handleRequest(req, res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (stopping) return reply(res, 503, "Service Unavailable: hfs-mcp is shutting down", { Connection: "close" });
    const path = (req.url ?? "").replace(/\?.*$/s, "");
    if (path !== MCP_PATH && !needsToken) return reply(res, 404, `Not Found: the MCP endpoint is ${MCP_PATH}`);
    const refused = checkHostAndOrigin(req.headers, allowed);
    if (refused) return reply(res, 403, `Forbidden: ${refused}`);
    // As the client reached it: the Host header, now known to name this server.
    const endpoint = `http://${req.headers.host}${MCP_PATH}`;
    if (path !== MCP_PATH) {
      // A client that met our 401 looks for OAuth: tell it, in OAuth's own terms, that a bearer token is the way in.
      const answer = answerDiscovery(req.method ?? "GET", path, endpoint);
      if (!answer) return reply(res, 404, `Not Found: the MCP endpoint is ${MCP_PATH}`);
      res.writeHead(answer.status, answer.headers);
      res.end(req.method === "HEAD" ? undefined : answer.body);
      return;
    }
    const auth = tokens.authenticate(req.headers);
    if (!auth.ok) {
      const metadata = `resource_metadata="${resourceMetadataUrl(endpoint)}"`;
      if (auth.problem === "invalid") {
        return reply(res, 401, "Unauthorized: the bearer token is not one this server accepts", {
          "WWW-Authenticate": `Bearer realm="hfs-mcp", error="invalid_token", ${metadata}`,
        });
      }
      return reply(res, 401, `Unauthorized: ${tokenRequiredMessage(endpoint)}`, {
        "WWW-Authenticate": `Bearer realm="hfs-mcp", ${metadata}`,
      });
    }
    if (req.method === "POST") {
      // Tracked so that a graceful stop can wait for the answers to calls being made.
      const answered = new Promise<void>((resolve) => res.once("close", resolve));
      posts.add(answered);
      void answered.then(() => posts.delete(answered));
    }

    const id = req.headers["mcp-session-id"];
    if (id === undefined) {
      if (req.method !== "POST") return reply(res, 400, "Bad Request: Mcp-Session-Id header is required");
      return openSession(auth.caller, req, res);
    }
    const session = typeof id === "string" ? sessions.get(id) : undefined;
    if (!session) {
      // The transport spec's answer to an unknown or expired session: 404, and the client starts a new one.
      return reply(
        res,
        404,
        "Session not found: it was closed or expired; start a new session (initialize without Mcp-Session-Id)",
        {},
        -32001,
      );
    }
    if (session.caller !== auth.caller) return reply(res, 403, "Forbidden: this session was opened with another token");
    return serve(session, req, res);
  };

  const http = createHttpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`HTTP ${req.method} failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) reply(res, 500, "Internal Server Error");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  http.on("error", (error) => log(`HTTP server error: ${error.message}`));

  const address = http.address() as AddressInfo;
  const shownHost = address.address === "0.0.0.0" || address.address === "::" ? hostname() : address.address;
  const url = `http://${address.family === "IPv6" && shownHost === address.address ? `[${shownHost}]` : shownHost}:${address.port}${MCP_PATH}`;

  return {
    url,
    sessionCount: () => sessions.size,
    sessionIdle: describeMinutes(idleMs),
    close: async () => {
      if (stopping) return;
      stopping = true;
      clearInterval(sweeper);
      http.close();
      const drained = Promise.allSettled([...posts]);
      await Promise.race([drained, sleep(options.lockTimeoutMs + 5_000, undefined, { ref: false })]);
      await Promise.allSettled([...sessions.values()].map((session) => session.server.close()));
      http.closeAllConnections();
    },
  };
}

/** `30 min`, `1.2 s`: an idle period as a person reads it. */
function describeMinutes(ms: number): string {
  return ms >= 60_000 ? `${Number((ms / 60_000).toFixed(1))} min` : `${Number((ms / 1000).toFixed(1))} s`;
}

/** A JSON-RPC error as the SDK's transport sends them (no id: it answers the HTTP request, not a message). */
function reply(res: ServerResponse, status: number, message: string, headers: OutgoingHttpHeaders = {}, code = -32000): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}
