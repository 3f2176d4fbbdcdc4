import { z } from "zod";
import { agentIdField, claimedShape, descriptionField, lineField } from "./schemas.js";
import { defineTool } from "./tool.js";

export const claimItem = defineTool({
  name: "claim_item",
  title: "Claim a work item",
  description:
    "Claim an available item before working on it, so no other agent does it too. Exactly one agent wins; " +
    "`not_available` means another agent holds it, `blocked` that it waits for the items in `blocked_by`: pick a different item. " +
    "Claiming an item you already hold succeeds (safe to retry).",
  input: z.object({ description: descriptionField, line: lineField, agent_id: agentIdField }),
  output: z.object(claimedShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handle: (manager, args) => manager.claim({ description: args.description, line: args.line, agentId: args.agent_id }),
  summarize: (r) =>
    `Claimed "${r.description}" (line ${r.line}) for ${r.claimed_by}${r.reclaimed_from ? `, taken from ${r.reclaimed_from} (offline)` : ""}.`,
});
