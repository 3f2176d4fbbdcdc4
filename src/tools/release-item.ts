import { z } from "zod";
import { agentIdField, descriptionField, itemChangeShape, lineField } from "./schemas.js";
import { defineTool } from "./tool.js";

export const releaseItem = defineTool({
  name: "release_item",
  title: "Release a work item",
  description:
    "Give back an item you claimed but will not finish, so another agent can take it. Only the holder may release; " +
    "`not_owner` means you do not hold it.",
  input: z.object({ description: descriptionField, line: lineField, agent_id: agentIdField }),
  output: z.object({ ...itemChangeShape, status: z.literal("available") }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handle: (manager, args) => manager.release({ description: args.description, line: args.line, agentId: args.agent_id }),
  summarize: (r) => `Released "${r.description}" (line ${r.line}); it is available again.`,
});
