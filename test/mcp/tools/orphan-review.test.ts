import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { expectFailure, writeBoard } from "./support.js";

const BOARD = "# Board\n\n- [ ] Build auth\n- [ ] Write docs\n- [ ] Typed by hand [IP:carol]\n";

async function setup() {
  const root = await tempRoot();
  await writeBoard(root, BOARD);
  const alpha = await inMemoryClient({ root, agentId: "alpha" });
  const bob = await inMemoryClient({ root, agentId: "bob" });
  return { root, alpha, bob };
}

describe("claim age and orphan review", () => {
  it("reports claimed_at from the log for claims made through hfs-mcp, null for a marker typed by hand", async () => {
    const { alpha } = await setup();
    const before = Date.now();
    await call(alpha, "claim_item", { description: "Build auth" });
    const items = (await call(alpha, "get_work_items", { status: "in_progress" })).data.items;
    const built = items.find((item: any) => item.description === "Build auth");
    expect(Date.parse(built.claimed_at)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(built.claimed_at)).toBeLessThanOrEqual(Date.now());
    expect(items.find((item: any) => item.description === "Typed by hand").claimed_at).toBeNull();
  });

  it("lists in-progress items claimed before a time, or longer ago than N minutes (unknown ages included)", async () => {
    const { alpha } = await setup();
    await call(alpha, "claim_item", { description: "Build auth" });
    const old = (await call(alpha, "get_work_items", { older_than_minutes: 60 })).data;
    expect(old.items.map((item: any) => item.description)).toEqual(["Typed by hand"]);
    const beforeNow = (await call(alpha, "get_work_items", { claimed_before: new Date(Date.now() + 60_000).toISOString() })).data;
    expect(beforeNow.items.map((item: any) => item.description)).toEqual(["Build auth", "Typed by hand"]);
    expect(beforeNow.counts).toEqual({ available: 1, in_progress: 2, completed: 0, ready: 1 });
  });

  it("lets any agent force-release another's claim with a reason, naming the previous holder, and logs it", async () => {
    const { root, alpha, bob } = await setup();
    await call(alpha, "claim_item", { description: "Build auth" });
    await expectFailure(bob, root, "release_item", { description: "Build auth" }, "not_owner");
    await expectFailure(bob, root, "release_item", { description: "Build auth", force: true }, "invalid_input");
    const reply = await call(bob, "release_item", { description: "Build auth", force: true, reason: "alpha's runner died" });
    expect(reply.data).toEqual({ success: true, description: "Build auth", status: "available", line: 3, previous_holder: "alpha" });
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(BOARD);
    const log = await readFile(join(root, ".hfs", "log.md"), "utf8");
    expect(log).toMatch(/^- \S+ bob force-release "Build auth" from alpha because "alpha's runner died"$/m);
    await expectFailure(bob, root, "release_item", { description: "Write docs", force: true, reason: "x" }, "not_owner");
  });

  it("refuses a bad cutoff", async () => {
    const { root, alpha } = await setup();
    await expectFailure(alpha, root, "get_work_items", { claimed_before: "yesterday-ish" }, "invalid_input");
    await expectFailure(alpha, root, "get_work_items", { older_than_minutes: -1 }, "invalid_input");
    await expectFailure(alpha, root, "get_work_items", { older_than_minutes: 5, claimed_before: "2026-01-01T00:00:00Z" }, "invalid_input");
  });
});
