import { z } from "zod";
import { agentIdField } from "./schemas.js";
import { defineTool } from "./tool.js";

export const getAgentMemory = defineTool({
  name: "get_agent_memory",
  title: "Read your memory",
  description:
    "Read your memory file (scratchpad, subtasks, notes), e.g. after a restart to pick up where you left off. " +
    "A missing file reads as the empty template.",
  input: z.object({ agent_id: agentIdField }),
  output: z.object({
    success: z.literal(true),
    agent_id: z.string(),
    content: z.string(),
    sections: z.object({ scratchpad: z.string(), subtasks: z.string(), notes: z.string() }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handle: (manager, args) => manager.getMemory({ agentId: args.agent_id }),
  summarize: (r) => r.content,
});
