import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../src/mcp/tools/index.js";
import { CLI_PATH } from "../helpers/clients.js";
import { type Finished, runToEnd } from "../helpers/programs.js";
import { tempRoot } from "../helpers/temp-root.js";

// The README's Inspector commands, run as written but against the installed dev dependency (no npx, nothing
// fetched): `inspector --cli --method ... -- <server command>`. The `--` keeps every flag of the server's
// command away from the Inspector's own option parser.
const INSPECTOR_DIR = fileURLToPath(new URL("../../node_modules/@modelcontextprotocol/inspector/", import.meta.url));

let inspectorBin: string;

beforeAll(async () => {
  const pkg = JSON.parse(await readFile(join(INSPECTOR_DIR, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
  expect(pkg.version).toBe("2.12.0"); // the version the README pins
  inspectorBin = join(INSPECTOR_DIR, pkg.bin.inspector!);
  if (!existsSync(CLI_PATH)) throw new Error(`\`${CLI_PATH}\` does not exist: run \`npm run build\` before these tests`);
});

/** `inspector --cli <inspectorArgs> -- node dist/cli.js <serverArgs>`, with a throwaway HOME (it keeps a catalog there). */
async function inspector(serverArgs: string[], inspectorArgs: string[]): Promise<Finished> {
  const args = [inspectorBin, "--cli", ...inspectorArgs, "--", process.execPath, CLI_PATH, ...serverArgs];
  return runToEnd(process.execPath, args, { env: { PATH: process.env.PATH ?? "", HOME: await tempRoot() } });
}

describe("MCP Inspector 2.12.0 --cli against the built stdio server", () => {
  it("tools/list shows every tool with its schemas", async () => {
    const root = await tempRoot();
    const run = await inspector(["--root", root, "--agent-id", "alpha"], ["--method", "tools/list"]);
    expect(run.code, run.stderr).toBe(0);
    const { tools } = JSON.parse(run.stdout) as { tools: Array<{ name: string; inputSchema: { type: string }; outputSchema?: object }> };
    expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
    expect(tools.every((tool) => tool.inputSchema.type === "object" && tool.outputSchema !== undefined)).toBe(true);
    expect(run.stderr).toContain(`serving ${root} as alpha`); // the server's own stderr, passed through
    // The Inspector lints every tools/list: a line `Schema portability: N errors, M warnings …` when it finds anything.
    expect(run.stderr).not.toContain("Schema portability");
  });

  it("tools/list --strict finds 0 schema portability errors and 0 warnings", async () => {
    const root = await tempRoot();
    const run = await inspector(["--root", root, "--agent-id", "alpha"], ["--method", "tools/list", "--strict", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const envelope = JSON.parse(run.stdout) as { result: { tools: unknown[] }; schemaFindings?: unknown[] };
    expect(envelope.result.tools).toHaveLength(TOOLS.length);
    // With --strict the Inspector puts its findings in the envelope, and every one of them in full on stderr.
    expect(envelope.schemaFindings).toBeUndefined();
    expect(run.stderr).not.toMatch(/Warning: tool|Error: tool/);
  });

  it("tools/call get_work_items returns the board's items, and a failing call exits 5 with --format json", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs"));
    await writeFile(join(root, ".hfs", "state.md"), "# Board\n\n- [ ] Build auth\n- [ ] Write docs [IP:bravo]\n- [x] Plan\n");
    const server = ["--root", root, "--agent-id", "alpha"];

    const run = await inspector(server, [
      "--method",
      "tools/call",
      "--tool-name",
      "get_work_items",
      "--tool-args-json",
      '{"status":"available"}',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { isError?: boolean; content: Array<{ type: string; text: string }>; structuredContent: any };
    expect(result.isError ?? false).toBe(false);
    expect(result.structuredContent).toMatchObject({
      success: true,
      items: [{ description: "Build auth", status: "available", claimed_by: null, line: 3, section: "Board" }],
      counts: { available: 1, in_progress: 1, completed: 1, ready: 1 },
    });
    expect(result.structuredContent.items).toHaveLength(1);
    expect(result.content[0]?.text).toContain("Build auth");

    const failed = await inspector(server, [
      "--format",
      "json",
      "--method",
      "tools/call",
      "--tool-name",
      "claim_item",
      "--tool-args-json",
      '{"description":"Write docs"}',
    ]);
    expect(failed.code, failed.stderr).toBe(5);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      result: { isError: true, structuredContent: { success: false, reason: "not_available", claimed_by: "bravo" } },
    });
    // Neither call wrote anything.
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(
      "# Board\n\n- [ ] Build auth\n- [ ] Write docs [IP:bravo]\n- [x] Plan\n",
    );
  });
});
