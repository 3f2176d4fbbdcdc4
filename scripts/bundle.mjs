#!/usr/bin/env node
// Bundles the CLI into one minified file. Measured (BENCHMARKS.md): start-up is dominated by loading the
// hundreds of small module files of the SDK, zod and ajv; one file loads faster than a minimal unbundled
// MCP server. The library entry (dist/index.js) stays tsc's per-file output.
import { build } from "esbuild";
import { chmod } from "node:fs/promises";

await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // CommonJS dependencies (ajv) call require() for Node built-ins; give the ESM bundle a real require.
  banner: { js: 'import { createRequire as __hfsCreateRequire } from "node:module"; const require = __hfsCreateRequire(import.meta.url);' },
  logLevel: "warning",
});

// Runnable as ./dist/cli.js straight from a clone, as it is once npm installs it as a bin.
await chmod("dist/cli.js", 0o755);
