import { z } from "zod";
import { agentIdField } from "./schemas.js";
import { defineTool } from "./tool.js";

const memorySection = z.enum(["scratchpad", "subtasks", "notes"]);

export const updateAgentMemory = defineTool({
  name: "update_agent_memory",
  title: "Update your memory",
  description:
    "Save notes to your memory file (.hfs/agents/<id>.md), which survives restarts: `scratchpad` for current thinking, " +
    "`subtasks` for your plan, `notes` to remember. Replaces the section unless append is true. Max 64 KiB a call.",
  input: z.object({
    section: memorySection.describe("Which section to write."),
    content: z.string().describe("Markdown to store; use ### or deeper for headings."),
    append: z.boolean().optional().describe("Add below the section's current text instead of replacing it (default false)."),
    agent_id: agentIdField,
  }),
  output: z.object({ success: z.literal(true), agent_id: z.string(), section: memorySection, preview: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handle: (manager, args) =>
    manager.updateMemory({ section: args.section, content: args.content, append: args.append, agentId: args.agent_id }),
  summarize: (r) => `Saved ${r.section} for ${r.agent_id}.`,
});
