import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The layers the folder tree names, pinned: the entry (`cli/`) → the MCP adapter (`mcp/`) → the board rules
 * (`board/`) → `markdown/` and `store/`. Imports only point down; only the adapter speaks MCP, so moving to the
 * next SDK touches one folder.
 */

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Each layer with the layers its files may import from (besides their own). */
const MAY_IMPORT: Record<string, string[]> = {
  cli: ["mcp", "board", "markdown", "store", "version"],
  mcp: ["board", "markdown", "store", "version"],
  board: ["markdown", "store"],
  markdown: [],
  store: [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The layer a file under src/ belongs to: its top folder, or its own name for a loose file. */
function layerOf(path: string): string {
  const [top] = relative(SRC, path).split("/");
  return top!.replace(/\.ts$/, "");
}

function imports(path: string): string[] {
  const text = readFileSync(path, "utf8");
  // `import … from "x"`, `export … from "x"`, `import "x"` and `import("x")`.
  const pattern = /(?:^|[\n;])\s*(?:import|export)\b[^"';]*?from\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']/g;
  return [...text.matchAll(pattern)].map((match) => (match[1] ?? match[2])!);
}

const files = sourceFiles(SRC);

describe("source layers", () => {
  it("has no loose files at the top of src/ but the library entry and the version", () => {
    const loose = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isFile());
    expect(loose.sort()).toEqual(["index.ts", "version.ts"]);
  });

  it("imports the MCP SDK only from src/mcp/", () => {
    const offenders = files.filter(
      (file) => layerOf(file) !== "mcp" && imports(file).some((spec) => spec.startsWith("@modelcontextprotocol/")),
    );
    expect(offenders.map((file) => relative(SRC, file))).toEqual([]);
  });

  it("imports only downward: cli → mcp → board → markdown, store", () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const allowed = MAY_IMPORT[from];
      if (allowed === undefined) continue; // index.ts re-exports every layer; version.ts imports nothing
      for (const spec of imports(file)) {
        if (!spec.startsWith(".")) continue;
        const to = layerOf(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
        if (to !== from && !allowed.includes(to)) upward.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
      }
    }
    expect(upward).toEqual([]);
  });
});
