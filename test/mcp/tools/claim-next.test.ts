import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { expectFailure, writeBoard } from "./support.js";

const BOARD = [
  "# Shared State",
  "",
  "## Available Work Items",
  "",
  "- [x] Create repo",
  "- [ ] Build auth [IP:bravo]",
  "- [ ] Write docs",
  "- [ ] Write API reference",
  "",
  "### Frontend",
  "",
  "- [ ] Style the login form",
  "",
  "## Later",
  "",
  "- [ ] Plan v2 docs",
  "",
].join("\n");

async function boardRoot() {
  const root = await tempRoot();
  await writeBoard(root, BOARD);
  return root;
}

describe("claim_next", () => {
  it("claims the first available item in file order, skipping done and held ones", async () => {
    const root = await boardRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const reply = await call(client, "claim_next");
    expect(reply.data).toEqual({ success: true, description: "Write docs", status: "in_progress", claimed_by: "alpha", line: 7 });
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(BOARD.replace("- [ ] Write docs", "- [ ] Write docs [IP:alpha]"));
    expect((await call(client, "claim_next")).data.description).toBe("Write API reference");
  });

  it("limits the pick to a section (with its sub-sections) and/or a case-insensitive query", async () => {
    const client = await inMemoryClient({ root: await boardRoot(), agentId: "alpha" });
    expect((await call(client, "claim_next", { section: "later" })).data.description).toBe("Plan v2 docs");
    expect((await call(client, "claim_next", { query: "LOGIN" })).data.description).toBe("Style the login form");
    expect((await call(client, "claim_next", { section: "Available Work Items", query: "api" })).data.description).toBe(
      "Write API reference",
    );
  });

  it("fails with none_available, writing nothing, when nothing matches or the section does not exist", async () => {
    const root = await boardRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const none = await expectFailure(client, root, "claim_next", { query: "deploy" }, "none_available");
    expect(none.message).toContain("deploy");
    const noSection = await expectFailure(client, root, "claim_next", { section: "Backlog" }, "none_available");
    expect(noSection.message).toContain("no such section");
  });

  it("follows the identity rules and validates its input", async () => {
    const root = await boardRoot();
    await expectFailure(await inMemoryClient({ root }), root, "claim_next", {}, "agent_id_required");
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(alpha, root, "claim_next", { agent_id: "bravo" }, "agent_mismatch");
    await expectFailure(alpha, root, "claim_next", { query: "a\nb" }, "invalid_input");
    await expectFailure(alpha, root, "claim_next", { section: "" }, "invalid_input");
  });
});
