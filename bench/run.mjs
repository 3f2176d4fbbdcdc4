#!/usr/bin/env node
// Entry point: `npm run bench` (full, a few minutes) or `npm run bench -- --quick` (CI smoke run).
// `--only <name>[,<name>]` runs some benchmarks. Prints markdown tables; writes bench/results.json.
import { cpSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as boardSize from "./board-size.mjs";
import * as eightAgents from "./eight-agents.mjs";
import * as floor from "./floor.mjs";
import * as gitSync from "./git-sync.mjs";
import { removeRoots } from "./lib/board.mjs";
import { distIsStale, gitInfo, machineInfo, treeHash } from "./lib/machine.mjs";
import { closeAll, useCli } from "./lib/server.mjs";
import { now } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";
import * as lockedSection from "./locked-section.mjs";
import * as oneAgent from "./one-agent.mjs";
import * as scale from "./scale.mjs";
import * as startup from "./startup.mjs";

const BENCHMARKS = [floor, oneAgent, eightAgents, boardSize, startup, lockedSection, scale, gitSync];
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const RESULTS_PATH = fileURLToPath(new URL("./results.json", import.meta.url));

const names = BENCHMARKS.map((b) => b.name);
const USAGE = `usage: npm run bench [-- --quick] [-- --only <name>[,<name>]]
  --quick   a smoke run (few repetitions, no 10,000-item board): timing goals are then indicative only
  --only    run some benchmarks: ${names.join(", ")}`;
let values;
try {
  ({ values } = parseArgs({
    options: { quick: { type: "boolean", default: false }, only: { type: "string" }, help: { type: "boolean" } },
  }));
} catch (error) {
  console.error(`bench: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = values.quick;
const only = values.only
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = only?.filter((n) => !names.includes(n)) ?? [];
if (unknown.length) {
  console.error(`bench: unknown benchmark \`${unknown.join(", ")}\`; choose from ${names.join(", ")}`);
  process.exit(2);
}
const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));

const machine = machineInfo();
const git = gitInfo(REPO_ROOT);
const distStale = distIsStale(REPO_ROOT);
const DIST = fileURLToPath(new URL("../dist", import.meta.url));
if (!existsSync(join(DIST, "cli.js"))) {
  console.error("bench: dist/cli.js is missing; run `npm run build` first.");
  process.exit(2);
}
if (distStale) console.error("bench: warning: dist/ is older than src/; run `npm run build` first to measure the current code.");
// Others may rebuild dist/ while a long run is going: measure one copy of it, taken now, from start to end.
// The copy sits inside the repository so that the build's bare imports still resolve to node_modules/.
const SNAPSHOT = fileURLToPath(new URL(`./.build-snapshot-${process.pid}`, import.meta.url));
rmSync(SNAPSHOT, { recursive: true, force: true });
cpSync(DIST, SNAPSHOT, { recursive: true });
useCli(join(SNAPSHOT, "cli.js"));
const distHash = treeHash(SNAPSHOT);

console.log(`# hfs-mcp benchmarks (${quick ? "quick" : "full"})\n`);
console.log(
  `${new Date().toISOString()} · commit ${git.commit ?? "?"}${git.srcModified ? " (src/ modified)" : ""} · dist ${distHash} · Node ${machine.node} · ${machine.cpuModel} × ${machine.cores} · ${machine.tmpdirFilesystem} at ${machine.tmpdir} · load ${machine.loadAverageAtStart.join(" ")}\n`,
);

const started = now();
const results = {};
const goals = [];
let failed = false;
try {
  for (const bench of selected) {
    const t = now();
    const result = await bench.run({ quick });
    const durationSec = Number(((now() - t) / 1000).toFixed(1));
    results[bench.name] = { title: result.title, durationSec, figures: result.figures, goals: result.goals };
    goals.push(...result.goals.map((g) => ({ benchmark: bench.name, ...g })));
    console.log(`## ${result.title}\n`);
    for (const table of result.tables) console.log(`${table}\n`);
    console.log(`_${durationSec} s_\n`);
  }
} catch (error) {
  failed = true;
  console.error(`bench: ${error.stack ?? error}`);
} finally {
  await closeAll();
  await removeRoots();
  rmSync(SNAPSHOT, { recursive: true, force: true });
}

const durationSec = Number(((now() - started) / 1000).toFixed(1));
if (goals.length) {
  console.log("## Goals\n");
  console.log(
    markdownTable(
      ["goal", "target", "measured", "detail", "result"],
      goals.map((g) => [g.goal, g.target, g.measured, g.detail ?? "", g.pass ? "pass" : "FAIL"]),
    ),
  );
  console.log("");
  if (quick)
    console.log(
      "Quick mode: few repetitions and no 10,000-item board, so timing goals are indicative only; the correctness counters are assertions.\n",
    );
}
console.log(`Total: ${durationSec} s`);

const correctnessFailures = goals.filter((g) => g.correctness && !g.pass);
writeFileSync(
  RESULTS_PATH,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      mode: quick ? "quick" : "full",
      only: only ?? null,
      commit: git.commit,
      srcModified: git.srcModified,
      distStale,
      distHash,
      machine,
      durationSec,
      completed: !failed,
      benchmarks: results,
      goals,
    },
    null,
    2,
  )}\n`,
);
console.log(`Wrote ${RESULTS_PATH}`);

if (correctnessFailures.length) {
  console.error(`bench: correctness failed: ${correctnessFailures.map((g) => `${g.goal} (measured ${g.measured})`).join("; ")}`);
}
process.exitCode = failed || correctnessFailures.length ? 1 : 0;
