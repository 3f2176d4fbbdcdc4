import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
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

  it("stays under 20 KB (issue 12): the rest lives in docs/", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url));
    expect(readme.byteLength).toBeLessThan(20_000);
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

describe("documentation links", () => {
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
  const anchor = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");

  it("every relative link in README.md and docs/ names a file that exists, and a heading in it", async () => {
    const repo = new URL("..", import.meta.url).pathname;
    const pages = ["README.md", "CHANGELOG.md", ...(await readdir(join(repo, "docs"))).map((name) => `docs/${name}`)];
    const broken: string[] = [];
    for (const page of pages.filter((p) => p.endsWith(".md"))) {
      const text = await readFile(join(repo, page), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const [path, hash] = target!.split("#");
        const file = path ? resolve(dirname(join(repo, page)), path) : join(repo, page);
        if (!existsSync(file)) {
          broken.push(`${page}: ${target} (no such file)`);
          continue;
        }
        if (hash && file.endsWith(".md")) {
          const headings = [...(await readFile(file, "utf8")).matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!));
          if (!headings.includes(hash)) broken.push(`${page}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
