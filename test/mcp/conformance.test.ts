import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_PATH } from "../helpers/clients.js";
import { type Finished, runToEnd } from "../helpers/programs.js";
import { tempRoot } from "../helpers/temp-root.js";
import { startHttpServer } from "./http/support.js";

// The official MCP conformance suite, installed as a dev dependency (nothing is fetched), against the built
// server in HTTP mode. 0.1.13 is the newest that runs on Node 20; it tests Streamable HTTP servers only and
// cannot send a token, so the server runs with --no-auth on loopback (which the suite's DNS-rebinding checks
// need anyway: they apply to servers on localhost).
const CONFORMANCE_DIR = fileURLToPath(new URL("../../node_modules/@modelcontextprotocol/conformance/", import.meta.url));

/** The scenarios that apply to any server (the others expect the suite's own test tools, prompts and resources). */
const SCENARIOS = ["server-initialize", "ping", "tools-list", "logging-set-level", "resources-list", "dns-rebinding-protection"];

let conformanceBin: string;

beforeAll(async () => {
  const pkg = JSON.parse(await readFile(join(CONFORMANCE_DIR, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
  expect(pkg.version).toBe("0.1.13");
  conformanceBin = join(CONFORMANCE_DIR, pkg.bin.conformance!);
  if (!existsSync(CLI_PATH)) throw new Error(`\`${CLI_PATH}\` does not exist: run \`npm run build\` before these tests`);
});

/** `conformance server --url <url> --scenario <scenario> -o <dir>`. */
function runScenario(url: string, scenario: string, outputDir: string): Promise<Finished> {
  const args = [conformanceBin, "server", "--url", url, "--scenario", scenario, "-o", outputDir];
  return runToEnd(process.execPath, args, { env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } });
}

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

describe("MCP conformance 0.1.13 against hfs-mcp --http", () => {
  it(`passes ${SCENARIOS.join(", ")}`, async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--no-auth", "--root", root]);
    const results = await tempRoot();

    const runs = await Promise.all(SCENARIOS.map((scenario) => runScenario(server.url, scenario, join(results, scenario))));
    const summary: string[] = [];
    for (const [index, scenario] of SCENARIOS.entries()) {
      const run = runs[index]!;
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.code, `${scenario}:\n${output}`).toBe(0);
      expect(output, scenario).toMatch(/Passed: (\d+)\/\1, 0 failed/);
      // The suite's own record of each check, beside its exit code.
      const [dir] = await readdir(join(results, scenario));
      const checks = JSON.parse(await readFile(join(results, scenario, dir!, "checks.json"), "utf8")) as Check[];
      expect(checks.length, scenario).toBeGreaterThan(0);
      for (const check of checks) expect(check, `${scenario}: ${check.id}`).toMatchObject({ status: "SUCCESS" });
      summary.push(`${scenario}: ${checks.map((check) => `${check.id} ${check.status}`).join(", ")}`);
    }
    expect(summary.join("\n")).toContain("localhost-host-rebinding-rejected SUCCESS");
    console.log(`FIGURES conformance 0.1.13\n${summary.join("\n")}`);
  });
});
