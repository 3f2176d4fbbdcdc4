import { generateBoard, makeRoot } from "./lib/board.mjs";
import { call, spawnHfs } from "./lib/server.mjs";
import { now, summarize } from "./lib/stats.mjs";
import { int, markdownTable, ms } from "./lib/table.mjs";

export const name = "board-size";
const GOAL_GET_P50_MS = 50;
const GOAL_CLAIM_P50_MS = 30;
const GOAL_SIZE = 10_000;

/**
 * For each board size: a fresh server on a board of that many items (80% available, 10% held by another
 * agent, 10% completed). The first `get_work_items` and the first `claim_item` are timed apart (cold: first
 * read and parse in a new process); then steady-state `get_work_items` calls, then `claim_item` calls spread
 * evenly over the file, top to bottom, each followed by a `release_item` (timed and reported apart).
 */
export async function run({ quick }) {
  const sizes = quick ? [100, 1_000] : [100, 1_000, 10_000];
  const plan = (size) =>
    quick ? { calls: 20, budgetMs: 2_000 } : { calls: size >= 10_000 ? 100 : 300, budgetMs: size >= 10_000 ? 60_000 : 30_000 };
  const rows = [];
  const figures = { sizes: {} };
  for (const size of sizes) {
    const { calls, budgetMs } = plan(size);
    const { text, items } = generateBoard(size, { mixed: true });
    const available = items.filter((item) => item.status === "available");
    const root = await makeRoot(text, `size-${size}`);
    const server = await spawnHfs({ root, agentId: "agent-1" });
    try {
      const ok = (reply, what) => {
        if (reply.isError) throw new Error(`board-size ${size}: ${what} failed: ${JSON.stringify(reply.data)}`);
        return reply;
      };
      const coldGet = ok(await call(server.client, "get_work_items"), "get_work_items");
      if (coldGet.data.items.length !== size) throw new Error(`board-size ${size}: get_work_items returned ${coldGet.data.items.length} items`);
      const first = available[0].description;
      const coldClaim = ok(await call(server.client, "claim_item", { description: first }), "claim_item");
      ok(await call(server.client, "release_item", { description: first }), "release_item");

      const getMs = [];
      let start = now();
      while (getMs.length < calls && (getMs.length < 10 || now() - start < budgetMs)) {
        getMs.push(ok(await call(server.client, "get_work_items"), "get_work_items").ms);
      }
      const claimMs = [];
      const releaseMs = [];
      const step = Math.max(1, Math.floor(available.length / calls));
      start = now();
      for (let i = 0; claimMs.length < calls && (claimMs.length < 10 || now() - start < budgetMs); i++) {
        const description = available[(i * step) % available.length].description;
        claimMs.push(ok(await call(server.client, "claim_item", { description }), "claim_item").ms);
        releaseMs.push(ok(await call(server.client, "release_item", { description }), "release_item").ms);
      }
      const get = summarize(getMs);
      const claim = summarize(claimMs);
      const release = summarize(releaseMs);
      figures.sizes[size] = {
        items: size,
        bytes: Buffer.byteLength(text),
        coldGetMs: coldGet.ms,
        coldClaimMs: coldClaim.ms,
        getLatencyMs: get,
        claimLatencyMs: claim,
        releaseLatencyMs: release,
      };
      rows.push([
        int(size),
        int(Buffer.byteLength(text) / 1024),
        ms(coldGet.ms),
        ms(coldClaim.ms),
        `${ms(get.p50)} / ${ms(get.p99)}`,
        `${ms(claim.p50)} / ${ms(claim.p99)}`,
        `${ms(release.p50)} / ${ms(release.p99)}`,
        `${get.n} / ${claim.n}`,
      ]);
    } finally {
      await server.close();
    }
  }
  const table = markdownTable(
    ["items", "KiB", "first get ms", "first claim ms", "get p50 / p99 ms", "claim p50 / p99 ms", "release p50 / p99 ms", "n (get / claim)"],
    rows,
  );
  const largest = figures.sizes[GOAL_SIZE];
  const goals = largest
    ? [
        { goal: `${int(GOAL_SIZE)} items: get_work_items p50 ≤ ${GOAL_GET_P50_MS} ms`, target: GOAL_GET_P50_MS, measured: Number(largest.getLatencyMs.p50.toFixed(1)), detail: "ms", pass: largest.getLatencyMs.p50 <= GOAL_GET_P50_MS },
        { goal: `${int(GOAL_SIZE)} items: claim_item p50 ≤ ${GOAL_CLAIM_P50_MS} ms`, target: GOAL_CLAIM_P50_MS, measured: Number(largest.claimLatencyMs.p50.toFixed(1)), detail: "ms", pass: largest.claimLatencyMs.p50 <= GOAL_CLAIM_P50_MS },
      ]
    : [];
  return { title: "Board size: latency of get_work_items and claim_item by number of items", tables: [table], figures, goals };
}
