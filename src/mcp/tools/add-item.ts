import { z } from "zod";
import { itemChangeShape } from "./schemas.js";
import { defineTool } from "./tool.js";

export const addItem = defineTool({
  name: "add_item",
  title: "Add a work item",
  description:
    "Add a new available item to the board (one line, 1-500 characters) when you discover work others could pick up. " +
    "End it with `(after: <item>; <item>)` to make it wait for them. `duplicate` means an open item with that description already exists: claim it instead.",
  input: z.object({
    description: z.string().describe("One line describing the work, e.g. `Write tests for the login form`."),
    section: z.string().optional().describe("Heading to add under; default `Available Work Items` (created if missing)."),
  }),
  output: z.object({ ...itemChangeShape, status: z.literal("available"), section: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handle: (manager, args) => manager.add({ description: args.description, section: args.section }),
  summarize: (r) => `Added "${r.description}" at line ${r.line} under "${r.section}".`,
});
