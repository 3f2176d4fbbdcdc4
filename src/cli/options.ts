import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkAgentId, DEFAULT_LOCK_TIMEOUT_MS, explainFailure } from "../board/index.js";
import { DEFAULT_SESSION_IDLE_MINUTES, type HttpOptions } from "../mcp/http/http-options.js";
import { isFileSystemRoot, notAProject } from "../mcp/project-root.js";
import type { BoardPlacement } from "../store/git/index.js";
import { DEFAULT_STALE_MS, isDirectory } from "../store/index.js";
import { parseHttpOptions } from "./http-flags.js";
import { type PresenceOptions, parsePresenceOptions } from "./presence-flags.js";
import { parseSyncOptions, SYNC_FLAGS, SYNC_USAGE } from "./sync-flags.js";

/** The shortest stale timeout accepted: a holder beats every staleMs/5, and a busy machine delays timers. */
const MIN_STALE_MS = 500;

export interface CliOptions extends BoardPlacement, PresenceOptions {
  root: string;
  /** Who chose `root`; absent when it is only the working directory, which a client's roots then override. */
  rootSource?: "--root" | "HFS_ROOT";
  agentId?: string;
  lockTimeoutMs: number;
  /** A lock holder whose heartbeat is older than this is presumed gone (where its pid cannot be judged). */
  lockStaleMs: number;
  /**
   * Serve Streamable HTTP instead of stdio. The agent ids then belong to the tokens (`http.access`), and
   * `agentId` is unset: one server, one board manager, several agents.
   */
  http?: HttpOptions;
}

export type ParsedCli =
  | { kind: "run"; options: CliOptions }
  | {
      kind: "exit";
      code: number;
      message: string;
      /**
       * Set on the refusal to serve `/`: the exit waits until the client turns out to offer no roots, since a
       * client that does gives a project root after all. These options then apply, with the client's root.
       */
      unlessClientRoots?: CliOptions;
    };

export const USAGE = `Usage: hfs-mcp [--root DIR] [--agent-id ID] [--lock-timeout-ms MS] [--lock-stale-ms MS] [--reclaim-after-minutes N]
       hfs-mcp --http [HOST:]PORT [--token TOKEN | --no-auth] [--allowed-hosts LIST] [--session-idle-minutes N]
               [--root DIR] [--agent-id ID]

An MCP server (stdio, or Streamable HTTP at /mcp) that lets several agents share work through .hfs/state.md.

  --root DIR            project folder holding .hfs/ (env HFS_ROOT; default: the client's first file://
                        root if it offers roots, else the working directory)
  --agent-id ID         the agent this server acts for (env HFS_AGENT_ID); e.g. agent-1
  --lock-timeout-ms MS  how long a write waits for the .hfs lock (env HFS_LOCK_TIMEOUT_MS; default ${DEFAULT_LOCK_TIMEOUT_MS})
  --lock-stale-ms MS    a lock holder silent this long is presumed gone, where its pid cannot be checked
                        (another host or container; env HFS_LOCK_STALE_MS; default ${DEFAULT_STALE_MS})
  --reclaim-after-minutes N  let claim_item and claim_next take an item whose holder has been offline
                        (no server running) for N minutes (env HFS_RECLAIM_AFTER_MINUTES; default: never)
  --help, --version

HTTP mode (one server owns .hfs/; agents on other machines connect to it with a bearer token):
  --http [HOST:]PORT    serve http://HOST:PORT/mcp; HOST defaults to 127.0.0.1 (0.0.0.0: every interface)
  --token TOKEN         the bearer token clients must send (env HFS_TOKEN); its sessions act as --agent-id.
                        Without any token, one is generated and printed to stderr.
                        env HFS_TOKENS="TOKEN1=alpha,TOKEN2=bravo": one token per agent
  --no-auth             no token, on a loopback HOST only (refused elsewhere)
  --allowed-hosts LIST  extra host names accepted in Host/Origin, comma-separated (env HFS_ALLOWED_HOSTS)
  --session-idle-minutes N  close a session unused for N minutes (env HFS_SESSION_IDLE_MINUTES; default
                        ${DEFAULT_SESSION_IDLE_MINUTES}; 0: never). A client that comes back gets 404 and opens a new one.

${SYNC_USAGE}

Commands for people (print and exit; same board, lock and history log as the servers):
  hfs-mcp status [--root DIR]
  hfs-mcp release "<description>" --force --reason "<why>" [--root DIR] [--agent-id ID]`;

function parseFlags(args: string[]) {
  return parseArgs({
    args,
    options: {
      root: { type: "string" },
      "agent-id": { type: "string" },
      "lock-timeout-ms": { type: "string" },
      "lock-stale-ms": { type: "string" },
      http: { type: "string" },
      token: { type: "string" },
      "no-auth": { type: "boolean" },
      "allowed-hosts": { type: "string" },
      "session-idle-minutes": { type: "string" },
      ...SYNC_FLAGS,
      "reclaim-after-minutes": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
    strict: true,
    allowPositionals: false,
  });
}

/** argv and environment → options, or the reason to stop. Flags win over environment variables. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv, cwd: string, version: string): ParsedCli {
  let values: ReturnType<typeof parseFlags>["values"];
  try {
    ({ values } = parseFlags(argv));
  } catch (error) {
    return { kind: "exit", code: 2, message: `${(error as Error).message}\n\n${USAGE}` };
  }
  if (values.help) return { kind: "exit", code: 0, message: USAGE };
  if (values.version) return { kind: "exit", code: 0, message: version };

  const located = locateRoot(values.root, env, cwd, { allowWorkingDirectoryRoot: true });
  if (typeof located === "string") return { kind: "exit", code: 2, message: located };
  const { root, source: rootSource } = located;

  const agentId = values["agent-id"] ?? nonEmpty(env.HFS_AGENT_ID);
  if (agentId !== undefined) {
    const invalid = checkAgentId(agentId, "--agent-id");
    if (invalid) return { kind: "exit", code: 2, message: explainFailure(invalid) };
  }

  const timeoutText = values["lock-timeout-ms"] ?? nonEmpty(env.HFS_LOCK_TIMEOUT_MS);
  const lockTimeoutMs = timeoutText === undefined ? DEFAULT_LOCK_TIMEOUT_MS : Number(timeoutText);
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 0) {
    return { kind: "exit", code: 2, message: `--lock-timeout-ms \`${timeoutText}\` is not a whole number of milliseconds.` };
  }
  const staleText = values["lock-stale-ms"] ?? nonEmpty(env.HFS_LOCK_STALE_MS);
  const lockStaleMs = staleText === undefined ? DEFAULT_STALE_MS : Number(staleText);
  // Below a few heartbeats' worth, a holder busy for a moment would look gone.
  if (!Number.isInteger(lockStaleMs) || lockStaleMs < MIN_STALE_MS) {
    return {
      kind: "exit",
      code: 2,
      message: `--lock-stale-ms \`${staleText}\` is not a whole number of milliseconds of at least ${MIN_STALE_MS}.`,
    };
  }
  const placement = parseSyncOptions(values, env);
  if (typeof placement === "string") return { kind: "exit", code: 2, message: placement };
  const presence = parsePresenceOptions({
    reclaimAfterMinutes: values["reclaim-after-minutes"] ?? nonEmpty(env.HFS_RECLAIM_AFTER_MINUTES),
    presenceIntervalMs: nonEmpty(env.HFS_PRESENCE_INTERVAL_MS),
  });
  if (typeof presence === "string") return { kind: "exit", code: 2, message: presence };
  if (values.http === undefined) {
    const stray = (["token", "no-auth", "allowed-hosts", "session-idle-minutes"] as const).find((flag) => values[flag] !== undefined);
    if (stray) return { kind: "exit", code: 2, message: `--${stray} applies only with --http.` };
  } else {
    const http = parseHttpOptions({
      listen: values.http,
      token: values.token ?? nonEmpty(env.HFS_TOKEN),
      tokenFlag: values.token !== undefined,
      tokens: nonEmpty(env.HFS_TOKENS),
      noAuth: values["no-auth"] === true,
      agentId,
      allowedHosts: values["allowed-hosts"] ?? nonEmpty(env.HFS_ALLOWED_HOSTS),
      sessionIdleMinutes: values["session-idle-minutes"] ?? nonEmpty(env.HFS_SESSION_IDLE_MINUTES),
    });
    if (typeof http === "string") return { kind: "exit", code: 2, message: http };
    // Over HTTP nobody offers client roots (a remote client's file:// roots are on another machine): `/` is refused now.
    if (isFileSystemRoot(root)) return { kind: "exit", code: 2, message: notAProject(root, "the working directory") };
    return {
      kind: "run",
      options: {
        root,
        ...(rootSource ? { rootSource } : {}),
        agentId: undefined,
        lockTimeoutMs,
        lockStaleMs,
        ...presence,
        http,
        ...placement,
      },
    };
  }
  const options: CliOptions = {
    root,
    ...(rootSource ? { rootSource } : {}),
    agentId,
    lockTimeoutMs,
    lockStaleMs,
    ...presence,
    ...placement,
  };
  if (isFileSystemRoot(root)) {
    return { kind: "exit", code: 2, message: workingDirectoryRefusal(root, "the client offers no roots"), unlessClientRoots: options };
  }
  return { kind: "run", options };
}

/**
 * Started in `/` (as Claude Desktop starts servers) with no root given, and the client gave none either (`why`):
 * the message to exit with.
 */
export function workingDirectoryRefusal(root: string, why: string): string {
  return notAProject(root, `the working directory; ${why}`);
}

/**
 * The project root: `--root`, else HFS_ROOT, else the working directory (source undefined) — which must be an
 * existing directory, and not the file system's root; otherwise the message to exit with. Shared by the server
 * and the people's commands. `allowWorkingDirectoryRoot` lets a working directory of `/` through, for the stdio
 * server to decide once it knows whether the client offers roots.
 */
export function locateRoot(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
  { allowWorkingDirectoryRoot = false } = {},
): { root: string; source: "--root" | "HFS_ROOT" | undefined } | string {
  const source = flag !== undefined ? "--root" : nonEmpty(env.HFS_ROOT) !== undefined ? "HFS_ROOT" : undefined;
  const root = resolve(cwd, flag ?? nonEmpty(env.HFS_ROOT) ?? ".");
  if (!isDirectory(root)) return `--root \`${root}\` is not an existing directory.`;
  if (isFileSystemRoot(root) && (source !== undefined || !allowWorkingDirectoryRoot)) {
    return notAProject(root, source === undefined ? "the working directory" : `given by ${source}`);
  }
  return { root, source };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
