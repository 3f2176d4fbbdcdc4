import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { runToEnd } from "./helpers/programs.js";
import { tempRoot } from "./helpers/temp-root.js";

// What `npm publish` would ship, pinned: `npm pack --dry-run --json` lists the tarball as npm builds it.
// `--ignore-scripts`: `npm test` has built dist/ already; `prepare` would only build it again.
const REPO = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}

async function pack(args: string[]): Promise<Packed> {
  const run = await runToEnd(npm, ["pack", "--json", "--ignore-scripts", ...args], { cwd: REPO, env, timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as Packed[])[0]!;
}

/** Every path the tarball may hold: the two bundles, the library (per-file tsc output with its types), the docs. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^mcp\.json\.example$/,
  /^docs\/[a-z-]+\.md$/,
  /^dist\/cli\.js$/, // the `hfs-mcp` bin: one bundle
  /^dist\/http\/serve\.js$/, // --http, loaded by the bin only then
  /^dist\/(?:index|version)\.(?:js|d\.ts)$/,
  /^dist\/(?:board|markdown(?:\/scan)?|store(?:\/git)?|mcp(?:\/tools|\/resources)?)\/[a-z-]+\.(?:js|d\.ts)$/,
];

describe("the npm package", () => {
  it("ships the bundles, the library, the license and the docs: no source maps, nothing only the CLI's bundle needs", async () => {
    const packed = await pack(["--dry-run"]);
    const paths = packed.files.map((file) => file.path);
    console.log(
      `FIGURES npm pack: ${packed.entryCount} files, ${(packed.size / 1e6).toFixed(2)} MB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked`,
    );
    expect(paths.filter((path) => !ALLOWED.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(paths.filter((path) => path.endsWith(".map"))).toEqual([]);
    for (const path of [
      "LICENSE",
      "README.md",
      "mcp.json.example",
      "docs/clients.md",
      "dist/cli.js",
      "dist/http/serve.js",
      "dist/index.js",
      "dist/index.d.ts",
    ]) {
      expect(paths, path).toContain(path);
    }
    // Before: 214 files, 8.6 MB unpacked (6.5 MB of it source maps). The two bundles (each with its own copy of
    // the SDK, zod and ajv: ~0.95 MB apiece) are now most of it; the rest is the library's per-file output, two
    // files (.js, .d.ts) per source file of one concept each.
    expect(packed.unpackedSize).toBeLessThan(3_000_000);
    expect(packed.entryCount).toBeLessThan(300);
  });

  it("says where it comes from and under which license", async () => {
    const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as Record<string, any>;
    expect(pkg.license).toBe("MIT");
    expect(await readFile(join(REPO, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
    expect(pkg.repository).toMatchObject({ type: "git", url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/hfs-mcp\.git$/) });
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/[^/]+\/hfs-mcp#readme$/);
    expect(pkg.bugs).toEqual({ url: expect.stringMatching(/^https:\/\/github\.com\/[^/]+\/hfs-mcp\/issues$/) });
    expect(pkg.engines).toEqual({ node: ">=20" });
  });

  it("installs from its tarball and runs as users run it: the bin over stdio, and the library", async () => {
    const out = await tempRoot();
    const packed = await pack(["--pack-destination", out]);
    const project = await tempRoot();
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "uses-hfs-mcp", version: "1.0.0", type: "module", private: true }),
    );
    // The dependencies come from npm's cache, where `npm ci` put them; the registry only if they are missing.
    const install = await runToEnd(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", join(out, packed.filename)], {
      cwd: project,
      env,
      timeoutMs: 120_000,
    });
    expect(install.code, install.stderr).toBe(0);

    const bin = join(project, "node_modules", ".bin", "hfs-mcp");
    const version = await runToEnd(bin, ["--version"], { cwd: project, env, timeoutMs: 20_000 });
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(REPO, "package.json"), "utf8")).version);

    const transport = new StdioClientTransport({ command: bin, args: ["--root", project, "--agent-id", "alpha"], env, stderr: "pipe" });
    const client = new Client({ name: "package-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools).toHaveLength(8);
      const added = await client.callTool({ name: "add_item", arguments: { description: "Ship it" } });
      expect(added.structuredContent).toMatchObject({ success: true, line: expect.any(Number) });
    } finally {
      await client.close();
    }

    const library = await runToEnd(
      process.execPath,
      ["--input-type=module", "-e", 'const api = await import("hfs-mcp"); console.log(Object.keys(api).sort().join(","));'],
      { cwd: project, env, timeoutMs: 20_000 },
    );
    expect(library.stdout.trim(), library.stderr).toBe("BoardManager,FAILURE_REASONS,INSTRUCTIONS,TOOLS,createServer");
  });
});
