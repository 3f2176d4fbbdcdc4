import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkAgentId, DEFAULT_LOCK_TIMEOUT_MS, explainFailure } from "../board/index.js";
import type { HttpOptions } from "../mcp/http/http-options.js";
import type { BoardPlacement } from "../store/git/index.js";
import { isDirectory } from "../store/index.js";
import { parseHttpOptions } from "./http-flags.js";
import { parseSyncOptions, SYNC_FLAGS, SYNC_USAGE } from "./sync-flags.js";

export interface CliOptions extends BoardPlacement {
  root: string;
  /** Who chose `root`; absent when it is only the working directory, which a client's roots then override. */
  rootSource?: "--root" | "HFS_ROOT";
  agentId?: string;
  lockTimeoutMs: number;
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

export const USAGE = `Usage: hfs-mcp [--root DIR] [--agent-id ID] [--lock-timeout-ms MS]
       hfs-mcp --http [HOST:]PORT [--token TOKEN | --no-auth] [--allowed-hosts LIST] [--root DIR] [--agent-id ID]

An MCP server (stdio, or Streamable HTTP at /mcp) that lets several agents share work through .hfs/state.md.

  --root DIR            project folder holding .hfs/ (env HFS_ROOT; default: the client's first file://
                        root if it offers roots, else the working directory)
  --agent-id ID         the agent this server acts for (env HFS_AGENT_ID); e.g. agent-1
  --lock-timeout-ms MS  how long a write waits for the .hfs lock (env HFS_LOCK_TIMEOUT_MS; default ${DEFAULT_LOCK_TIMEOUT_MS})
  --help, --version

HTTP mode (one server owns .hfs/; agents on other machines connect to it with a bearer token):
  --http [HOST:]PORT    serve http://HOST:PORT/mcp; HOST defaults to 127.0.0.1 (0.0.0.0: every interface)
  --token TOKEN         the bearer token clients must send (env HFS_TOKEN); its sessions act as --agent-id.
                        Without any token, one is generated and printed to stderr.
                        env HFS_TOKENS="TOKEN1=alpha,TOKEN2=bravo": one token per agent
  --no-auth             no token, on a loopback HOST only (refused elsewhere)
  --allowed-hosts LIST  extra host names accepted in Host/Origin, comma-separated (env HFS_ALLOWED_HOSTS)

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
      http: { type: "string" },
      token: { type: "string" },
      "no-auth": { type: "boolean" },
      "allowed-hosts": { type: "string" },
      ...SYNC_FLAGS,
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

  const located = locateRoot(values.root, env, cwd);
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
  const placement = parseSyncOptions(values, env);
  if (typeof placement === "string") return { kind: "exit", code: 2, message: placement };
  if (values.http === undefined) {
    const stray = (["token", "no-auth", "allowed-hosts"] as const).find((flag) => values[flag] !== undefined);
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
    });
    if (typeof http === "string") return { kind: "exit", code: 2, message: http };
    // Over HTTP nobody offers client roots (a remote client's file:// roots are on another machine): `/` is refused now.
    if (rootSource === undefined && root === resolve("/")) {
      return {
        kind: "exit",
        code: 2,
        message:
          "hfs-mcp --http was started in `/`, which is not a project. Pass the project folder: --root /path/to/project (or set HFS_ROOT).",
      };
    }
    return { kind: "run", options: { root, ...(rootSource ? { rootSource } : {}), agentId: undefined, lockTimeoutMs, http, ...placement } };
  }
  const options: CliOptions = { root, ...(rootSource ? { rootSource } : {}), agentId, lockTimeoutMs, ...placement };
  if (rootSource === undefined && root === resolve("/")) {
    return {
      kind: "exit",
      code: 2,
      message:
        "hfs-mcp was started in `/` (as Claude Desktop starts servers), which is not a project, and the client " +
        "offers no roots. Pass the project folder: --root /path/to/project (or set HFS_ROOT).",
      unlessClientRoots: options,
    };
  }
  return { kind: "run", options };
}

/**
 * The project root: `--root`, else HFS_ROOT, else the working directory (source undefined) — which must be an
 * existing directory; otherwise the message to exit with. Shared by the server and the people's commands.
 */
export function locateRoot(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { root: string; source: "--root" | "HFS_ROOT" | undefined } | string {
  const source = flag !== undefined ? "--root" : nonEmpty(env.HFS_ROOT) !== undefined ? "HFS_ROOT" : undefined;
  const root = resolve(cwd, flag ?? nonEmpty(env.HFS_ROOT) ?? ".");
  return isDirectory(root) ? { root, source } : `--root \`${root}\` is not an existing directory.`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
