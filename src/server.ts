import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { BoardManager, type BoardManagerOptions } from "./board/index.js";
import { registerTools } from "./tools/index.js";
import { VERSION } from "./version.js";

export interface ServerOptions extends BoardManagerOptions {
  /** Where diagnostics go; never stdout, which carries the protocol. Defaults to stderr. */
  log?: (message: string) => void;
  /** An existing manager to serve (the CLI keeps one to drain writes on shutdown); else one is created. */
  manager?: BoardManager;
}

export const INSTRUCTIONS = [
  "Several agents share work through one board of items (.hfs/state.md).",
  "1. get_work_items to see what is available.",
  "2. claim_item before you start an item; not_available means another agent has it: pick another.",
  "   Or claim_next: it picks and claims the next available item in one step.",
  "3. complete_item when it is done; release_item if you stop without finishing.",
  "add_item records new work; update_agent_memory / get_agent_memory keep your own notes.",
].join("\n");

/** An MCP server over the board at `options.root`. Creating it touches no file; connect it to a transport. */
export function createServer(options: ServerOptions): McpServer {
  const log = options.log ?? ((message: string) => process.stderr.write(`hfs-mcp: ${message}\n`));
  const manager = options.manager ?? new BoardManager(options);
  const server = new McpServer({ name: "hfs-mcp", version: VERSION }, { instructions: INSTRUCTIONS });
  registerTools(server, manager, log);
  return server;
}
