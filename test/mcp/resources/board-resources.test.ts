import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { call } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { snapshotTree } from "../tools/support.js";
import { connect } from "./support.js";

async function rejection(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(McpError);
    return error as McpError;
  }
  throw new Error("expected the request to fail");
}

describe("resources", () => {
  it("declares resources with subscribe, and logging", async () => {
    const client = await connect({ root: await tempRoot() });
    expect(client.getServerCapabilities()).toMatchObject({ resources: { subscribe: true }, logging: {}, tools: {} });
  });

  it("lists hfs://state and one hfs://agents/<id> per memory file, and the template", async () => {
    const root = await tempRoot();
    const client = await connect({ root, agentId: "alpha" });
    expect((await client.listResources()).resources.map((resource) => resource.uri)).toEqual(["hfs://state"]);

    await call(client, "update_agent_memory", { section: "notes", content: "alpha's notes" });
    await mkdir(join(root, ".hfs", "agents"), { recursive: true });
    await writeFile(join(root, ".hfs", "agents", "bravo.md"), "# Agent Memory: bravo\n");
    // Not memory files: a name no agent id can have, a temp file, something else, a folder.
    await writeFile(join(root, ".hfs", "agents", "Bravo.md"), "x");
    await writeFile(join(root, ".hfs", "agents", ".alpha.md.123.abcdef.hfs-tmp"), "x");
    await writeFile(join(root, ".hfs", "agents", "notes.txt"), "x");
    await mkdir(join(root, ".hfs", "agents", "charlie.md"));

    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual(["hfs://state", "hfs://agents/alpha", "hfs://agents/bravo"]);
    expect(resources.every((resource) => resource.mimeType === "text/markdown" && resource.name.length > 0)).toBe(true);

    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([expect.objectContaining({ uriTemplate: "hfs://agents/{agent_id}", mimeType: "text/markdown" })]);
  });

  it("reads the files' exact text; a file not written yet reads as empty text, and nothing is created", async () => {
    const root = await tempRoot();
    const client = await connect({ root, agentId: "alpha" });
    for (const uri of ["hfs://state", "hfs://agents/alpha"]) {
      expect(await client.readResource({ uri })).toEqual({ contents: [{ uri, mimeType: "text/markdown", text: "" }] });
    }
    expect(await snapshotTree(root)).toEqual({});

    const board = "# Board\r\n\r\n- [ ] Build auth [IP:alpha]  \r\n- [x] Done"; // CRLF, trailing spaces, no final newline
    await mkdir(join(root, ".hfs"));
    await writeFile(join(root, ".hfs", "state.md"), `\uFEFF${board}`);
    const state = await client.readResource({ uri: "hfs://state" });
    expect(state.contents).toEqual([{ uri: "hfs://state", mimeType: "text/markdown", text: `\uFEFF${board}` }]);

    await call(client, "update_agent_memory", { section: "notes", content: "remember this" });
    const memory = await client.readResource({ uri: "hfs://agents/alpha" });
    expect(memory.contents[0]).toMatchObject({ text: await readFile(join(root, ".hfs", "agents", "alpha.md"), "utf8") });
    expect(memory.contents[0]).toMatchObject({ text: expect.stringContaining("remember this") });
  });

  it("answers an unknown URI or an invalid agent id with invalid params (-32602), naming it", async () => {
    const root = await tempRoot();
    const client = await connect({ root });
    for (const uri of [
      "hfs://nothing",
      "hfs://state/",
      "file:///etc/passwd",
      "hfs://agents/",
      "hfs://agents/Alpha",
      "hfs://agents/..%2Fstate",
      "hfs://agents/../state",
      "hfs://agents/con",
    ]) {
      const error = await rejection(client.readResource({ uri }));
      expect(error.code, uri).toBe(ErrorCode.InvalidParams);
      expect(error.message, uri).toContain(uri);
      const refused = await rejection(client.subscribeResource({ uri }));
      expect(refused.code, uri).toBe(ErrorCode.InvalidParams);
    }
    expect(await snapshotTree(root)).toEqual({});
  });

  it("answers a file it refuses to read (not UTF-8, or through a symlink) with an internal error naming the problem", async () => {
    const root = await tempRoot();
    const client = await connect({ root });
    await mkdir(join(root, ".hfs", "agents"), { recursive: true });
    await writeFile(join(root, ".hfs", "state.md"), Buffer.from([0x2d, 0x20, 0xff, 0xfe, 0x0a]));
    const notUtf8 = await rejection(client.readResource({ uri: "hfs://state" }));
    expect(notUtf8.code).toBe(ErrorCode.InternalError);
    expect(notUtf8.message).toMatch(/UTF-8/i);

    await writeFile(join(root, "elsewhere.md"), "secret");
    await symlink(join(root, "elsewhere.md"), join(root, ".hfs", "agents", "alpha.md"));
    const linked = await rejection(client.readResource({ uri: "hfs://agents/alpha" }));
    expect(linked.code).toBe(ErrorCode.InternalError);
    expect(linked.message).not.toContain("secret");
    // A link is not listed either.
    expect((await client.listResources()).resources.map((resource) => resource.uri)).toEqual(["hfs://state"]);
  });
});
