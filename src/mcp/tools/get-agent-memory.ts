import { z } from "zod";
import { agentIdField } from "./schemas.js";
import { defineTool } from "./tool.js";

export const getAgentMemory = defineTool({
  name: "get_agent_memory",
  title: "Read your memory",
  description:
    "Read your memory file (scratchpad, subtasks, notes), e.g. after a restart to pick up where you left off. " +
    "Missing: the empty template; long: pages (`next_offset`).",
  input: z.object({
    agent_id: agentIdField,
    offset: z.number().int().optional().describe("`next_offset` of the previous page."),
  }),
  output: z.object({
    success: z.literal(true),
    agent_id: z.string(),
    content: z.string(),
    sections: z.object({ scratchpad: z.string(), subtasks: z.string(), notes: z.string() }),
    truncated: z.literal(true).optional(),
    next_offset: z.number().int().optional(),
    total_chars: z.number().int().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handle: (manager, args) => manager.getMemory({ agentId: args.agent_id, offset: args.offset }),
  summarize: (r) =>
    r.truncated
      ? `${r.content}\n\n[Part of a ${r.total_chars}-character file${r.next_offset === undefined ? "; this is the last part" : `: call again with offset ${r.next_offset} for more`}.]`
      : r.content,
});
