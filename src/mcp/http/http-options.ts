import { isIP } from "node:net";

/** A bearer token and the agent its sessions act for (none: they name themselves with `agent_id`). */
export interface TokenGrant {
  token: string;
  agentId?: string;
}

/**
 * Who may open sessions:
 * - `tokens`: a request must carry `Authorization: Bearer <token>` with one of these tokens;
 * - `generate`: the same, with one token made up at start (and printed to stderr) for `agentId`;
 * - `none`: anyone who can reach the (loopback) address; every session acts for `agentId`, if set.
 */
export type HttpAccess =
  | { kind: "tokens"; tokens: TokenGrant[] }
  | { kind: "generate"; agentId?: string }
  | { kind: "none"; agentId?: string };

/** `--http [host:]port` and what goes with it, as the CLI parsed it (cli/http-flags.ts). Pure data: start-up lives in http-server.ts. */
export interface HttpOptions {
  /** The address to listen on (an IPv6 address without brackets); `127.0.0.1` unless given. */
  host: string;
  /** 0 lets the system choose a free port (the server prints the one it got). */
  port: number;
  /** `host` is a loopback address (127.0.0.0/8, ::1, localhost): only this machine can connect. */
  loopback: boolean;
  access: HttpAccess;
  /** Host names accepted in `Host` and `Origin` besides the defaults (see host-check.ts). */
  allowedHosts: string[];
  /**
   * A session nobody has used for this long is closed (0: never; only the session cap bounds them). Absent:
   * DEFAULT_SESSION_IDLE_MINUTES.
   */
  sessionIdleMs?: number;
}

/**
 * Clients rarely close their sessions (Claude Code, Gemini CLI, mcp-remote and the Inspector were seen opening
 * 29 and closing 7 in an afternoon, ~77 KB each). Half an hour is far longer than an agent waits between two
 * calls of one task (a model turn takes seconds to minutes), while a session with an event stream open (GET) is
 * never idle, however quiet; a client that comes back later gets the 404 the transport spec prescribes for an
 * unknown session, and starts a new one (mcp-remote 0.15 re-initializes on that 404 by itself).
 */
export const DEFAULT_SESSION_IDLE_MINUTES = 30;

/** A loopback address or name: only processes on this machine can connect to it. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

/** Host names compare without case and without a trailing dot; IP addresses in their canonical form (`::1`). */
export function normalizeHost(host: string): string {
  if (isIP(host) === 6 && !host.includes("%")) return new URL(`http://[${host}]`).hostname.slice(1, -1);
  return host.toLowerCase().replace(/\.$/, "");
}
