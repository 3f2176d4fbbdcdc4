import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "./helpers/clients.js";
import { tempRoot } from "./helpers/temp-root.js";

describe("smoke", () => {
  it("adds, claims and lists through an SDK client", async () => {
    const root = await tempRoot();
    const client = await inMemoryClient({ root, agentId: "alpha" });
    expect((await call(client, "add_item", { description: "Build auth" })).data).toMatchObject({ success: true, line: 8 });
    expect((await call(client, "claim_item", { description: "Build auth" })).data).toMatchObject({ claimed_by: "alpha" });
    const state = await readFile(join(root, ".hfs", "state.md"), "utf8");
    // A new board, from the template: its one section holds the item, claimed in place.
    expect(state).toMatch(/^# Shared State\n\n<!-- [\s\S]*-->\n\n## Available Work Items\n\n- \[ \] Build auth \[IP:alpha\]\n$/);
  });
});
