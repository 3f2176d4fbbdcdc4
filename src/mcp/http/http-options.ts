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
}

/** A loopback address or name: only processes on this machine can connect to it. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

/** Host names compare without case and without a trailing dot; IP addresses in their canonical form (`::1`). */
export function normalizeHost(host: string): string {
  if (isIP(host) === 6 && !host.includes("%")) return new URL(`http://[${host}]`).hostname.slice(1, -1);
  return host.toLowerCase().replace(/\.$/, "");
}
