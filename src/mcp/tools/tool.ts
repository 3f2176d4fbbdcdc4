import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { BoardManager, Outcome } from "../../board/index.js";

/**
 * A tool is data: its schemas and annotations (what `tools/list` shows), a handler that maps validated
 * arguments onto the board manager, and a one-line text rendering of a success for the `content` block.
 */
export interface Tool<Input extends z.ZodObject = z.ZodObject, Success extends { success: true } = { success: true }> {
  name: string;
  title: string;
  description: string;
  input: Input;
  /** The shape of a successful result; failures share one schema across all tools. */
  output: z.ZodObject;
  annotations: ToolAnnotations;
  handle(manager: BoardManager, args: z.infer<Input>): Promise<Outcome<Success>>;
  summarize(result: Success): string;
}

/** Keeps each tool's handler and summary typed against its own schemas. */
export function defineTool<Input extends z.ZodObject, Success extends { success: true }>(tool: Tool<Input, Success>): Tool {
  return tool as unknown as Tool;
}
