import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain ESM script without type declarations
import { renderToolReference, replaceSection } from "../scripts/tool-reference.mjs";
import { listedTools } from "../src/mcp/tools/index.js";

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
