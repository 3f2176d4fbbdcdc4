import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, inMemoryClient } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { agentFile, expectFailure, readBoard, writeBoard } from "./support.js";

/**
 * Issue 10: what people, git and look-alike text put into `.hfs/` files, through a real client. Each case broke
 * on 0.1.0 (see the issue); each reads as the board or memory file says, and no write goes wrong.
 */

describe("an item whose text holds `[IP:` mid-line (a person typed it)", () => {
  const board = "# Shared State\n\n## Available Work Items\n\n- [ ] Fix [IP:legacy] parser\n";

  it("is available, and every tool addresses it by the description get_work_items shows", async () => {
    const root = await tempRoot();
    await writeBoard(root, board);
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    const listed = await call(alpha, "get_work_items");
    expect(listed.data.items).toEqual([
      expect.objectContaining({ description: "Fix [IP:legacy] parser", status: "available", claimed_by: null }),
    ]);
    const description = listed.data.items[0].description;
    expect((await call(alpha, "claim_item", { description })).data).toMatchObject({ success: true, claimed_by: "alpha" });
    expect((await call(alpha, "release_item", { description })).data).toMatchObject({ success: true });
    expect((await call(alpha, "claim_next")).data).toMatchObject({ success: true, description });
    expect((await call(alpha, "complete_item", { description })).data).toMatchObject({ success: true, status: "completed" });
    expect((await readBoard(root)).toString()).toBe(board.replace("- [ ] Fix", "- [x] Fix"));
  });

  it("cannot be added by an agent: new descriptions may not hold `[IP:`", async () => {
    const root = await tempRoot();
    await writeBoard(root, board);
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    await expectFailure(alpha, root, "add_item", { description: "Other [IP:legacy] thing" }, "invalid_input");
  });
});

describe("claim markers whose id is not a valid agent id", () => {
  it("are claims by a holder no agent can be, shown with `?` and escapes so a person sees they are not `alpha`", async () => {
    const root = await tempRoot();
    const lines = [
      "- [ ] Upper [IP:Alpha]",
      "- [ ] Zero width [IP:alpha\u200b]",
      "- [ ] Cyrillic [IP:\u0430lpha]",
      "- [ ] Real [IP:alpha]",
    ];
    await writeBoard(root, `${lines.join("\n")}\n`);
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    const items = (await call(alpha, "get_work_items")).data.items;
    expect(items.map((item: { claimed_by: string; status: string }) => [item.status, item.claimed_by])).toEqual([
      ["in_progress", "?Alpha"],
      ["in_progress", "?alpha\\u{200b}"],
      ["in_progress", "?\\u{430}lpha"],
      ["in_progress", "alpha"],
    ]);
    for (const description of ["Upper", "Zero width", "Cyrillic"]) {
      await expectFailure(alpha, root, "complete_item", { description }, "not_owner");
      await expectFailure(alpha, root, "claim_item", { description }, "not_available");
    }
    expect((await call(alpha, "complete_item", { description: "Real" })).data.success).toBe(true);
    // A person (or an orchestrator) can still free them, with a reason.
    const freed = await call(alpha, "release_item", { description: "Cyrillic", force: true, reason: "not a real agent" });
    expect(freed.data).toMatchObject({ success: true, previous_holder: "?\\u{430}lpha" });
  });

  it("refuses new descriptions holding bidi controls or invisible format characters", async () => {
    const root = await tempRoot();
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    for (const description of ["evil \u202e txt.exe", "zero\u200bwidth", "isolate \u2066x\u2069", "soft\u00adhyphen"]) {
      await expectFailure(alpha, root, "add_item", { description }, "invalid_input");
    }
  });
});

describe("a board with an unresolved merge conflict", () => {
  const conflicted = [
    "# Shared State",
    "",
    "## Available Work Items",
    "",
    "<<<<<<< HEAD",
    "- [ ] Build auth [IP:bravo]",
    "=======",
    "- [ ] Build auth",
    ">>>>>>> feature",
    "- [ ] Write docs",
    "",
    "```",
    "<<<<<<< quoted in a code block: not a conflict",
    "```",
    "",
  ].join("\n");

  it("is refused for every write with board_conflict, while get_work_items still answers and says so", async () => {
    const root = await tempRoot();
    await writeBoard(root, conflicted);
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    const listed = await call(alpha, "get_work_items");
    expect(listed.isError).toBe(false);
    expect(listed.data.conflicts).toEqual([5, 7, 9]);
    expect(listed.text).toMatch(/merge conflict/);
    for (const [tool, args] of [
      ["claim_next", {}],
      ["claim_item", { description: "Write docs" }],
      ["add_item", { description: "New work" }],
      ["release_item", { description: "Build auth", line: 6, force: true, reason: "x" }],
      ["complete_item", { description: "Build auth", line: 6 }],
    ] as const) {
      const data = await expectFailure(alpha, root, tool, args, "board_conflict");
      expect(data.message).toContain("5, 7, 9");
    }
    expect((await readBoard(root)).toString()).toBe(conflicted);
  });
});

describe("memory content that would break the file's sections", () => {
  it("is refused when it opens a fence or an HTML block it does not close, and the sections stay intact", async () => {
    const root = await tempRoot();
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    expect((await call(alpha, "update_agent_memory", { section: "notes", content: "keep me" })).data.success).toBe(true);
    for (const content of ["```js\nconst x = 1;", "<!-- a comment never closed", "<pre>\nnever closed", "~~~\nopen tilde fence"]) {
      await expectFailure(alpha, root, "update_agent_memory", { section: "scratchpad", content }, "invalid_input");
    }
    const memory = (await call(alpha, "get_agent_memory")).data;
    expect(memory.sections).toEqual({ scratchpad: "", subtasks: "", notes: "keep me" });
  });

  it("reads back exactly as written when its fences and blocks are closed", async () => {
    const root = await tempRoot();
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    const cases = [
      "```js\nconst x = 1;\n```",
      "<!-- closed -->\ntext",
      "### A sub-heading\n- [ ] a task-like line",
      "<details>\n\nhidden\n</details>",
    ];
    for (const content of cases) {
      expect((await call(alpha, "update_agent_memory", { section: "scratchpad", content })).data.success).toBe(true);
      expect((await call(alpha, "get_agent_memory")).data.sections.scratchpad).toBe(content);
    }
  });

  it("refuses a write into a file a person broke (an unclosed fence swallowing the sections below), instead of appending copies", async () => {
    const root = await tempRoot();
    const broken = "# Agent Memory: alpha\n\n## Scratchpad\n\n```\nunclosed\n\n## Subtasks\n\n## Notes\n";
    await mkdir(join(root, ".hfs", "agents"), { recursive: true });
    await writeFile(agentFile(root, "alpha"), broken);
    const alpha = await inMemoryClient({ root, agentId: "alpha" });
    const data = await expectFailure(alpha, root, "update_agent_memory", { section: "notes", content: "x" }, "invalid_input");
    expect(data.hint).toContain(".hfs/agents/alpha.md");
  });
});
