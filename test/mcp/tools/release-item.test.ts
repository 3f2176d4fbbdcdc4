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

describe("release_item", () => {
  it("releases an item the caller holds: the exact success shape, marker removed", async () => {
    const { root, text } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const reply = await call(client, "release_item", { description: "Write tests" });
    expect(reply.isError).toBe(false);
    expect(reply.data).toEqual({ success: true, description: "Write tests", status: "available", line: 16, previous_holder: "alpha" });
    expect(reply.text).not.toBe("");
    expect((await readBoard(root)).toString("utf8")).toBe(replaceLine(text, "- [ ] Write tests [IP:alpha]", "- [ ] Write tests"));
    // Another agent can now take it.
    const bravo = await inMemoryClient({ root, agentId: "bravo" });
    expect((await call(bravo, "claim_item", { description: "Write tests" })).data).toMatchObject({ success: true, claimed_by: "bravo" });
  });

  for (const name of ["board.md", "crlf-bom.md"]) {
    it(`gives back the identical bytes after a claim and a release (${name})`, async () => {
      const root = await tempRoot();
      const original = await fixture(name);
      await writeBoard(root, original);
      const client = await inMemoryClient({ root, agentId: "alpha" });
      await call(client, "claim_item", { description: "Build auth" });
      expect(await readBoard(root)).not.toEqual(original);
      expect((await call(client, "release_item", { description: "build auth" })).data).toMatchObject({
        success: true,
        description: "Build auth",
        status: "available",
      });
      expect(await readBoard(root)).toEqual(original);
    });
  }

  it("fails with not_owner (claimed_by null) on an unclaimed item", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "release_item", { description: "Write docs" }, "not_owner");
    expect(data.claimed_by).toBeNull();
  });

  it("fails with not_owner (claimed_by) on another agent's item", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "release_item", { description: "Design schema" }, "not_owner");
    expect(data.claimed_by).toBe("bravo");
  });

  it("fails with already_complete on a checked item", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(client, root, "release_item", { description: "Create repo" }, "already_complete");
  });

  it("fails with not_found and closest suggestions", async () => {
    const { root } = await rootWith("suggestions.md");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "release_item", { description: "Write the user guid" }, "not_found");
    expect(data.suggestions).toEqual(["Write the user guide", "Write the user guides for admins", "Write unit tests"]);
  });

  it("fails with ambiguous and candidates; `line` picks one", async () => {
    const root = await tempRoot();
    await writeBoard(
      root,
      "# Shared State\n\n- [ ] Ship it [IP:alpha]\n\n## Later\n\n- [ ] ship it [IP:alpha]\n- [ ] SHIP IT [IP:alpha]\n",
    );
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "release_item", { description: "ship  IT" }, "ambiguous");
    expect(data.candidates).toEqual([
      { description: "Ship it", line: 3 },
      { description: "ship it", line: 7 },
      { description: "SHIP IT", line: 8 },
    ]);
    expect((await call(client, "release_item", { description: "ship  IT", line: 8 })).data).toMatchObject({ success: true, line: 8 });
    expect((await readBoard(root)).toString("utf8")).toBe(
      "# Shared State\n\n- [ ] Ship it [IP:alpha]\n\n## Later\n\n- [ ] ship it [IP:alpha]\n- [ ] SHIP IT\n",
    );
  });

  it("rejects bad descriptions, lines and agent ids with invalid_input", async () => {
    const { root } = await rootWith("board.md");
    const client = await inMemoryClient({ root });
    const bad: Record<string, unknown>[] = [
      { description: " \t ", agent_id: "alpha" },
      { description: "r".repeat(501), agent_id: "alpha" },
      { description: "Write tests\nmore", agent_id: "alpha" },
      { description: "[IP:alpha]", agent_id: "alpha" },
      { description: ["Write tests"], agent_id: "alpha" },
      { description: "Write tests", line: "16", agent_id: "alpha" },
      ...BAD_AGENT_IDS.map((id) => ({ description: "Write tests", agent_id: id })),
    ];
    for (const args of bad) await expectFailure(client, root, "release_item", args, "invalid_input");
  });

  it("needs an agent id, and refuses to act as another agent", async () => {
    const { root } = await rootWith("board.md");
    const anonymous = await inMemoryClient({ root });
    await expectFailure(anonymous, root, "release_item", { description: "Write tests" }, "agent_id_required");
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(alpha, root, "release_item", { description: "Design schema", agent_id: "bravo" }, "agent_mismatch");
    expect((await call(alpha, "release_item", { description: "Write tests", agent_id: "alpha" })).data).toMatchObject({ success: true });
  });

  it("fails with lock_timeout while the lock is held, writing nothing, then works", async () => {
    const { root } = await rootWith("board.md");
    const release = await holdLock(root);
    const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 300 });
    const started = Date.now();
    await expectFailure(client, root, "release_item", { description: "Write tests" }, "lock_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await release();
    expect((await call(client, "release_item", { description: "Write tests" })).data).toMatchObject({ success: true });
  });

  for (const broken of BROKEN_BOARDS) {
    it(`fails with file_error when ${broken.name}, touching nothing`, async () => {
      const root = await tempRoot();
      await broken.make(root);
      const client = await inMemoryClient({ root, agentId: "alpha", lockTimeoutMs: 2_000 });
      await expectFailure(client, root, "release_item", { description: "Write tests" }, "file_error");
    });
  }

  it("fails with not_found on a root without a board and creates no .hfs", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(client, root, "release_item", { description: "Write tests" }, "not_found");
    expect(await snapshotTree(root)).toEqual({});
  });
});
