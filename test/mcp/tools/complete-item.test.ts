import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import {
  BAD_AGENT_IDS,
  BROKEN_BOARDS,
  expectFailure,
  fixture,
  holdLock,
  readBoard,
  replaceLine,
  snapshotTree,
  writeBoard,
} from "./support.js";

async function rootWith(name: string) {
  const root = await tempRoot();
  const text = (await fixture(name)).toString("utf8");
  await writeBoard(root, text);
  return { root, text };
}

describe("complete_item", () => {
  it("completes an item the caller holds: the exact success shape, `[x]` and the marker removed", async () => {
    const { root, text } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const reply = await call(client, "complete_item", { description: "Write tests" });
    expect(reply.isError).toBe(false);
    expect(reply.data).toEqual({ success: true, description: "Write tests", status: "completed", line: 16 });
    expect(reply.text).not.toBe("");
    expect((await readBoard(root)).toString("utf8")).toBe(replaceLine(text, "- [ ] Write tests [IP:alpha]", "- [x] Write tests"));
    const listed = await call(client, "get_work_items", { status: "completed" });
    expect(listed.data.items).toContainEqual({
      description: "Write tests",
      status: "completed",
      claimed_by: null,
      claimed_at: null,
      line: 16,
      section: "In Progress",
      ready: false,
      blocked_by: [],
      holder_online: null,
      holder_offline_since: null,
    });
  });

  it("completes after a claim, on a CRLF board with a BOM and no final newline", async () => {
    const root = await tempRoot();
    const original = (await fixture("crlf-bom.md")).toString("utf8");
    await writeBoard(root, original);
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await call(client, "claim_item", { description: "Write docs" });
    expect((await call(client, "complete_item", { description: "write DOCS" })).data).toEqual({
      success: true,
      description: "Write docs",
      status: "completed",
      line: 6,
    });
    expect((await readBoard(root)).toString("utf8")).toBe(original.replace("- [ ] Write docs\r\n", "- [x] Write docs\r\n"));
  });

  it("fails with not_owner (claimed_by null) on an unclaimed item", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "complete_item", { description: "Build auth" }, "not_owner");
    expect(data.claimed_by).toBeNull();
  });

  it("fails with not_owner (claimed_by) on another agent's item", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "complete_item", { description: "Design schema" }, "not_owner");
    expect(data.claimed_by).toBe("bravo");
  });

  it("fails with already_complete on a checked item, even for the agent that completed it", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await call(client, "complete_item", { description: "Write tests" });
    await expectFailure(client, root, "complete_item", { description: "Write tests" }, "already_complete");
    await expectFailure(client, root, "complete_item", { description: "Pick license" }, "already_complete");
  });

  it("fails with not_found and closest suggestions", async () => {
    const { root } = await rootWith("suggestions.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "complete_item", { description: "Write the user guid" }, "not_found");
    expect(data.suggestions).toEqual(["Write the user guide", "Write the user guides for admins", "Write unit tests"]);
  });

  it("fails with ambiguous and candidates; `line` picks one", async () => {
    const root = await tempRoot();
    const text = "# Shared State\n\n- [ ] Ship it [IP:alpha]\n- [ ] Ship it [IP:alpha]\n";
    await writeBoard(root, text);
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "complete_item", { description: "Ship it" }, "ambiguous");
    expect(data.candidates).toEqual([
      { description: "Ship it", line: 3 },
      { description: "Ship it", line: 4 },
    ]);
    expect((await call(client, "complete_item", { description: "Ship it", line: 4 })).data).toMatchObject({ success: true, line: 4 });
    expect((await readBoard(root)).toString("utf8")).toBe("# Shared State\n\n- [ ] Ship it [IP:alpha]\n- [x] Ship it\n");
  });

  it("rejects bad descriptions, lines and agent ids with invalid_input", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root });
    const bad: Record<string, unknown>[] = [
      { description: "", agent_id: "alpha" },
      { description: "c".repeat(501), agent_id: "alpha" },
      { description: "Write tests\r\nmore", agent_id: "alpha" },
      { description: "Write tests", line: "x", agent_id: "alpha" },
      { description: "Write tests", line: -3, agent_id: "alpha" },
      ...BAD_AGENT_IDS.map((id) => ({ description: "Write tests", agent_id: id })),
    ];
    for (const args of bad) await expectFailure(client, root, "complete_item", args, "invalid_input");
  });

  it("needs an agent id, and refuses to act as another agent", async () => {
    const { root } = await rootWith("board.md");
    const anonymous = await inMemoryClient({ root });
    await expectFailure(anonymous, root, "complete_item", { description: "Write tests" }, "agent_id_required");
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(alpha, root, "complete_item", { description: "Design schema", agent_id: "bravo" }, "agent_mismatch");
    // Per-call identity on the unconfigured server: bravo may complete its own item.
    expect((await call(anonymous, "complete_item", { description: "Design schema", agent_id: "bravo" })).data).toMatchObject({
      success: true,
      status: "completed",
    });
    expect((await call(alpha, "complete_item", { description: "Write tests", agent_id: "alpha" })).data).toMatchObject({ success: true });
  });

  it("fails with lock_timeout while the lock is held, writing nothing, then works", async () => {
    const { root } = await rootWith("board.md");
    const release = await holdLock(root);
    const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 300 });
    const started = Date.now();
    await expectFailure(client, root, "complete_item", { description: "Write tests" }, "lock_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await release();
    expect((await call(client, "complete_item", { description: "Write tests" })).data).toMatchObject({ success: true });
  });

  for (const broken of BROKEN_BOARDS) {
    it(`fails with file_error when ${broken.name}, touching nothing`, async () => {
      const root = await tempRoot();
      await broken.make(root);
      const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 2_000 });
      await expectFailure(client, root, "complete_item", { description: "Write tests" }, "file_error");
    });
  }

  it("fails with not_found on a root without a board and creates no .hfs", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(client, root, "complete_item", { description: "Write tests" }, "not_found");
    expect(await snapshotTree(root)).toEqual({});
  });
});
