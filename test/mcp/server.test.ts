import { readFile } from "node:fs/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { describe, expect, it, vi } from "vitest";
import { call, inMemoryClient } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { snapshotTree } from "./tools/support.js";

const TOOL_NAMES = [
  "add_item",
  "claim_item",
  "claim_next",
  "complete_item",
  "get_agent_memory",
  "get_work_items",
  "release_item",
  "update_agent_memory",
];

// The spec's inputs: which arguments each tool takes, and which of them are required.
const INPUTS: Record<string, { properties: string[]; required: string[] }> = {
  get_work_items: {
    properties: ["claimed_before", "claimed_by", "cursor", "limit", "older_than_minutes", "ready", "status"],
    required: [],
  },
  claim_item: { properties: ["agent_id", "description", "line"], required: ["description"] },
  claim_next: { properties: ["agent_id", "query", "section"], required: [] },
  complete_item: { properties: ["agent_id", "description", "line"], required: ["description"] },
  release_item: { properties: ["agent_id", "description", "force", "line", "reason"], required: ["description"] },
  add_item: { properties: ["description", "section"], required: ["description"] },
  update_agent_memory: { properties: ["agent_id", "append", "content", "section"], required: ["content", "section"] },
  get_agent_memory: { properties: ["agent_id", "offset"], required: [] },
};

describe("public API", () => {
  it("exports exactly createServer, INSTRUCTIONS, TOOLS, BoardManager and FAILURE_REASONS", async () => {
    const api = await import("../../src/index.js");
    expect(Object.keys(api).sort()).toEqual(["BoardManager", "FAILURE_REASONS", "INSTRUCTIONS", "TOOLS", "createServer"]);
    expect([...api.FAILURE_REASONS].sort()).toEqual(
      [
        "not_found",
        "ambiguous",
        "not_available",
        "none_available",
        "not_owner",
        "already_complete",
        "blocked",
        "duplicate",
        "invalid_input",
        "agent_id_required",
        "agent_mismatch",
        "lock_timeout",
        "contention",
        "board_conflict",
        "file_error",
        "sync_unavailable",
      ].sort(),
    );
  });

  it("importing and creating the server, and listing its tools, touches no file", async () => {
    const root = await tempRoot();
    const cwd = process.cwd();
    process.chdir(root); // a module that wrote relative to the working directory would show up here too
    try {
      vi.resetModules();
      const { createServer } = await import("../../src/mcp/server.js");
      const server = createServer({ root, agentId: "alpha", log: () => undefined });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const client = new Client({ name: "api-test", version: "0.0.0" });
      await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
      await client.listTools();
      await client.close();
    } finally {
      process.chdir(cwd);
    }
    expect(await snapshotTree(root)).toEqual({});
  });

  it("src/version.ts VERSION equals package.json's version, and the server reports it", async () => {
    const { VERSION } = await import("../../src/version.js");
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const client = await inMemoryClient({ root: await tempRoot() });
    expect(client.getServerVersion()).toMatchObject({ name: "hfs-mcp", version: pkg.version });
  });
});

describe("tools/list", () => {
  it("lists exactly the seven tools of the core spec, plus claim_next", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(TOOL_NAMES);
  });

  it("gives each tool a title, an LLM-oriented description, object schemas and the spec's arguments", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const { tools } = await client.listTools();
    for (const tool of tools) {
      expect(tool.title?.trim(), tool.name).toBeTruthy();
      // Long enough to say when to use the tool and what it does; a bare label would not be.
      expect(tool.description?.length ?? 0, tool.name).toBeGreaterThanOrEqual(80);
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.inputSchema.type, tool.name).toBe("object");
      const expected = INPUTS[tool.name]!;
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort(), tool.name).toEqual(expected.properties);
      expect([...(tool.inputSchema.required ?? [])].sort(), tool.name).toEqual(expected.required);
    }
  });

  it("says in the item tools' descriptions what their main failure means", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const { tools } = await client.listTools();
    const description = (name: string) => tools.find((tool) => tool.name === name)?.description ?? "";
    expect(description("claim_item")).toContain("not_available");
    expect(description("claim_item")).toContain("blocked");
    expect(description("complete_item")).toContain("not_owner");
    expect(description("release_item")).toContain("not_owner");
    expect(description("add_item")).toContain("duplicate");
    expect(description("claim_next")).toContain("none_available");
  });

  it("spells nullable fields as anyOf branches of one type each, never as a `type` array (the Inspector's portability check)", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const { tools } = await client.listTools();
    const typeArrays: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (node === null || typeof node !== "object") return;
      if (!Array.isArray(node) && Array.isArray((node as { type?: unknown }).type)) typeArrays.push(path);
      for (const [key, value] of Object.entries(node)) visit(value, `${path}.${key}`);
    };
    for (const tool of tools) visit(tool, tool.name);
    expect(typeArrays).toEqual([]);
    const workItems = tools.find((tool) => tool.name === "get_work_items")!.outputSchema as any;
    expect(workItems.anyOf[0].properties.items.items.properties.claimed_by).toEqual({ anyOf: [{ type: "string" }, { type: "null" }] });
  });

  it("keeps the output schemas as strict as before for the SDK's validator: null or a string, nothing else", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const { tools } = await client.listTools();
    const validate = new AjvJsonSchemaValidator().getValidator(tools.find((tool) => tool.name === "claim_item")!.outputSchema as object);
    const failure = { success: false, reason: "not_owner", message: "m", hint: "h", status: "available" };
    expect(validate({ ...failure, claimed_by: null }).valid).toBe(true);
    expect(validate({ ...failure, claimed_by: "alpha" }).valid).toBe(true);
    expect(validate(failure).valid).toBe(true);
    expect(validate({ ...failure, claimed_by: 7 }).valid).toBe(false);
    expect(validate({ success: true, description: "d", line: 1, status: "in_progress", claimed_by: null }).valid).toBe(false);
  });

  it("marks exactly get_work_items and get_agent_memory read-only", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const { tools } = await client.listTools();
    const readOnly = Object.fromEntries(tools.map((tool) => [tool.name, tool.annotations?.readOnlyHint]));
    expect(readOnly).toEqual({
      get_work_items: true,
      get_agent_memory: true,
      claim_item: false,
      claim_next: false,
      complete_item: false,
      release_item: false,
      add_item: false,
      update_agent_memory: false,
    });
  });
});

describe("instructions", () => {
  it("give the protocol: list, then claim, then complete, then release", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const instructions = client.getInstructions() ?? "";
    const at = ["get_work_items", "claim_item", "complete_item", "release_item"].map((name) => instructions.indexOf(name));
    expect(
      at.every((index) => index >= 0),
      instructions,
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});

describe("tools/call", () => {
  it("answers an unknown tool with a structured invalid_input and keeps serving", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    const reply = await call(client, "delete_everything", {});
    expect(reply.isError).toBe(true);
    expect(reply.data).toMatchObject({ success: false, reason: "invalid_input" });
    expect(String(reply.data.hint)).toContain("get_work_items");
    expect((await call(client, "get_work_items")).data).toMatchObject({ success: true });
    expect(await snapshotTree(root)).toEqual({});
  });
});

describe("what a model reads", () => {
  it("keeps tools/list (names, descriptions, input schemas, as JSON) plus the instructions under 6,500 characters", async () => {
    const client = await inMemoryClient({ root: await tempRoot() });
    const { tools } = await client.listTools();
    const seen = JSON.stringify(tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })));
    const size = seen.length + (client.getInstructions() ?? "").length;
    console.log(
      `FIGURES tools/list: ${seen.length} characters of tools + ${(client.getInstructions() ?? "").length} of instructions = ${size}`,
    );
    expect(size).toBeLessThan(6_500);
    expect(seen).not.toContain("9007199254740991");
  });
});
