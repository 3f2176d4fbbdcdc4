import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describeFailure, type Failure, isFailure, type Outcome } from "../../board/index.js";
import type { Tool } from "./tool.js";

/** A success carries its structured result plus a short text; a failure is `isError` with the same shape. */
export function toToolResult(tool: Tool, outcome: Outcome<{ success: true }>): CallToolResult {
  if (isFailure(outcome)) return failureResult(outcome);
  return {
    content: [{ type: "text", text: tool.summarize(outcome) }],
    structuredContent: outcome as unknown as Record<string, unknown>,
  };
}

export function failureResult(failure: Failure | (Omit<Failure, "reason"> & { reason: "internal_error" })): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: describeFailure(failure) }],
    structuredContent: failure as unknown as Record<string, unknown>,
  };
}
