import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { generateBoard, makeRoot } from "./lib/board.mjs";
import { call, cliPath, readRssBytes, spawnMcp } from "./lib/server.mjs";
import { median, summarize } from "./lib/stats.mjs";
import { markdownTable, mb, ms } from "./lib/table.mjs";

export const name = "startup";
const MINIMAL_SERVER = fileURLToPath(new URL("./minimal-server.mjs", import.meta.url));
const HEAP_PROBE = fileURLToPath(new URL("./lib/heap-probe.mjs", import.meta.url));
const GOAL_RSS_FACTOR = 1.1;
// Growth counted as noise once warm: from 2N to 4N calls, ≤ 5% of the figure at 2N. The first calls load the
// markdown parser lazily and let V8 compile; a leak is growth that goes on after that. Measured on what the heap
// holds after a full collection: RSS also moves with how big V8 chooses to keep its heap, which for any Node
// server goes on climbing and falling for thousands of calls (the minimal SDK server's RSS grew 17–20% from 2N
// to 4N in the runs of 2026-12-02), so RSS growth is printed but is no test of a leak.
const GROWTH_LIMIT = 0.05;
const CHECKPOINTS = 4; // RSS (and the heap) read after N, 2N, 3N and 4N calls
const SETTLE_MS = 100; // pause before reading RSS, the same for every server
const PROBE_TIMEOUT_MS = 5_000;

// The floor: bare node with a stdin reader that answers `initialize` and `tools/list` by hand, no SDK.
const BARE_SERVER = `
const rl = require("node:readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = m.method === "initialize"
    ? { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "bare", version: "0" } }
    : m.method === "tools/list" ? { tools: [] } : {};
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }) + "\\n");
});
rl.on("close", () => process.exit(0));`;

/**
 * Start-up: spawn → `initialize` + `tools/list` answered, through the SDK client, for three servers spawned in
 * turn (so machine noise hits all three alike): bare node (floor), a minimal SDK server (reference), hfs-mcp.
 * RSS after start-up is read from /proc for each spawn. Memory over calls: one minimal server and one hfs-mcp
 * server each take 4N calls; RSS is read after start-up and after every N calls.
 */
export async function run({ quick }) {
  const spawns = quick ? 2 : 10;
  // Quick: 500, not fewer: at 100 (checkpoints 200 and 400) the heap is still filling with what the first calls
  // load, and the leak test reads +7% on a server whose heap is flat from 2,000 calls on.
  const calls = quick ? 500 : 1_000;
  const { text, items } = generateBoard(200);
  const root = await makeRoot(text, "startup");
  const kinds = {
    bare: { label: "bare node (stdin reader, no SDK)", args: ["-e", BARE_SERVER] },
    minimal: { label: "minimal SDK server (1 tool)", args: [MINIMAL_SERVER] },
    hfs: { label: "hfs-mcp", args: [cliPath(), "--root", root, "--agent-id", "agent-1"] },
  };
  const startup = { bare: [], minimal: [], hfs: [] };
  const rss = { bare: [], minimal: [], hfs: [] };
  for (let i = 0; i < spawns + 1; i++) {
    for (const kind of Object.keys(kinds)) {
      const server = await spawnMcp({ args: kinds[kind].args });
      try {
        await sleep(SETTLE_MS);
        if (i === 0) continue; // the first spawn of each warms the OS file cache
        startup[kind].push(server.startupMs);
        rss[kind].push(readRssBytes(server.pid));
      } finally {
        await server.close();
      }
    }
  }

  // Memory across calls: RSS of servers run as users run them; then the heap kept after a full collection, of
  // servers run the same way with the probe preloaded (its collections would change the RSS figures).
  const memory = {};
  for (const probed of [false, true]) {
    const flags = probed ? ["--expose-gc", "--import", HEAP_PROBE] : [];
    const minimalServer = await spawnMcp({ args: [...flags, ...kinds.minimal.args] });
    const hfsServer = await spawnMcp({ args: [...flags, ...kinds.hfs.args] });
    try {
      const hfsCall = async (i) => {
        const description = items[Math.floor(i / 3) % items.length].description;
        const reply =
          i % 3 === 0
            ? await call(hfsServer.client, "get_work_items")
            : await call(hfsServer.client, i % 3 === 1 ? "claim_item" : "release_item", { description });
        if (reply.isError) throw new Error(`startup: hfs-mcp call ${i} failed: ${JSON.stringify(reply.data)}`);
        return reply.ms;
      };
      const minimalCall = async (i) => (await call(minimalServer.client, "echo", { text: `call ${i}` })).ms;
      for (const [kind, server, callOnce] of [
        ["minimal", minimalServer, minimalCall],
        ["hfs", hfsServer, hfsCall],
      ]) {
        const read = probed ? () => heapKept(server) : () => rssSettled(server);
        const after = [await read()]; // after[k]: after k × N calls
        const latencies = [];
        for (let k = 1; k <= CHECKPOINTS; k++) {
          for (let i = (k - 1) * calls; i < k * calls; i++) latencies.push(await callOnce(i));
          after.push(await read());
        }
        const series = { after, growthNTo2N: after[2] - after[1], growthWarm: after[CHECKPOINTS] - after[2] };
        if (probed) memory[kind].heap = series;
        else memory[kind] = { rss: series, callLatencyMs: summarize(latencies) };
      }
    } finally {
      await Promise.all([minimalServer.close(), hfsServer.close()]);
    }
  }

  const figures = { spawns, callsN: calls, startupMs: {}, rssAfterStartupBytes: {}, memory };
  for (const kind of Object.keys(kinds)) {
    figures.startupMs[kind] = { median: median(startup[kind]), ...summarize(startup[kind]), samples: startup[kind] };
    figures.rssAfterStartupBytes[kind] = { median: median(rss[kind]), min: Math.min(...rss[kind]), max: Math.max(...rss[kind]) };
  }
  const startTable = markdownTable(
    ["server", "start-up median ms", "min–max ms", "RSS after start-up MiB (median)", "RSS min–max MiB"],
    Object.entries(kinds).map(([kind, { label }]) => [
      label,
      ms(figures.startupMs[kind].median),
      `${ms(figures.startupMs[kind].min)}–${ms(figures.startupMs[kind].max)}`,
      mb(figures.rssAfterStartupBytes[kind].median),
      `${mb(figures.rssAfterStartupBytes[kind].min)}–${mb(figures.rssAfterStartupBytes[kind].max)}`,
    ]),
  );
  const checkpoints = Array.from({ length: CHECKPOINTS + 1 }, (_, k) => k * calls);
  const memoryTable = markdownTable(
    [
      "server",
      "calls",
      "measure",
      `MiB after ${checkpoints.join(" / ")} calls`,
      `growth ${calls}→${2 * calls} MiB`,
      `growth ${2 * calls}→${CHECKPOINTS * calls} MiB (warm)`,
      "call p50 / p99 ms",
    ],
    [
      ["minimal SDK server (echo)", `${CHECKPOINTS * calls} × echo`, memory.minimal],
      ["hfs-mcp", `${CHECKPOINTS * calls} × get/claim/release`, memory.hfs],
    ].flatMap(([label, what, m]) =>
      [
        ["RSS", m.rss],
        ["heap kept after a full GC", m.heap],
      ].map(([measure, series], row) => [
        row === 0 ? label : "",
        row === 0 ? what : "",
        measure,
        series.after.map((bytes) => mb(bytes)).join(" / "),
        mb(series.growthNTo2N),
        `${mb(series.growthWarm)} (${percent(series.growthWarm / series.after[2])})`,
        row === 0 ? `${ms(m.callLatencyMs.p50)} / ${ms(m.callLatencyMs.p99)}` : "",
      ]),
    ),
  );

  const hfsStart = figures.startupMs.hfs.median;
  const minStart = figures.startupMs.minimal.median;
  const hfsRss = figures.rssAfterStartupBytes.hfs.median;
  const minRss = figures.rssAfterStartupBytes.minimal.median;
  const growthShare = memory.hfs.heap.growthWarm / memory.hfs.heap.after[2];
  const goals = [
    {
      goal: "start-up median ≤ minimal SDK server's",
      target: Number(minStart.toFixed(1)),
      measured: Number(hfsStart.toFixed(1)),
      detail: "ms",
      pass: hfsStart <= minStart,
    },
    {
      goal: `RSS after start-up ≤ ${GOAL_RSS_FACTOR} × minimal SDK server's`,
      target: GOAL_RSS_FACTOR,
      measured: Number((hfsRss / minRss).toFixed(3)),
      detail: `${mb(hfsRss)} / ${mb(minRss)} MiB`,
      pass: hfsRss <= GOAL_RSS_FACTOR * minRss,
    },
    {
      goal: `heap kept from ${2 * calls} to ${CHECKPOINTS * calls} calls (warm): growth ≤ ${GROWTH_LIMIT * 100}% (no leak)`,
      target: GROWTH_LIMIT,
      measured: Number(growthShare.toFixed(3)),
      detail: `${mb(memory.hfs.heap.growthWarm)} MiB; RSS ${percent(memory.hfs.rss.growthWarm / memory.hfs.rss.after[2])}`,
      pass: growthShare <= GROWTH_LIMIT,
    },
  ];
  return { title: "Start-up and memory", tables: [startTable, memoryTable], figures, goals };
}

/** RSS after the same pause for every server. */
async function rssSettled(server) {
  await sleep(SETTLE_MS);
  return readRssBytes(server.pid);
}

/** The V8 heap a probed server (see lib/heap-probe.mjs) keeps after a full collection, in bytes. */
async function heapKept(server) {
  const seen = server.stderr().match(/^HEAP \d+$/gm)?.length ?? 0;
  process.kill(server.pid, "SIGUSR2");
  for (const started = Date.now(); Date.now() - started < PROBE_TIMEOUT_MS; ) {
    const lines = server.stderr().match(/^HEAP \d+$/gm) ?? [];
    if (lines.length > seen) return Number(lines.at(-1).slice(5));
    await sleep(10);
  }
  throw new Error(`startup: no heap figure from server ${server.pid} within ${PROBE_TIMEOUT_MS} ms`);
}

function percent(share) {
  return `${share >= 0 ? "+" : ""}${(share * 100).toFixed(1)}%`;
}
