export { BoardManager, type BoardManagerOptions, FAILURE_REASONS, type Failure, type FailureReason, type WorkItem } from "./board/index.js";
export { createServer, INSTRUCTIONS, type ServerOptions } from "./mcp/server.js";
export { TOOLS } from "./mcp/tools/index.js";
