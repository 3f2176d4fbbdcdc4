import { BOARD_ITEMS, createFloor } from "./floor.mjs";
import { generateBoard, makeRoot } from "./lib/board.mjs";
import { call, spawnHfs } from "./lib/server.mjs";
import { median, now, summarize } from "./lib/stats.mjs";
import { int, markdownTable, ms, ratio } from "./lib/table.mjs";

export const name = "one-agent";
const GOAL_RATIO = 0.5;

/**
 * One server process, one client, sequential calls: claim item i, release item i, claim item i+1, ...
 * Every call is one op. Rounds alternate with floor rounds on a board of the same size, so the ratio compares
 * figures taken under the same machine load.
 */
export async function run({ quick }) {
  const rounds = quick ? 2 : 7;
  const ops = quick ? 40 : 300;
  const { text, items } = generateBoard(BOARD_ITEMS);
  const root = await makeRoot(text, "one-agent");
  const server = await spawnHfs({ root, agentId: "agent-1" });
  const floor = await createFloor(BOARD_ITEMS);
  let next = 0;
  const pair = async () => {
    const description = items[next++ % items.length].description;
    const claimed = await call(server.client, "claim_item", { description });
    const released = await call(server.client, "release_item", { description });
    for (const reply of [claimed, released]) {
      if (reply.isError) throw new Error(`one-agent: unexpected failure on \`${description}\`: ${JSON.stringify(reply.data)}`);
    }
    return [claimed.ms, released.ms];
  };
  try {
    for (let i = 0; i < 10; i++) await pair(); // warm-up
    await floor.round(20);
    const serverRounds = [];
    const floorRounds = [];
    const claimMs = [];
    const releaseMs = [];
    for (let r = 0; r < rounds; r++) {
      floorRounds.push((await floor.round(ops)).opsPerSec);
      const start = now();
      for (let i = 0; i < ops / 2; i++) {
        const [c, rel] = await pair();
        claimMs.push(c);
        releaseMs.push(rel);
      }
      serverRounds.push((ops * 1000) / (now() - start));
    }
    const all = summarize([...claimMs, ...releaseMs]);
    const figures = {
      boardItems: BOARD_ITEMS,
      rounds,
      opsPerRound: ops,
      opsPerSecMedian: median(serverRounds),
      opsPerSecRounds: serverRounds,
      floorOpsPerSecMedian: median(floorRounds),
      floorOpsPerSecRounds: floorRounds,
      ratioToFloor: median(serverRounds) / median(floorRounds),
      latencyMs: all,
      claimLatencyMs: summarize(claimMs),
      releaseLatencyMs: summarize(releaseMs),
    };
    const table = markdownTable(
      ["calls", "rounds × ops", "ops/s (median)", "floor ops/s (same rounds)", "ratio", "p50 ms", "p99 ms"],
      [
        [
          "claim + release",
          `${rounds} × ${ops}`,
          int(figures.opsPerSecMedian),
          int(figures.floorOpsPerSecMedian),
          ratio(figures.ratioToFloor),
          ms(all.p50),
          ms(all.p99),
        ],
        ["claim_item only", "", "", "", "", ms(figures.claimLatencyMs.p50), ms(figures.claimLatencyMs.p99)],
        ["release_item only", "", "", "", "", ms(figures.releaseLatencyMs.p50), ms(figures.releaseLatencyMs.p99)],
      ],
    );
    const goals = [
      {
        goal: `one agent: ops/s ≥ ${GOAL_RATIO} × floor`,
        target: GOAL_RATIO,
        measured: Number(figures.ratioToFloor.toFixed(3)),
        detail: `${int(figures.opsPerSecMedian)} / ${int(figures.floorOpsPerSecMedian)} ops/s`,
        pass: figures.ratioToFloor >= GOAL_RATIO,
      },
    ];
    return { title: `One agent: sequential claim_item / release_item, ${BOARD_ITEMS}-item board`, tables: [table], figures, goals };
  } finally {
    await server.close();
  }
}
