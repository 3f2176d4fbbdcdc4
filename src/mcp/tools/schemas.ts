import { z } from "zod";
import { FAILURE_REASONS } from "../../board/index.js";

/** Input fields shared by several tools. Types only: the board manager owns the rules and their messages. */
export const descriptionField = z.string().describe("The item's description, as get_work_items shows it.");
export const lineField = z.number().int().optional().describe("Its line from get_work_items; needed only when descriptions repeat.");
export const agentIdField = z.string().optional().describe("Your agent id (e.g. `agent-1`); omit it if the server has --agent-id.");

export const statusEnum = z.enum(["available", "in_progress", "completed"]);

/** Output fields shared by the item-changing tools. */
export const itemChangeShape = {
  success: z.literal(true),
  description: z.string(),
  line: z.number().int(),
};

/** What keeps an item from being started (get_work_items' `blocked_by`, the `blocked` failure's). */
export const blockerSchema = z.object({
  description: z.string(),
  line: z.number().int().nullable(),
  problem: z.enum(["not_found", "ambiguous", "cycle"]).optional(),
});

/** Output fields of the claiming tools. */
export const claimedShape = {
  ...itemChangeShape,
  status: z.literal("in_progress"),
  claimed_by: z.string(),
  reclaimed_from: z.string().optional().describe("The holder, offline long enough, this claim was taken from."),
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
  blocked_by: z.array(blockerSchema).optional(),
});
