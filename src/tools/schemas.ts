import { z } from "zod";
import { FAILURE_REASONS } from "../board/index.js";

/** Input fields shared by several tools. Types only: the board manager owns the rules and their messages. */
export const descriptionField = z
  .string()
  .describe("The item's description exactly as get_work_items returns it (case and spacing may differ if unique).");
export const lineField = z
  .number()
  .int()
  .optional()
  .describe("The item's line from get_work_items; only needed when several items share the description.");
export const agentIdField = z
  .string()
  .optional()
  .describe("Your agent id, e.g. `agent-1`. Omit it when the server was started with --agent-id.");

export const statusEnum = z.enum(["available", "in_progress", "completed"]);

/** Output fields shared by the item-changing tools. */
export const itemChangeShape = {
  success: z.literal(true),
  description: z.string(),
  line: z.number().int(),
};

/** Every tool fails the same way; `reason` is machine-readable, `hint` says what to do next. */
export const failureSchema = z.object({
  success: z.literal(false),
  reason: z.enum([...FAILURE_REASONS, "internal_error"]),
  message: z.string(),
  hint: z.string(),
  suggestions: z.array(z.string()).optional(),
  candidates: z.array(z.object({ description: z.string(), line: z.number().int() })).optional(),
  status: statusEnum.optional(),
  claimed_by: z.string().nullable().optional(),
  field: z.string().optional(),
});
