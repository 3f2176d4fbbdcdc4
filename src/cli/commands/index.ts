import { parseArgs } from "node:util";
import { BoardManager, checkAgentId, explainFailure, MISSED_BEATS } from "../../board/index.js";
import { worktreeBoardRoot } from "../../store/git/index.js";
import { locateRoot } from "../options.js";
import { parsePresenceOptions } from "../presence-flags.js";
import { forcedRelease } from "./release.js";
import { statusReport } from "./status.js";

const COMMANDS_USAGE = `Commands for people (run and exit; same board, lock and log as the server):

  hfs-mcp status [--root DIR]
      counts, and every in-progress item with its holder, its age and whether the holder is online
  hfs-mcp release "<description>" --force --reason "<why>" [--line N] [--root DIR] [--agent-id ID]
      free another agent's claim (orphan review); recorded in .hfs/log.md as released by ID (default: person)`;

/** Whether argv asks for one of the people's commands rather than the server. */
export function isCommand(argv: readonly string[]): boolean {
  return argv[0] === "status" || argv[0] === "release";
}

/** Run `status` or `release`; returns what to print and the exit code. Never starts the server. */
export async function runCommand(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; text: string }> {
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(argv.slice(1));
  } catch (error) {
    return { code: 2, text: `${(error as Error).message}\n\n${COMMANDS_USAGE}` };
  }
  const { values, positionals } = parsed;
  const located = locateRoot(values.root, env, cwd);
  if (typeof located === "string") return { code: 2, text: located };
  const { root } = located;
  const agentId = values["agent-id"] ?? (env.HFS_AGENT_ID || "person");
  const invalid = checkAgentId(agentId, "--agent-id");
  if (invalid) return { code: 2, text: explainFailure(invalid) };
  // In a linked worktree, the board the servers there use: the main worktree's (unless HFS_WORKTREE_BOARD=own).
  const board = env.HFS_WORKTREE_BOARD === "own" ? root : (await worktreeBoardRoot(root)).root;
  // Judged with the same timeout as the servers (HFS_PRESENCE_INTERVAL_MS changes it, for tests).
  const presence = parsePresenceOptions({ presenceIntervalMs: env.HFS_PRESENCE_INTERVAL_MS || undefined });
  if (typeof presence === "string") return { code: 2, text: presence };
  const manager = new BoardManager({ root: board, agentId, presenceTimeoutMs: MISSED_BEATS * presence.presenceIntervalMs });

  if (argv[0] === "status") {
    if (positionals.length > 0) return { code: 2, text: `status takes no arguments\n\n${COMMANDS_USAGE}` };
    return statusReport(manager);
  }
  const [description, ...extra] = positionals;
  if (description === undefined || extra.length > 0 || !values.force) {
    return { code: 2, text: `release needs one description and --force (it frees someone else's claim)\n\n${COMMANDS_USAGE}` };
  }
  const line = values.line === undefined ? undefined : Number(values.line);
  return forcedRelease(manager, { description, reason: values.reason, line });
}

function parseCommandArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      root: { type: "string" },
      "agent-id": { type: "string" },
      force: { type: "boolean" },
      reason: { type: "string" },
      line: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
}
