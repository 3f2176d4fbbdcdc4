import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { BROKEN_BOARDS, expectFailure, fixture, holdLock, readBoard, snapshotTree, writeBoard } from "./support.js";

// A new board: the template's one section (its comment line says how to read the items), holding the item.
const TEMPLATE_WITH_ITEM =
  "# Shared State\n\n" +
  "<!-- Each task line is a work item: `- [ ]` open, `- [ ] ... [IP:agent]` claimed by that agent, `- [x]` done.\n" +
  "     An item stays where it is whatever its status; add sections of your own to group work. -->\n\n" +
  "## Available Work Items\n\n- [ ] Review PR\n";

async function fixtureRoot() {
  const root = await tempRoot();
  const text = (await fixture("board.md")).toString("utf8");
  await writeBoard(root, text);
  return { root, text };
}

function insertLine(text: string, afterLine: number, line: string): string {
  const lines = text.split("\n");
  lines.splice(afterLine, 0, line);
  return lines.join("\n");
}

describe("add_item", () => {
  it("creates the board from the template on the first write (no agent id needed)", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    const reply = await call(client, "add_item", { description: "Review PR" });
    expect(reply.isError).toBe(false);
    expect(reply.data).toEqual({ success: true, description: "Review PR", status: "available", line: 8, section: "Available Work Items" });
    expect(reply.text).not.toBe("");
    expect((await readBoard(root)).toString("utf8")).toBe(TEMPLATE_WITH_ITEM);
  });

  it("creates the board when .hfs exists without one", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs"));
    const client = await inMemoryClient({ root });
    expect((await call(client, "add_item", { description: "Review PR" })).data).toMatchObject({ success: true, line: 8 });
    expect((await readBoard(root)).toString("utf8")).toBe(TEMPLATE_WITH_ITEM);
  });

  it("inserts after the last item of Available Work Items, below its nested lines, and reports that line", async () => {
    const { root, text } = await fixtureRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const reply = await call(client, "add_item", { description: "  Review PR  " });
    expect(reply.data).toEqual({ success: true, description: "Review PR", status: "available", line: 12, section: "Available Work Items" });
    expect((await readBoard(root)).toString("utf8")).toBe(insertLine(text, 11, "- [ ] Review PR"));
    // The line it reports is the one get_work_items reports.
    const listed = await call(client, "get_work_items", { status: "available" });
    expect(listed.data.items).toContainEqual({
      description: "Review PR",
      status: "available",
      claimed_by: null,
      claimed_at: null,
      line: 12,
      section: "Available Work Items",
      ready: true,
      blocked_by: [],
      holder_online: null,
      holder_offline_since: null,
    });
    expect(listed.data.counts).toEqual({ available: 6, in_progress: 2, completed: 2, ready: 5 });
  });

  it("adds under a named existing section", async () => {
    const { root, text } = await fixtureRoot();
    const client = await inMemoryClient({ root });
    const reply = await call(client, "add_item", { description: "Review PR", section: "In Progress" });
    expect(reply.data).toEqual({ success: true, description: "Review PR", status: "available", line: 17, section: "In Progress" });
    expect((await readBoard(root)).toString("utf8")).toBe(insertLine(text, 16, "- [ ] Review PR"));
  });

  it("creates a missing section at the end of the board", async () => {
    const { root, text } = await fixtureRoot();
    const client = await inMemoryClient({ root });
    const reply = await call(client, "add_item", { description: "Review PR", section: "Backlog" });
    expect(reply.data).toEqual({ success: true, description: "Review PR", status: "available", line: 29, section: "Backlog" });
    expect((await readBoard(root)).toString("utf8")).toBe(`${text}\n## Backlog\n\n- [ ] Review PR\n`);
  });

  it("uses the file's CRLF line ending and keeps its BOM and missing final newline", async () => {
    const root = await tempRoot();
    const original = (await fixture("crlf-bom.md")).toString("utf8");
    await writeBoard(root, original);
    const client = await inMemoryClient({ root });
    expect((await call(client, "add_item", { description: "Review PR" })).data).toMatchObject({ success: true, line: 7 });
    expect((await readBoard(root)).toString("utf8")).toBe(
      original.replace("- [ ] Write docs\r\n", "- [ ] Write docs\r\n- [ ] Review PR\r\n"),
    );
  });

  it("accepts a description of exactly 500 characters", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    const description = "d".repeat(500);
    expect((await call(client, "add_item", { description })).data).toMatchObject({ success: true, description });
  });

  it("fails with duplicate on an open item with that description, matched ignoring case and spacing", async () => {
    const { root } = await fixtureRoot();
    const client = await inMemoryClient({ root });
    for (const description of ["Build auth", " build   AUTH ", "Design schema", "write api reference"]) {
      await expectFailure(client, root, "add_item", { description }, "duplicate");
    }
  });

  it("adds again an item whose only twin is completed", async () => {
    const { root, text } = await fixtureRoot();
    const client = await inMemoryClient({ root });
    expect((await call(client, "add_item", { description: "Create repo" })).data).toMatchObject({ success: true, line: 12 });
    expect((await readBoard(root)).toString("utf8")).toBe(insertLine(text, 11, "- [ ] Create repo"));
  });

  it("rejects bad descriptions and sections with invalid_input", async () => {
    const { root } = await fixtureRoot();
    const client = await inMemoryClient({ root });
    const bad: Record<string, unknown>[] = [
      { description: "" },
      { description: "  " },
      { description: "e".repeat(501) },
      { description: "first line\nsecond line" },
      { description: "first line\rsecond line" },
      { description: "Review PR [IP:alpha]" },
      { description: "Review [IP: later" },
      { description: 123 },
      {},
      { description: "Review PR", section: 5 },
    ];
    for (const args of bad) await expectFailure(client, root, "add_item", args, "invalid_input");
  });

  it("fails on a root without .hfs and leaves no .hfs", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    await expectFailure(client, root, "add_item", { description: "" }, "invalid_input");
    await expectFailure(client, root, "add_item", { description: "x".repeat(501) }, "invalid_input");
    expect(await snapshotTree(root)).toEqual({});
  });

  it("fails with lock_timeout while the lock is held, creating no board, then works", async () => {
    const root = await tempRoot();
    const release = await holdLock(root);
    const client = await inMemoryClient({ root, lockTimeoutMs: 300 });
    const started = Date.now();
    await expectFailure(client, root, "add_item", { description: "Review PR" }, "lock_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await release();
    expect((await call(client, "add_item", { description: "Review PR" })).data).toMatchObject({ success: true, line: 8 });
    expect((await readBoard(root)).toString("utf8")).toBe(TEMPLATE_WITH_ITEM);
  });

  it("fails with file_error when the item would push the board over 5 MiB, touching nothing", async () => {
    const root = await tempRoot();
    // The bulk is one fenced block: the parser gets through it quickly, and the board stays valid.
    const head = "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n\n```\n";
    await writeBoard(root, `${head}${"a".repeat(5 * 1024 * 1024 - 8 - head.length - 5)}\n\`\`\`\n`);
    expect((await readBoard(root)).length).toBe(5 * 1024 * 1024 - 8);
    const client = await inMemoryClient({ root, lockTimeoutMs: 2_000 });
    await expectFailure(client, root, "add_item", { description: "Review PR" }, "file_error");
  });

  for (const broken of BROKEN_BOARDS) {
    it(`fails with file_error when ${broken.name}, touching nothing`, async () => {
      const root = await tempRoot();
      await broken.make(root);
      const client = await inMemoryClient({ root, lockTimeoutMs: 2_000 });
      await expectFailure(client, root, "add_item", { description: "Review PR" }, "file_error");
    });
  }
});
