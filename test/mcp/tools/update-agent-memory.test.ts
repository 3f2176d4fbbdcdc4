import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import {
  ALPHA_TEMPLATE,
  agentFile,
  BAD_AGENT_IDS,
  BROKEN_MEMORIES,
  expectFailure,
  fixture,
  holdLock,
  snapshotTree,
  writeBoard,
} from "./support.js";

async function readMemory(root: string, id = "alpha"): Promise<string> {
  return readFile(agentFile(root, id), "utf8");
}

async function memoryRoot(): Promise<{ root: string; text: string }> {
  const root = await tempRoot();
  const text = (await fixture("memory.md")).toString("utf8");
  await mkdir(join(root, ".hfs", "agents"), { recursive: true });
  await writeFile(agentFile(root, "alpha"), text);
  return { root, text };
}

describe("update_agent_memory", () => {
  it("creates the memory file from the template on the first save, and nothing else", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const reply = await call(client, "update_agent_memory", { section: "scratchpad", content: "Thinking about auth" });
    expect(reply.isError).toBe(false);
    expect(reply.data).toEqual({ success: true, agent_id: "alpha", section: "scratchpad", preview: "Thinking about auth" });
    expect(reply.text).not.toBe("");
    expect(await snapshotTree(root)).toEqual({
      ".hfs": { kind: "dir" },
      ".hfs/agents": { kind: "dir" },
      ".hfs/agents/alpha.md": {
        kind: "file",
        bytes: "utf8:# Agent Memory: alpha\n\n## Scratchpad\n\nThinking about auth\n\n## Subtasks\n\n## Notes\n",
      },
    });
  });

  it("replaces a section by default and appends below it with append: true", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await call(client, "update_agent_memory", { section: "subtasks", content: "- [ ] draft" });
    const replaced = await call(client, "update_agent_memory", { section: "subtasks", content: "- [ ] one\n- [ ] two", append: false });
    expect(replaced.data).toEqual({ success: true, agent_id: "alpha", section: "subtasks", preview: "- [ ] one\n- [ ] two" });
    const appended = await call(client, "update_agent_memory", { section: "subtasks", content: "- [ ] three", append: true });
    expect(appended.data).toEqual({ success: true, agent_id: "alpha", section: "subtasks", preview: "- [ ] one\n- [ ] two\n- [ ] three" });
    await call(client, "update_agent_memory", { section: "notes", content: "Use the staging DB" });
    expect(await readMemory(root)).toBe(
      "# Agent Memory: alpha\n\n## Scratchpad\n\n## Subtasks\n\n- [ ] one\n- [ ] two\n- [ ] three\n\n## Notes\n\nUse the staging DB\n",
    );
  });

  it("keeps every other byte, including a section a person added", async () => {
    const { root, text } = await memoryRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await call(client, "update_agent_memory", { section: "scratchpad", content: "new thoughts" });
    const afterReplace = text.replace("\nold thoughts\n", "\nnew thoughts\n");
    expect(afterReplace).not.toBe(text);
    expect(await readMemory(root)).toBe(afterReplace);
    await call(client, "update_agent_memory", { section: "notes", content: "and the eggs", append: true });
    expect(await readMemory(root)).toBe(afterReplace.replace("remember the milk\n", "remember the milk\nand the eggs\n"));
  });

  it("previews the first 200 characters of the section", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const content = Array.from({ length: 300 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    const reply = await call(client, "update_agent_memory", { section: "notes", content });
    expect(reply.data.preview).toBe(content.slice(0, 200));
    const more = await call(client, "update_agent_memory", { section: "notes", content: "tail", append: true });
    expect(more.data.preview).toBe(content.slice(0, 200));
    const short = await call(client, "update_agent_memory", { section: "notes", content: "short", append: false });
    expect(short.data.preview).toBe("short");
  });

  it("accepts content of exactly 64 KiB and refuses one byte more, counting bytes not characters", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    expect((await call(client, "update_agent_memory", { section: "notes", content: "m".repeat(64 * 1024) })).data).toMatchObject({
      success: true,
    });
    await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "m".repeat(64 * 1024 + 1) }, "invalid_input");
    // 32 769 characters, 65 538 bytes.
    await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "é".repeat(32 * 1024 + 1) }, "invalid_input");
  });

  it("rejects bad sections, contents, flags and agent ids with invalid_input, creating nothing", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    const bad: Record<string, unknown>[] = [
      { section: "todo", content: "x", agent_id: "alpha" },
      { content: "x", agent_id: "alpha" },
      { section: "notes", agent_id: "alpha" },
      { section: "notes", content: 5, agent_id: "alpha" },
      { section: "notes", content: "x", append: "yes", agent_id: "alpha" },
      ...BAD_AGENT_IDS.map((id) => ({ section: "notes", content: "x", agent_id: id })),
    ];
    for (const args of bad) await expectFailure(client, root, "update_agent_memory", args, "invalid_input");
    expect(await snapshotTree(root)).toEqual({});
  });

  it("never writes outside agents/ for a path-like id: the board stays as it was", async () => {
    const root = await tempRoot();
    await writeBoard(root, await fixture("board.md"));
    const client = await inMemoryClient({ root });
    for (const id of ["../state", "../../escape", "a/b"]) {
      await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "pwned", agent_id: id }, "invalid_input");
    }
  });

  it("without a configured id: takes agent_id per call, and requires one", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "x" }, "agent_id_required");
    expect((await call(client, "update_agent_memory", { section: "notes", content: "hi", agent_id: "bravo" })).data).toEqual({
      success: true,
      agent_id: "bravo",
      section: "notes",
      preview: "hi",
    });
    expect(await readMemory(root, "bravo")).toBe("# Agent Memory: bravo\n\n## Scratchpad\n\n## Subtasks\n\n## Notes\n\nhi\n");
  });

  it("with a configured id: accepts the same id or none, and refuses another with agent_mismatch", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "x", agent_id: "bravo" }, "agent_mismatch");
    expect((await call(client, "update_agent_memory", { section: "notes", content: "a", agent_id: "alpha" })).data).toMatchObject({
      success: true,
      agent_id: "alpha",
    });
    expect((await call(client, "update_agent_memory", { section: "notes", content: "b", append: true })).data).toMatchObject({
      success: true,
      agent_id: "alpha",
      preview: "a\nb",
    });
  });

  it("fails with lock_timeout while the lock is held, creating no memory file, then works", async () => {
    const root = await tempRoot();
    const release = await holdLock(root);
    const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 300 });
    const started = Date.now();
    await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "x" }, "lock_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await release();
    expect((await call(client, "update_agent_memory", { section: "notes", content: "x" })).data).toMatchObject({ success: true });
    expect(await readMemory(root)).toBe(`${ALPHA_TEMPLATE}\nx\n`);
  });

  it("fails with file_error when the update would push the memory file over 5 MiB, touching nothing", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs", "agents"), { recursive: true });
    // The bulk is one fenced block in Notes: quick to parse, and a valid memory file.
    const text = `${ALPHA_TEMPLATE}\n\`\`\`\n${"n".repeat(5 * 1024 * 1024 - ALPHA_TEMPLATE.length - 20)}\n\`\`\`\n`;
    await writeFile(agentFile(root, "alpha"), text);
    expect(Buffer.byteLength(text)).toBe(5 * 1024 * 1024 - 10);
    const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 2_000 });
    await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "x".repeat(64), append: true }, "file_error");
  });

  for (const broken of BROKEN_MEMORIES) {
    it(`fails with file_error when ${broken.name}, touching nothing`, async () => {
      const root = await tempRoot();
      await broken.make(root);
      const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 2_000 });
      await expectFailure(client, root, "update_agent_memory", { section: "notes", content: "x" }, "file_error");
    });
  }
});
