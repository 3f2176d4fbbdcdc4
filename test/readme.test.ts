import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain ESM script without type declarations
import { renderToolReference, replaceSection } from "../scripts/tool-reference.mjs";
import { listedTools } from "../src/mcp/tools/index.js";
import { call, inMemoryClient } from "./helpers/clients.js";
import { tempRoot } from "./helpers/temp-root.js";
import { writeBoard } from "./mcp/tools/support.js";

describe("README", () => {
  it("holds the tool reference generated from the tools' schemas (run `npm run readme` after changing a tool)", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toBe(replaceSection(readme, renderToolReference(listedTools())));
  });

  it("documents every failure reason", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const { FAILURE_REASONS } = await import("../src/board/index.js");
    for (const reason of [...FAILURE_REASONS, "internal_error"]) expect(readme).toContain(`| \`${reason}\` |`);
  });
});

describe("README, Dependencies", () => {
  it("the example board reads as the table under it says: ready, and what each item waits for", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Dependencies: ready work"));
    const board = /```markdown\n([\s\S]*?)```/.exec(section)![1]!;
    const rows = [...section.slice(0, section.indexOf("What agents see")).matchAll(/^\| (.+?) \| `(true|false)` \| (.+) \|$/gm)];
    expect(rows.length).toBe(6);
    const root = await tempRoot();
    await writeBoard(root, board);
    const items = (await call(await inMemoryClient({ root }), "get_work_items")).data.items as any[];
    for (const [, description, ready, waits] of rows) {
      const item = items.find((it) => it.description === description);
      expect(item, description).toBeDefined();
      expect(String(item.ready), description).toBe(ready);
      for (const blocker of item.blocked_by) expect(waits, description).toContain(blocker.description);
      expect((waits!.match(/line \d+|not_found/g) ?? []).length, description).toBe(item.blocked_by.length);
    }
  });
});
