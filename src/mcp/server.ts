import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { BoardManager, type BoardManagerOptions } from "../board/index.js";
import { VERSION } from "../version.js";
import { actingAs } from "./acting-as.js";
import { CurrentBoard } from "./current-board.js";
import { logWrites } from "./logging.js";
import { presenceOfCalls } from "./presence-scope.js";
import { registerBoardResources } from "./resources/board-resources.js";
import { followClientRoots } from "./roots.js";
import { registerTools } from "./tools/index.js";

/**
 * What to serve: an existing board (`board`: the CLI keeps it to drain writes on shutdown; HTTP sessions share
 * one), or the board a new manager opens at `root` with the other BoardManagerOptions.
 */
export type ServerOptions = ServeOptions & ({ board: CurrentBoard } | (BoardManagerOptions & { board?: undefined }));

/** How the server behaves, whatever board it serves. */
export interface ServeOptions {
  /** Where diagnostics go; never stdout, which carries the protocol. Defaults to stderr. */
  log?: (message: string) => void;
  /**
   * Nobody chose `root` (it is the working directory): serve the first `file://` root of a client that offers
   * roots instead, and follow its changes (see roots.ts).
   */
  followClientRoots?: boolean;
  /** With followClientRoots and a board without a root: neither the client nor anyone else gives one. */
  onNoRoot?: (why: string) => void;
  /**
   * The agent this server's calls act for, on a `board` whose manager acts for nobody because servers of
   * several agents share it (HTTP sessions). The same rules as a manager's `agentId` (--agent-id).
   */
  sessionAgent?: string;
}

export const INSTRUCTIONS = [
  "Several agents share work through one board of items (.hfs/state.md).",
  "1. get_work_items to see what is available: `ready` items can be started now, `blocked_by` is what one waits for.",
  "2. claim_item before you start an item; not_available (another agent has it) or blocked (it waits): pick another.",
  "   Or claim_next: it picks and claims the next ready item in one step.",
  "3. complete_item when it is done; release_item if you stop without finishing.",
  "add_item records new work (`(after: <item>)` at its end makes it wait); update_agent_memory / get_agent_memory keep your notes.",
].join("\n");

/** An MCP server over the board at `options.root`. Creating it touches no file; connect it to a transport. */
export function createServer(options: ServerOptions): McpServer {
  const log = options.log ?? ((message: string) => process.stderr.write(`hfs-mcp: ${message}\n`));
  const board = options.board ?? new CurrentBoard(options, new BoardManager(options));
  // `logging` must be declared here, in the constructor: the SDK installs its logging/setLevel handler only then.
  const server = new McpServer({ name: "hfs-mcp", version: VERSION }, { instructions: INSTRUCTIONS, capabilities: { logging: {} } });
  const logWrite = logWrites(server);
  const presence = presenceOfCalls(board);
  const manager = board.view((method, input, outcome, called) => {
    presence.observe(method, input, outcome, called);
    logWrite(method, input, outcome, called);
  });
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    presence.close();
    previousOnClose?.();
  };
  registerTools(server, options.sessionAgent === undefined ? manager : actingAs(manager, options.sessionAgent), log);
  registerBoardResources(server, board, log);
  if (options.followClientRoots) followClientRoots(server, board, { log, onNoRoot: options.onNoRoot });
  return server;
}
