#!/usr/bin/env node
// The start-up and memory reference for bench/startup.mjs: the least an MCP server on the same SDK can be.
// One tool with zod input and output schemas, registered with McpServer.registerTool, served over stdio.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "minimal-bench-server", version: "0.0.0" });
server.registerTool(
  "echo",
  {
    title: "Echo",
    description: "Returns the text it was given.",
    inputSchema: { text: z.string() },
    outputSchema: { text: z.string() },
    annotations: { readOnlyHint: true },
  },
  async ({ text }) => ({ content: [{ type: "text", text }], structuredContent: { text } }),
);
process.stdin.on("close", () => process.exit(0));
await server.connect(new StdioServerTransport());
