#!/usr/bin/env node
import { chmod } from "node:fs/promises";
// Bundles the CLI into one minified file (and its HTTP mode into another, below). Measured (docs/benchmarks.md):
// start-up is dominated by loading the hundreds of small module files of the SDK, zod and ajv; one file loads
// faster than a minimal unbundled MCP server. The library entry (dist/index.js) stays tsc's per-file output.
//
// The HTTP mode (`--http`) is a second bundle, dist/http/serve.js, which dist/cli.js imports only when asked to.
// Inside one file, esbuild would hoist the HTTP stack's imports of node:http, node:http2 … to the top and parse
// its code at every start: measured, stdio start-up went from ~320 to ~360 ms. (esbuild's code splitting avoids
// that too, but also moves the markdown parser out into a chunk read at the first call: +25 ms on that call.)
// The HTTP bundle carries its own copy of the server; the CLI hands it plain options only.
import { build } from "esbuild";

// src/cli/main.ts imports the HTTP mode as ../mcp/http/serve.js; in the bundle it is dist/http/serve.js,
// beside dist/cli.js.
const httpBundle = {
  name: "http-bundle",
  setup(plugin) {
    plugin.onResolve({ filter: /\/mcp\/http\/serve\.js$/ }, () => ({ path: "./http/serve.js", external: true }));
  },
};

await build({ ...common(), entryPoints: ["src/cli/main.ts"], outfile: "dist/cli.js", plugins: [httpBundle] });
await build({ ...common(), entryPoints: ["src/mcp/http/serve.ts"], outfile: "dist/http/serve.js" });

// Runnable as ./dist/cli.js straight from a clone, as it is once npm installs it as a bin.
await chmod("dist/cli.js", 0o755);

/** What both bundles share. */
function common() {
  return {
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // CommonJS dependencies (ajv) call require() for Node built-ins; give the ESM bundle a real require.
    banner: {
      js: 'import { createRequire as __hfsCreateRequire } from "node:module"; const require = __hfsCreateRequire(import.meta.url);',
    },
    logLevel: "warning",
  };
}
