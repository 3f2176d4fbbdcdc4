import { z } from "zod";
import { agentIdField, descriptionField, itemChangeShape, lineField } from "./schemas.js";
import { defineTool } from "./tool.js";

export const releaseItem = defineTool({
  name: "release_item",
  title: "Release a work item",
  description:
    "Give back an item you claimed but will not finish, so another agent can take it. Only the holder may release " +
    "(`not_owner` otherwise), unless `force` is set with a `reason`: that is for reviewing orphaned claims, and is logged.",
  input: z.object({
    description: descriptionField,
    line: lineField,
    agent_id: agentIdField,
    force: z.boolean().optional().describe("Release another agent's claim (orphan review). Needs `reason`."),
    reason: z.string().optional().describe("Why the claim is forced free; recorded in .hfs/log.md."),
  }),
  output: z.object({ ...itemChangeShape, status: z.literal("available"), previous_holder: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handle: (manager, args) =>
    manager.release({ description: args.description, line: args.line, agentId: args.agent_id, force: args.force, reason: args.reason }),
  summarize: (r) => `Released "${r.description}" (line ${r.line}, held by ${r.previous_holder}); it is available again.`,
});
