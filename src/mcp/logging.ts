import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, type LoggingLevel, LoggingLevelSchema, McpError, SetLevelRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { BoardCallObserver } from "./current-board.js";

/** The `logger` name on every MCP log message this server sends. */
export const LOGGER = "hfs-mcp";

const SEVERITY = new Map<LoggingLevel, number>(LoggingLevelSchema.options.map((level, index) => [level, index]));

// The SDK's own schema would turn an unknown level into a parse failure, which goes out as an internal error;
// the spec asks for invalid params (-32602), so the level is checked in the handler.
const LenientSetLevelRequestSchema = SetLevelRequestSchema.extend({
  params: SetLevelRequestSchema.shape.params.extend({ level: z.string() }),
});

/** The severity of the messages sent (`info`), and the level in force before the client sends `logging/setLevel`. */
const INFO = SEVERITY.get("info")!;

/**
 * One `info` log message per successful write (`alpha claimed "Build auth"`): the board's history as it
 * happens, for the people watching a client's log. Failed calls and reads say nothing: the caller already has
 * the result, and a log repeating every poll would drown the writes.
 *
 * Messages go out at `info` from the start (each write is worth a line in a client's log), and follow
 * `logging/setLevel` once the client sends it: `warning` or above silences them. (This replaces the SDK's own
 * setLevel handler, to refuse an unknown level with invalid params; the server must be created with the
 * logging capability.)
 */
export function logWrites(server: McpServer): BoardCallObserver {
  let threshold = INFO;
  server.server.setRequestHandler(LenientSetLevelRequestSchema, (request) => {
    const level = request.params.level as LoggingLevel;
    if (!SEVERITY.has(level)) {
      throw new McpError(ErrorCode.InvalidParams, `unknown log level \`${level}\`: use one of ${[...SEVERITY.keys()].join(", ")}`);
    }
    threshold = SEVERITY.get(level)!;
    return {};
  });
  return (method, input, outcome, manager) => {
    if (INFO < threshold) return;
    const message = describeWrite(method, (input ?? {}) as WriteInput, outcome as WriteOutcome, manager.agentId);
    if (message === undefined) return;
    // A client that has gone away cannot be told; the write itself has succeeded either way.
    server.server.sendLoggingMessage({ level: "info", logger: LOGGER, data: message }).catch(() => undefined);
  };
}

interface WriteInput {
  agentId?: string;
  append?: boolean;
}

interface WriteOutcome {
  success?: boolean;
  description?: string;
  claimed_by?: string;
  reclaimed_from?: string;
  previous_holder?: string | null;
  section?: string;
  agent_id?: string;
}

/** The log line for a board manager call, or undefined when it wrote nothing worth telling (reads, failures). */
export function describeWrite(method: string, input: WriteInput, outcome: WriteOutcome, configuredAgent?: string): string | undefined {
  if (outcome?.success !== true) return undefined;
  const agent = input.agentId ?? configuredAgent;
  const item = JSON.stringify(outcome.description);
  switch (method) {
    case "claim":
      return `${outcome.claimed_by} claimed ${item}${reclaimedNote(outcome)}`;
    case "claimNext":
      return `${outcome.claimed_by} claimed ${item} (the next ready item)${reclaimedNote(outcome)}`;
    case "complete":
      return `${agent} completed ${item}`;
    case "release": {
      const holder = outcome.previous_holder;
      return `${agent} released ${item}${holder && holder !== agent ? ` (held by ${holder})` : ""}`;
    }
    case "add":
      // add_item names no agent; a server started with --agent-id still knows who it acts for.
      return `${agent === undefined ? "" : `${agent} `}added ${item} to ${JSON.stringify(outcome.section)}`;
    case "updateMemory":
      return `${outcome.agent_id} ${input.append ? "appended to" : "updated"} the ${JSON.stringify(outcome.section)} section of its memory`;
    default:
      return undefined;
  }
}

function reclaimedNote(outcome: WriteOutcome): string {
  return outcome.reclaimed_from === undefined ? "" : ` from ${outcome.reclaimed_from}, who is offline`;
}
