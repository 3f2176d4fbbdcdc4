export { createServer, INSTRUCTIONS, type ServerOptions } from "./mcp/server.js";
export { BoardManager, FAILURE_REASONS, type BoardManagerOptions, type Failure, type FailureReason, type WorkItem } from "./board/index.js";
export { TOOLS } from "./mcp/tools/index.js";
