import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { BROKEN_BOARDS, expectFailure, fixture, holdLock, snapshotTree, writeBoard } from "./support.js";

/** An item as get_work_items shows it: nothing waits, no holder's presence known, unless said otherwise. */
function shown(fields: Record<string, unknown> & { status: string }) {
  const ready = fields.status === "available";
  return { claimed_by: null, claimed_at: null, ready, blocked_by: [], holder_online: null, holder_offline_since: null, ...fields };
}

const ALL_ITEMS = [
  shown({ description: "Build auth", status: "available", line: 7, section: "Available Work Items" }),
  // A task item with nested task items waits for them (src/board/dependencies.ts).
  shown({
    description: "Write docs",
    status: "available",
    line: 8,
    section: "Available Work Items",
    ready: false,
    blocked_by: [{ description: "Write API reference", line: 9 }],
  }),
  shown({ description: "Write API reference", status: "available", line: 9, section: "Available Work Items" }),
  shown({ description: "Fix login bug", status: "available", line: 10, section: "Available Work Items" }),
  shown({ description: "Set up CI", status: "available", line: 11, section: "Available Work Items" }),
  shown({ description: "Design schema", status: "in_progress", claimed_by: "bravo", line: 15, section: "In Progress" }),
  shown({ description: "Write tests", status: "in_progress", claimed_by: "alpha", line: 16, section: "In Progress" }),
  shown({ description: "Create repo", status: "completed", line: 20, section: "Completed" }),
  shown({ description: "Pick license", status: "completed", line: 21, section: "Completed" }),
];
const WHOLE_BOARD = { available: 5, in_progress: 2, completed: 2, ready: 4 };

async function boardRoot() {
  const root = await tempRoot();
  await writeBoard(root, await fixture("board.md"));
  return root;
}

describe("get_work_items", () => {
  it("lists every task item (any bullet, nested) with status, holder, 1-based line and section, and nothing else", async () => {
    const root = await boardRoot();
    const client = await inMemoryClient({ root });
    const before = await snapshotTree(root);
    const reply = await call(client, "get_work_items");
    expect(reply.isError).toBe(false);
    expect(reply.data).toEqual({ success: true, items: ALL_ITEMS, counts: WHOLE_BOARD });
    expect(reply.text).not.toBe("");
    expect(await snapshotTree(root)).toEqual(before);
  });

  it("filters by status while counts cover the whole board", async () => {
    const client = await inMemoryClient({ root: await boardRoot() });
    for (const status of ["available", "in_progress", "completed"] as const) {
      const reply = await call(client, "get_work_items", { status });
      expect(reply.data).toEqual({
        success: true,
        items: ALL_ITEMS.filter((item) => item.status === status),
        counts: WHOLE_BOARD,
      });
    }
  });

  it("filters by holder, alone and together with status", async () => {
    const client = await inMemoryClient({ root: await boardRoot() });
    const bravo = await call(client, "get_work_items", { claimed_by: "bravo" });
    expect(bravo.data).toEqual({ success: true, items: [ALL_ITEMS[5]], counts: WHOLE_BOARD });
    const none = await call(client, "get_work_items", { claimed_by: "alpha", status: "available" });
    expect(none.data).toEqual({ success: true, items: [], counts: WHOLE_BOARD });
    const nobody = await call(client, "get_work_items", { claimed_by: "charlie" });
    expect(nobody.data).toEqual({ success: true, items: [], counts: WHOLE_BOARD });
  });

  it("gives section null to an item above every heading", async () => {
    const root = await tempRoot();
    await writeBoard(root, "- [ ] Triage inbox\n\n# Shared State\n\n- [ ] Build auth\n");
    const client = await inMemoryClient({ root });
    expect((await call(client, "get_work_items")).data.items).toEqual([
      shown({ description: "Triage inbox", status: "available", line: 1, section: null }),
      shown({ description: "Build auth", status: "available", line: 5, section: "Shared State" }),
    ]);
  });

  it("reads a root without a board as empty and creates nothing", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    const reply = await call(client, "get_work_items", { status: "available" });
    expect(reply.data).toEqual({ success: true, items: [], counts: { available: 0, in_progress: 0, completed: 0, ready: 0 } });
    expect(await snapshotTree(root)).toEqual({});
  });

  it("reads without the lock: it answers while another process holds it", async () => {
    const root = await boardRoot();
    await holdLock(root);
    const client = await inMemoryClient({ root, lockTimeoutMs: 300 });
    expect((await call(client, "get_work_items")).data).toEqual({ success: true, items: ALL_ITEMS, counts: WHOLE_BOARD });
  });

  it("rejects arguments of the wrong kind with invalid_input", async () => {
    const root = await boardRoot();
    const client = await inMemoryClient({ root });
    await expectFailure(client, root, "get_work_items", { status: "done" }, "invalid_input");
    await expectFailure(client, root, "get_work_items", { status: 1 }, "invalid_input");
    await expectFailure(client, root, "get_work_items", { claimed_by: 7 }, "invalid_input");
  });

  it("fails with invalid_input on a root without .hfs and leaves no .hfs", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root });
    await expectFailure(client, root, "get_work_items", { status: "todo" }, "invalid_input");
    expect(await snapshotTree(root)).toEqual({});
  });

  for (const broken of BROKEN_BOARDS) {
    it(`fails with file_error when ${broken.name}, touching nothing`, async () => {
      const root = await tempRoot();
      await broken.make(root);
      const client = await inMemoryClient({ root });
      await expectFailure(client, root, "get_work_items", {}, "file_error");
    });
  }
});

describe("get_work_items pages", () => {
  it("returns `limit` items and a next_cursor that continues after the last one, until none remain", async () => {
    const client = await inMemoryClient({ root: await boardRoot() });
    const seen: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const reply = await call(client, "get_work_items", { limit: 4, ...(cursor ? { cursor } : {}) });
      expect(reply.isError).toBe(false);
      expect(reply.data.counts).toEqual(WHOLE_BOARD);
      seen.push(...reply.data.items);
      cursor = reply.data.next_cursor;
      if (cursor === undefined) break;
      expect(reply.data.items).toHaveLength(4);
      expect(reply.text).toContain(cursor);
    }
    expect(seen).toEqual(ALL_ITEMS);
  });

  it("pages through a filter: next_cursor only when more matching items remain", async () => {
    const client = await inMemoryClient({ root: await boardRoot() });
    const first = await call(client, "get_work_items", { status: "available", limit: 3 });
    expect(first.data.items).toEqual(ALL_ITEMS.slice(0, 3));
    const second = await call(client, "get_work_items", { status: "available", limit: 3, cursor: first.data.next_cursor });
    expect(second.data.items).toEqual(ALL_ITEMS.slice(3, 5));
    expect(second.data).not.toHaveProperty("next_cursor");
  });

  it("defaults to 100 items a page", async () => {
    const root = await tempRoot();
    const lines = Array.from({ length: 150 }, (_, i) => `- [ ] task ${i}`);
    await writeBoard(root, `# Board\n\n${lines.join("\n")}\n`);
    const client = await inMemoryClient({ root });
    const reply = await call(client, "get_work_items");
    expect(reply.data.items).toHaveLength(100);
    expect(reply.data.next_cursor).toBe(`after:${reply.data.items[99].line}`);
    expect(reply.data.counts).toEqual({ available: 150, in_progress: 0, completed: 0, ready: 150 });
  });

  it.each([
    [{ limit: 0 }, "limit"],
    [{ limit: 1001 }, "limit"],
    [{ limit: 2.5 }, "limit"],
    [{ cursor: "page-2" }, "cursor"],
    [{ cursor: "" }, "cursor"],
  ])("refuses %j as invalid_input", async (args, field) => {
    const root = await boardRoot();
    const client = await inMemoryClient({ root });
    const failure = await expectFailure(client, root, "get_work_items", args, "invalid_input");
    expect(failure.field).toBe(field);
  });
});
