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
 *
 * `get_work_items` is measured as agents call it: one page (the server's default, 100 items; counts always
 * cover the whole board). Reading the whole board — pages of 1,000 followed by `next_cursor` — is timed too,
 * for comparison with the goal written before the server paged its answers.
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
      const { available: a, in_progress: p, completed: c } = coldGet.data.counts; // `ready` is a part of `available`
      const counted = a + p + c;
      if (counted !== size || coldGet.data.items.length !== Math.min(size, 100)) {
        throw new Error(`board-size ${size}: get_work_items returned ${coldGet.data.items.length} items, counts for ${counted}`);
      }
      const first = available[0].description;
      const coldClaim = ok(await call(server.client, "claim_item", { description: first }), "claim_item");
      ok(await call(server.client, "release_item", { description: first }), "release_item");

      const getMs = [];
      let start = now();
      while (getMs.length < calls && (getMs.length < 10 || now() - start < budgetMs)) {
        getMs.push(ok(await call(server.client, "get_work_items"), "get_work_items").ms);
      }
      // The whole board, page after page, as a person's tool or an orchestrator would read it.
      const fullMs = [];
      start = now();
      while (fullMs.length < Math.min(calls, 30) && (fullMs.length < 5 || now() - start < budgetMs / 2)) {
        const t = now();
        let seen = 0;
        for (let cursor; ; ) {
          const page = ok(
            await call(server.client, "get_work_items", { limit: 1000, ...(cursor ? { cursor } : {}) }),
            "get_work_items page",
          );
          seen += page.data.items.length;
          cursor = page.data.next_cursor;
          if (!cursor) break;
        }
        if (seen !== size) throw new Error(`board-size ${size}: paging returned ${seen} items`);
        fullMs.push(now() - t);
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
      const full = summarize(fullMs);
      figures.sizes[size] = {
        items: size,
        bytes: Buffer.byteLength(text),
        coldGetMs: coldGet.ms,
        coldClaimMs: coldClaim.ms,
        getLatencyMs: get,
        claimLatencyMs: claim,
        releaseLatencyMs: release,
        fullListingMs: full,
      };
      rows.push([
        int(size),
        int(Buffer.byteLength(text) / 1024),
        ms(coldGet.ms),
        ms(coldClaim.ms),
        `${ms(get.p50)} / ${ms(get.p99)}`,
        `${ms(claim.p50)} / ${ms(claim.p99)}`,
        `${ms(release.p50)} / ${ms(release.p99)}`,
        `${ms(full.p50)} / ${ms(full.p99)}`,
        `${get.n} / ${claim.n}`,
      ]);
    } finally {
      await server.close();
    }
  }
  const table = markdownTable(
    [
      "items",
      "KiB",
      "first get ms",
      "first claim ms",
      "get (1 page) p50 / p99 ms",
      "claim p50 / p99 ms",
      "release p50 / p99 ms",
      "whole board (pages of 1,000) p50 / p99 ms",
      "n (get / claim)",
    ],
    rows,
  );
  const largest = figures.sizes[GOAL_SIZE];
  const goals = largest
    ? [
        {
          goal: `${int(GOAL_SIZE)} items: get_work_items (default page) p50 ≤ ${GOAL_GET_P50_MS} ms`,
          target: GOAL_GET_P50_MS,
          measured: Number(largest.getLatencyMs.p50.toFixed(1)),
          detail: "ms",
          pass: largest.getLatencyMs.p50 <= GOAL_GET_P50_MS,
        },
        {
          goal: `${int(GOAL_SIZE)} items: claim_item p50 ≤ ${GOAL_CLAIM_P50_MS} ms`,
          target: GOAL_CLAIM_P50_MS,
          measured: Number(largest.claimLatencyMs.p50.toFixed(1)),
          detail: "ms",
          pass: largest.claimLatencyMs.p50 <= GOAL_CLAIM_P50_MS,
        },
      ]
    : [];
  return { title: "Board size: latency of get_work_items and claim_item by number of items", tables: [table], figures, goals };
}
