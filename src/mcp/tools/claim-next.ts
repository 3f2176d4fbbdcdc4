import { z } from "zod";
import { agentIdField, claimedShape } from "./schemas.js";
import { defineTool } from "./tool.js";

export const claimNext = defineTool({
  name: "claim_next",
  title: "Claim the next ready item",
  description:
    "Pick and claim the first ready item (board order: available, waiting for nothing), optionally in a section and/or " +
    "matching a text, in one atomic step (no race, unlike get_work_items then claim_item). `none_available`: nothing matches.",
  input: z.object({
    section: z.string().optional().describe("Only items under this heading (its sub-sections included)."),
    query: z.string().optional().describe("Only items whose description contains this text (case-insensitive)."),
    agent_id: agentIdField,
  }),
  output: z.object(claimedShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handle: (manager, args) => manager.claimNext({ section: args.section, query: args.query, agentId: args.agent_id }),
  summarize: (r) =>
    `Claimed "${r.description}" (line ${r.line}) for ${r.claimed_by}${r.reclaimed_from ? `, taken from ${r.reclaimed_from} (offline)` : ""}.`,
});
