import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { connect, UpdateLog } from "../resources/support.js";
import { expectFailure, readBoard, writeBoard } from "./support.js";

/** Dependencies through the tools: claims refuse blocked items, claim_next skips them, completions unblock. */

const PLAN = [
  "# Plan",
  "",
  "1. [ ] Design the schema",
  "2. [ ] Migrate the database",
  "- [ ] Write the API (after: Migrate the database)",
  "  - [ ] Users endpoint",
  "- [ ] Free task",
  "",
].join("\n");

async function planRoot(board = PLAN) {
  const root = await tempRoot();
  await writeBoard(root, board);
  return root;
}

describe("claim_item on a blocked item", () => {
  it("fails with blocked, naming what the item waits for, and writes nothing", async () => {
    const root = await planRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(client, root, "claim_item", { description: "Migrate the database" }, "blocked");
    expect(data).toMatchObject({ status: "available", claimed_by: null, blocked_by: [{ description: "Design the schema", line: 3 }] });
    expect(data.message).toContain("Design the schema");
    expect(data.hint).toContain("claim_next");
    // The subtask inherits its parent's wait for the migration; the parent waits for it too.
    const sub = await expectFailure(client, root, "claim_item", { description: "Users endpoint" }, "blocked");
    expect(sub.blocked_by).toEqual([{ description: "Migrate the database", line: 4 }]);
    const parent = await expectFailure(client, root, "claim_item", { description: "Write the API" }, "blocked");
    expect(parent.blocked_by).toEqual([
      { description: "Migrate the database", line: 4 },
      { description: "Users endpoint", line: 6 },
    ]);
  });

  it("says when waiting cannot end by itself (a name that matches nothing, a cycle)", async () => {
    const root = await planRoot("- [ ] Deploy (after: Buld auth)\n- [ ] A (after: B)\n- [ ] B (after: A)\n");
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const missing = await expectFailure(client, root, "claim_item", { description: "Deploy" }, "blocked");
    expect(missing.blocked_by).toEqual([{ description: "Buld auth", line: null, problem: "not_found" }]);
    expect(missing.hint).toContain("cannot become ready by itself");
    const cycle = await expectFailure(client, root, "claim_item", { description: "A" }, "blocked");
    expect(cycle.blocked_by).toEqual([{ description: "B", line: 3, problem: "cycle" }]);
  });

  it("lets the holder of a blocked item claim it again (a retry, or a person's claim out of order)", async () => {
    const board = "1. [ ] One\n2. [ ] Two [IP:alpha]\n";
    const root = await planRoot(board);
    const client = await inMemoryClient({ root, agentId: "alpha" });
    expect((await call(client, "claim_item", { description: "Two" })).data).toMatchObject({ success: true, claimed_by: "alpha" });
    expect((await readBoard(root)).toString("utf8")).toBe(board);
    const listed = (await call(client, "get_work_items", { status: "in_progress" })).data;
    expect(listed.items[0]).toMatchObject({ ready: false, blocked_by: [{ description: "One", line: 1 }] });
  });
});

describe("claim_next and readiness", () => {
  it("claims only ready items, in file order, and says how many wait when none is ready", async () => {
    const root = await planRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    expect((await call(client, "claim_next")).data.description).toBe("Design the schema");
    expect((await call(client, "claim_next")).data.description).toBe("Free task");
    const none = await expectFailure(client, root, "claim_next", {}, "none_available");
    expect(none.message).toContain("3 available item(s) there wait for others");
    expect(none.hint).toContain("blocked_by");
  });

  it("makes the waiting item ready at once when its last blocker is completed, and says so in now_ready", async () => {
    const root = await planRoot();
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    const bravo = await inMemoryClient({ root, agentId: "bravo" });
    await call(alpha, "claim_item", { description: "Design the schema" });
    const done = await call(alpha, "complete_item", { description: "Design the schema" });
    expect(done.data).toEqual({
      success: true,
      description: "Design the schema",
      status: "completed",
      line: 3,
      now_ready: [{ description: "Migrate the database", line: 4 }],
    });
    expect(done.text).toContain('Now ready: "Migrate the database" (line 4)');
    expect((await call(bravo, "claim_next", { query: "migrate" })).data).toMatchObject({ success: true, claimed_by: "bravo", line: 4 });
    // Completing an item nobody waits for (alone) reports nothing more.
    await call(alpha, "claim_item", { description: "Free task" });
    expect((await call(alpha, "complete_item", { description: "Free task" })).data.now_ready).toBeUndefined();
  });

  it("tells a subscriber of hfs://state when a completion makes an item ready", async () => {
    const root = await planRoot();
    const watcher = await connect({ root });
    const updates = new UpdateLog(watcher);
    await watcher.subscribeResource({ uri: "hfs://state" });
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    await call(alpha, "claim_item", { description: "Design the schema" });
    const since = performance.now();
    await call(alpha, "complete_item", { description: "Design the schema" });
    await updates.arrival("hfs://state", since);
    const ready = (await call(alpha, "get_work_items", { ready: true })).data.items.map(
      (item: { description: string }) => item.description,
    );
    expect(ready).toEqual(["Migrate the database", "Free task"]);
  });
});

describe("the (after: …) suffix through the tools", () => {
  it("add_item records it on the board; the item is described without it, and a twin without it is a duplicate", async () => {
    const root = await planRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    const added = await call(client, "add_item", { description: "Announce (after: Write the API; Free task)", section: "Plan" });
    expect(added.data).toMatchObject({ success: true, description: "Announce", line: 8 });
    expect((await readBoard(root)).toString("utf8")).toBe(
      `${PLAN.replace("- [ ] Free task\n", "- [ ] Free task\n- [ ] Announce (after: Write the API; Free task)\n")}`,
    );
    const item = (await call(client, "get_work_items")).data.items.find((it: { line: number }) => it.line === 8);
    expect(item).toMatchObject({
      description: "Announce",
      ready: false,
      blocked_by: [
        { description: "Write the API", line: 5 },
        { description: "Free task", line: 7 },
      ],
    });
    await expectFailure(client, root, "add_item", { description: "announce" }, "duplicate");
  });

  it("keeps the suffix byte for byte through claim, release and completion, and finds the item named with it", async () => {
    const board = "# Board\n\n- [x] Build auth\n- [ ] Deploy  (after: Build auth)  \n";
    const root = await planRoot(board);
    const client = await inMemoryClient({ root, agentId: "alpha" });
    expect((await call(client, "claim_item", { description: "- [ ] Deploy (after: Build auth)" })).data).toMatchObject({
      success: true,
      description: "Deploy",
    });
    expect((await readBoard(root)).toString("utf8")).toBe(board.replace("(after: Build auth)  \n", "(after: Build auth)   [IP:alpha]\n"));
    await call(client, "release_item", { description: "Deploy" });
    expect((await readBoard(root)).toString("utf8")).toBe(board);
    await call(client, "claim_item", { description: "Deploy" });
    await call(client, "complete_item", { description: "Deploy" });
    expect((await readBoard(root)).toString("utf8")).toBe(board.replace("- [ ] Deploy", "- [x] Deploy"));
  });
});
