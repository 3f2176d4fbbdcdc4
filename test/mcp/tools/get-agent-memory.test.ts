import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { ALPHA_TEMPLATE, agentFile, BAD_AGENT_IDS, BROKEN_MEMORIES, expectFailure, fixture, holdLock, snapshotTree } from "./support.js";

const EMPTY_SECTIONS = { scratchpad: "", subtasks: "", notes: "" };

describe("get_agent_memory", () => {
  it("reads a missing file as the empty template and writes nothing", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const reply = await call(client, "get_agent_memory");
    expect(reply.isError).toBe(false);
    expect(reply.data).toEqual({ success: true, agent_id: "alpha", content: ALPHA_TEMPLATE, sections: EMPTY_SECTIONS });
    expect(reply.text).not.toBe("");
    expect(await snapshotTree(root)).toEqual({});
  });

  it("reads a missing file as the template when .hfs exists, creating no agents/ folder", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs"));
    const client = await inMemoryClient({ root });
    const before = await snapshotTree(root);
    expect((await call(client, "get_agent_memory", { agent_id: "alpha" })).data).toEqual({
      success: true,
      agent_id: "alpha",
      content: ALPHA_TEMPLATE,
      sections: EMPTY_SECTIONS,
    });
    expect(await snapshotTree(root)).toEqual(before);
  });

  it("returns the file's exact content and each known section's text", async () => {
    const root = await tempRoot();
    const text = (await fixture("memory.md")).toString("utf8");
    await mkdir(join(root, ".hfs", "agents"), { recursive: true });
    await writeFile(agentFile(root, "alpha"), text);
    const client = await inMemoryClient({ root, agentId: "alpha" });
    expect((await call(client, "get_agent_memory")).data).toEqual({
      success: true,
      agent_id: "alpha",
      content: text,
      sections: { scratchpad: "old thoughts", subtasks: "- [ ] step one", notes: "remember the milk" },
    });
  });

  it("reads back what update_agent_memory saved", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await call(client, "update_agent_memory", { section: "scratchpad", content: "line 1\nline 2" });
    await call(client, "update_agent_memory", { section: "notes", content: "note" });
    expect((await call(client, "get_agent_memory")).data).toEqual({
      success: true,
      agent_id: "alpha",
      content: "# Agent Memory: alpha\n\n## Scratchpad\n\nline 1\nline 2\n\n## Subtasks\n\n## Notes\n\nnote\n",
      sections: { scratchpad: "line 1\nline 2", subtasks: "", notes: "note" },
    });
  });

  it("reads without the lock: it answers while another process holds it", async () => {
    const root = await tempRoot();
    await holdLock(root);
    const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 300 });
    expect((await call(client, "get_agent_memory")).data).toMatchObject({ success: true, content: ALPHA_TEMPLATE });
  });

  it("rejects each malformed agent id with invalid_input", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    for (const agent_id of BAD_AGENT_IDS) await expectFailure(client, root, "get_agent_memory", { agent_id }, "invalid_input");
    await expectFailure(client, root, "get_agent_memory", { agent_id: 12 }, "invalid_input");
  });

  it("without a configured id: takes agent_id per call, and requires one", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    await expectFailure(client, root, "get_agent_memory", {}, "agent_id_required");
    expect((await call(client, "get_agent_memory", { agent_id: "bravo" })).data).toMatchObject({
      success: true,
      agent_id: "bravo",
      content: "# Agent Memory: bravo\n\n## Scratchpad\n\n## Subtasks\n\n## Notes\n",
    });
  });

  it("with a configured id: accepts the same id or none, and refuses another with agent_mismatch", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(client, root, "get_agent_memory", { agent_id: "bravo" }, "agent_mismatch");
    expect((await call(client, "get_agent_memory", { agent_id: "alpha" })).data).toMatchObject({ success: true, agent_id: "alpha" });
  });

  for (const broken of BROKEN_MEMORIES) {
    it(`fails with file_error when ${broken.name}, touching nothing`, async () => {
      const root = await tempRoot();
      await broken.make(root);
      const client = await inMemoryClient({ root, agentId: "alpha" });
      await expectFailure(client, root, "get_agent_memory", {}, "file_error");
    });
  }
});
