/** `--http` and the flags that go with it (the HTTP mode's options), parsed from argv and the environment. */
import { isIP } from "node:net";
import { checkAgentId, explainFailure } from "../board/index.js";
import { DEFAULT_SESSION_IDLE_MINUTES, type HttpOptions, isLoopback, normalizeHost, type TokenGrant } from "../mcp/http/http-options.js";

export interface HttpInput {
  /** The value of --http. */
  listen: string;
  /** --token, else HFS_TOKEN. */
  token?: string;
  /** HFS_TOKENS: `TOKEN=AGENT` entries (or a bare `TOKEN`), separated by commas. */
  tokens?: string;
  noAuth: boolean;
  /** --token given as a flag (it contradicts --no-auth; HFS_TOKEN is simply overridden by the flag). */
  tokenFlag: boolean;
  /** --agent-id / HFS_AGENT_ID: the agent of --token (or of the generated token, or of every --no-auth session). */
  agentId?: string;
  /** --allowed-hosts, else HFS_ALLOWED_HOSTS: comma-separated host names. */
  allowedHosts?: string;
  /** --session-idle-minutes, else HFS_SESSION_IDLE_MINUTES. */
  sessionIdleMinutes?: string;
}

const TOKEN = /^[A-Za-z0-9._~+/-]{16,512}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?$/;

/** The HTTP mode's options, or why they are refused (a message naming the offending value). */
export function parseHttpOptions(input: HttpInput): HttpOptions | string {
  const listen = parseListen(input.listen);
  if (typeof listen === "string") return listen;
  const loopback = isLoopback(listen.host);
  const idle = parseIdleMinutes(input.sessionIdleMinutes);
  if (typeof idle === "string") return idle;
  const common = { ...listen, loopback, sessionIdleMs: idle };

  const allowedHosts: string[] = [];
  for (const name of splitList(input.allowedHosts)) {
    const bare = name.replace(/^\[(.*)\]$/, "$1");
    if (!HOST_NAME.test(bare) && isIP(bare) === 0) return `--allowed-hosts: \`${name}\` is not a host name or IP address.`;
    allowedHosts.push(normalizeHost(bare));
  }

  if (input.noAuth) {
    if (input.tokenFlag) return "--no-auth and --token contradict each other: pass one of them.";
    if (!loopback) {
      return `--no-auth is refused on \`${listen.host}\`, which other machines can reach: it would let anyone on the network act as any agent. Use a token (--token or HFS_TOKEN), or bind to 127.0.0.1.`;
    }
    return { ...common, access: { kind: "none", agentId: input.agentId }, allowedHosts };
  }

  const grants: TokenGrant[] = [];
  if (input.token !== undefined) {
    if (!TOKEN.test(input.token)) return badToken("--token / HFS_TOKEN", input.token);
    grants.push({ token: input.token, agentId: input.agentId });
  }
  for (const entry of splitList(input.tokens)) {
    const at = entry.indexOf("=");
    const token = at < 0 ? entry : entry.slice(0, at);
    const agentId = at < 0 ? undefined : entry.slice(at + 1);
    if (!TOKEN.test(token)) return badToken("HFS_TOKENS", token);
    if (agentId !== undefined) {
      const invalid = checkAgentId(agentId, "HFS_TOKENS");
      if (invalid) return `HFS_TOKENS: ${explainFailure(invalid)}`;
    }
    if (grants.some((grant) => grant.token === token)) return `HFS_TOKENS: the token \`${redact(token)}\` is given twice.`;
    grants.push({ token, agentId });
  }
  if (grants.length === 0) return { ...common, access: { kind: "generate", agentId: input.agentId }, allowedHosts };
  if (input.token === undefined && input.agentId !== undefined) {
    return `--agent-id \`${input.agentId}\` names the agent of --token, but only HFS_TOKENS is set: give each token its agent there (\`TOKEN=${input.agentId}\`), or pass --token too.`;
  }
  return { ...common, access: { kind: "tokens", tokens: grants }, allowedHosts };
}

/** Minutes (fractions allowed: `0.5`) → milliseconds; 0 turns expiry off. */
function parseIdleMinutes(value: string | undefined): number | string {
  if (value === undefined) return DEFAULT_SESSION_IDLE_MINUTES * 60_000;
  const minutes = /^\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(minutes) || minutes > 7 * 24 * 60) {
    return `--session-idle-minutes \`${value}\` is not a number of minutes from 0 (never) to 10080 (a week), e.g. 30 or 0.5.`;
  }
  return Math.round(minutes * 60_000);
}

/** `7777`, `0.0.0.0:7777`, `[::1]:7777`, `board.lan:7777`. */
function parseListen(value: string): { host: string; port: number } | string {
  const match = /^(?:(\[[^\]]*\]|[^:[\]]*):)?(\d{1,5})$/.exec(value);
  const usage = `--http \`${value}\` is not [host:]port (e.g. 7777, 127.0.0.1:7777, 0.0.0.0:7777 or [::1]:7777).`;
  if (!match) return usage;
  const port = Number(match[2]);
  if (port > 65_535) return `--http \`${value}\`: port ${port} is above 65535.`;
  const given = match[1];
  if (given === undefined) return { host: "127.0.0.1", port };
  const host = given.replace(/^\[(.*)\]$/, "$1");
  if (given.startsWith("[") ? isIP(host) !== 6 : isIP(host) === 0 && !HOST_NAME.test(host)) return usage;
  return { host: normalizeHost(host), port };
}

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function badToken(source: string, token: string): string {
  return `${source}: the token \`${redact(token)}\` is not 16-512 characters of A-Z a-z 0-9 . _ ~ + / - (make one with \`openssl rand -hex 32\`).`;
}

/** Enough of a token to recognise it in a message, not enough to use it. */
function redact(token: string): string {
  return token.length <= 8 ? "…" : `${token.slice(0, 4)}…`;
}
