import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runToEnd } from "../../helpers/programs.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { ALPHA_TOKEN, startHttpServer } from "./support.js";

// mcp-remote 0.15.1 (a dev dependency, run from node_modules: nothing fetched), as a user runs its client:
// `mcp-remote-client <url> [--header "Authorization: Bearer <token>"]`. It is the bridge stdio-only clients
// use for remote servers, and its OAuth flow is the one the MCP SDK's clients follow.
const MCP_REMOTE_DIR = fileURLToPath(new URL("../../../node_modules/mcp-remote/", import.meta.url));
let clientBin: string;

beforeAll(async () => {
  const pkg = JSON.parse(await readFile(join(MCP_REMOTE_DIR, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
  expect(pkg.version).toBe("0.15.1");
  clientBin = join(MCP_REMOTE_DIR, pkg.bin["mcp-remote-client"]!);
});

/** The client run to its end, with a throwaway HOME (it keeps OAuth state in ~/.mcp-auth). Its stdin stays open: it quits when stdin closes. */
async function mcpRemoteClient(args: string[]) {
  const run = await runToEnd(process.execPath, [clientBin, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: await tempRoot() },
    timeoutMs: 45_000,
  });
  return { ...run, output: run.stdout + run.stderr };
}

describe("mcp-remote 0.15.1 against hfs-mcp --http", () => {
  it("without a token, tells the user a bearer token is required and how to pass it (not an OAuth failure)", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--token", ALPHA_TOKEN, "--agent-id", "alpha"]);
    const run = await mcpRemoteClient([server.url]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("a bearer token is required: pass `Authorization: Bearer <token>`");
    expect(run.output).toContain(`npx mcp-remote ${server.url} --header 'Authorization: Bearer <token>'`);
    expect(run.output).not.toContain("Not Found: the MCP endpoint is /mcp");
    expect(run.output).not.toContain(ALPHA_TOKEN);
  });

  it("with --header Authorization: Bearer, connects and lists the tools", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--token", ALPHA_TOKEN, "--agent-id", "alpha"]);
    const run = await mcpRemoteClient([server.url, "--header", `Authorization: Bearer ${ALPHA_TOKEN}`]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("Connected successfully!");
    for (const name of ["get_work_items", "claim_item", "claim_next", "complete_item"]) expect(run.output).toContain(`"name": "${name}"`);
    expect(run.output).toContain('"uri": "hfs://state"');
    expect(run.output).toContain("Exiting OK...");
  });
});
