import { z } from "zod";
import { agentIdField, descriptionField, itemChangeShape, lineField } from "./schemas.js";
import { defineTool } from "./tool.js";

export const completeItem = defineTool({
  name: "complete_item",
  title: "Complete a work item",
  description:
    "Mark an item you claimed as done (checks it off on the board). Only its holder may complete it; " +
    "`not_owner` means you do not hold it.",
  input: z.object({ description: descriptionField, line: lineField, agent_id: agentIdField }),
  output: z.object({
    ...itemChangeShape,
    status: z.literal("completed"),
    now_ready: z
      .array(z.object({ description: z.string(), line: z.number().int() }))
      .optional()
      .describe("Items that waited for this one and can be started now."),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handle: (manager, args) => manager.complete({ description: args.description, line: args.line, agentId: args.agent_id }),
  summarize: (r) =>
    `Completed "${r.description}" (line ${r.line}).${r.now_ready ? ` Now ready: ${r.now_ready.map((it) => `"${it.description}" (line ${it.line})`).join(", ")}.` : ""}`,
});
