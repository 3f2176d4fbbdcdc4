import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  type Tool as ListedTool,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { type BoardManager, failure } from "../../board/index.js";
import { addItem } from "./add-item.js";
import { claimItem } from "./claim-item.js";
import { claimNext } from "./claim-next.js";
import { completeItem } from "./complete-item.js";
import { getAgentMemory } from "./get-agent-memory.js";
import { getWorkItems } from "./get-work-items.js";
import { jsonSchema } from "./json-schema.js";
import { releaseItem } from "./release-item.js";
import { failureSchema } from "./schemas.js";
import type { Tool } from "./tool.js";
import { failureResult, toToolResult } from "./tool-result.js";
import { updateAgentMemory } from "./update-agent-memory.js";

export const TOOLS: readonly Tool[] = [
  getWorkItems,
  claimItem,
  claimNext,
  completeItem,
  releaseItem,
  addItem,
  updateAgentMemory,
  getAgentMemory,
];

/**
 * Serve `tools/list` and `tools/call` ourselves rather than through McpServer.registerTool, so that *every* bad
 * call — a wrong type as much as a too-long description — comes back as the same structured `invalid_input`
 * failure an agent can act on, instead of the SDK's plain-text validation error.
 */
const byName = new Map(TOOLS.map((tool) => [tool.name, tool]));

export function registerTools(server: McpServer, manager: BoardManager, log: (message: string) => void): void {
  server.server.registerCapabilities({ tools: {} });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listedTools() }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      return failureResult(
        failure("invalid_input", `there is no tool \`${request.params.name}\``, `Use one of: ${TOOLS.map((t) => t.name).join(", ")}.`),
      );
    }
    const args = tool.input.safeParse(request.params.arguments ?? {});
    if (!args.success) return failureResult(invalidArguments(tool, args.error));
    try {
      return toToolResult(tool, await tool.handle(manager, args.data));
    } catch (error) {
      log(`${tool.name} failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`);
      return failureResult({
        success: false,
        reason: "internal_error",
        message: `${tool.name} failed unexpectedly: ${(error as Error)?.message ?? String(error)}`,
        hint: "This is a bug in hfs-mcp (details on its stderr); files are only ever replaced whole. Retry once, then report it.",
      });
    }
  });
}

function invalidArguments(tool: Tool, error: z.ZodError) {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || undefined;
  return failure(
    "invalid_input",
    `${tool.name}: ${field ? `\`${field}\`: ` : ""}${issue?.message ?? "invalid arguments"}`,
    `Check the arguments against ${tool.name}'s input schema (tools/list) and call again.`,
    field ? { field } : {},
  );
}

let listed: ListedTool[] | undefined;

/**
 * The tools as `tools/list` shows them, JSON Schemas included. Built on first request (JSON Schema generation
 * is not free at start-up: ~20 ms), then shared by every server in the process — over HTTP, every session.
 */
export function listedTools(): ListedTool[] {
  listed ??= TOOLS.map(toListedTool);
  return listed;
}

function toListedTool(tool: Tool): ListedTool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(tool.input, "input") as ListedTool["inputSchema"],
    // One schema for both outcomes: clients validate structuredContent of error results too.
    outputSchema: { type: "object", anyOf: [jsonSchema(tool.output, "output"), jsonSchema(failureSchema, "output")] },
    annotations: { title: tool.title, ...tool.annotations },
  };
}
