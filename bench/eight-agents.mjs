import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { BOARD_ITEMS, createFloor } from "./floor.mjs";
import { generateBoard, makeRoot, statePath } from "./lib/board.mjs";
import { call, spawnHfs } from "./lib/server.mjs";
import { median, now, summarize } from "./lib/stats.mjs";
import { int, markdownTable, ms, pct, ratio } from "./lib/table.mjs";

export const name = "eight-agents";
const AGENTS = 8;
const GOAL_RATIO = 0.4;
const GOAL_P99_MS = 100;

/**
 * Eight server processes (agent-1..agent-8) on one root, each driven by its own SDK client, all from this process.
 * Each round starts from a fresh 200-item board:
 *   phase A: every agent claims its own distinct items (agent k takes items k, k+8, ...), all agents at once;
 *   phase B: every agent claims the same items in the same order, so each item has 8 contenders and one winner;
 *   phase R (no goal; for diagnosis): distinct items claimed one call at a time, the agents taking turns, so each
 *            call follows another process's write but never waits for the lock.
 * Correctness counters come from the replies and the final file; a floor round runs before each round.
 */
export async function run({ quick }) {
  const rounds = quick ? 1 : 3;
  const perAgentA = quick ? 2 : 12;
  const itemsA = perAgentA * AGENTS;
  const itemsB = quick ? 6 : 64;
  const itemsR = quick ? 8 : 40;
  const ranges = { A: [0, itemsA], B: [itemsA, itemsA + itemsB], R: [itemsA + itemsB, itemsA + itemsB + itemsR] };
  const { text, items } = generateBoard(BOARD_ITEMS);
  const root = await makeRoot(text, "eight-agents");
  const file = statePath(root);
  const spawnStart = now();
  const servers = await Promise.all(Array.from({ length: AGENTS }, (_, k) => spawnHfs({ root, agentId: `agent-${k + 1}` })));
  const spawnMs = now() - spawnStart;
  const floor = await createFloor(BOARD_ITEMS);
  const claim = async (k, i) => ({
    agent: `agent-${k + 1}`,
    item: i,
    ...(await call(servers[k].client, "claim_item", { description: items[i].description })),
  });

  const phases = {
    A: () =>
      Promise.all(
        servers.map(async (_, k) => {
          const replies = [];
          for (let i = ranges.A[0] + k; i < ranges.A[1]; i += AGENTS) replies.push(await claim(k, i));
          return replies;
        }),
      ).then((perAgent) => perAgent.flat()),
    B: () =>
      Promise.all(
        servers.map(async (_, k) => {
          const replies = [];
          for (let i = ranges.B[0]; i < ranges.B[1]; i++) replies.push(await claim(k, i));
          return replies;
        }),
      ).then((perAgent) => perAgent.flat()),
    R: async () => {
      const replies = [];
      for (let i = ranges.R[0]; i < ranges.R[1]; i++) replies.push(await claim(i % AGENTS, i));
      return replies;
    },
  };

  const counters = {
    wonTwice: 0,
    lost: 0,
    refusedForContention: 0,
    distinctFailures: 0,
    noWinner: 0,
    wrongHolderReported: 0,
    linesLost: 0,
  };
  const refusalReasons = {};
  const rate = { A: [], B: [], R: [] };
  const latencies = { A: [], B: [], R: [] };
  const clientCpu = { A: [], B: [], R: [] }; // share of one core this (client) process used during each phase
  const floorRounds = [];
  try {
    // Warm-up: each server's first read and first claim pay for module loading, JIT and the first parse.
    // The last items of the board, which no phase uses; the board is replaced before each round anyway.
    await Promise.all(
      servers.map(async (server, k) => {
        const description = items[BOARD_ITEMS - 1 - k].description;
        await call(server.client, "get_work_items", { status: "available" });
        await call(server.client, "claim_item", { description });
        await call(server.client, "release_item", { description });
      }),
    );
    await floor.round(20);
    for (let r = 0; r < rounds; r++) {
      await replaceFile(file, text);
      floorRounds.push((await floor.round(itemsA + itemsB)).opsPerSec);
      const replies = {};
      for (const phase of ["A", "B", "R"]) {
        const cpu = process.cpuUsage();
        const start = now();
        replies[phase] = await phases[phase]();
        rate[phase].push((replies[phase].length * 1000) / (now() - start));
        clientCpu[phase].push(cpuShare(cpu, start));
        latencies[phase].push(...replies[phase].map((x) => x.ms));
      }
      const final = await readFile(file, "utf8");
      countCorrectness(counters, refusalReasons, {
        items,
        contended: ranges.B,
        distinct: [...replies.A, ...replies.R],
        contendedReplies: replies.B,
        final,
      });
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }

  const floorMedian = median(floorRounds);
  const phaseFigures = (phase, callsPerRound) => ({
    callsPerRound,
    opsPerSecMedian: median(rate[phase]),
    opsPerSecRounds: rate[phase],
    ratioToFloor: median(rate[phase]) / floorMedian,
    latencyMs: summarize(latencies[phase]),
    clientCpuShareMedian: median(clientCpu[phase]),
  });
  const figures = {
    agents: AGENTS,
    boardItems: BOARD_ITEMS,
    rounds,
    phaseA: phaseFigures("A", itemsA),
    phaseB: phaseFigures("B", itemsB * AGENTS),
    phaseR: phaseFigures("R", itemsR),
    floorOpsPerSecMedian: floorMedian,
    floorOpsPerSecRounds: floorRounds,
    spawnAllMs: spawnMs,
    latencyMsPhasesAB: summarize([...latencies.A, ...latencies.B]),
    counters,
    refusalReasons,
  };
  const row = (label, f) => [
    label,
    `${rounds} × ${f.callsPerRound}`,
    int(f.opsPerSecMedian),
    int(floorMedian),
    ratio(f.ratioToFloor),
    ms(f.latencyMs.p50),
    ms(f.latencyMs.p99),
    pct(f.clientCpuShareMedian),
  ];
  const ab = figures.latencyMsPhasesAB;
  const perf = markdownTable(
    ["phase", "rounds × calls", "aggregate ops/s (median)", "floor ops/s (same rounds)", "ratio", "p50 ms", "p99 ms", "client CPU"],
    [
      row("A: distinct items, all at once", figures.phaseA),
      row("B: same items, all at once", figures.phaseB),
      ["A + B", `${ab.n}`, "", "", "", ms(ab.p50), ms(ab.p99), ""],
      row("R: distinct, one call at a time in turn", figures.phaseR),
    ],
  );
  const notes =
    "client CPU: share of one core used by the bench process (the 8 SDK clients) during the phase. " +
    `Spawning the 8 servers at once took ${ms(spawnMs / 1000)} s. Phase R has no goal: it shows the cost of a call ` +
    "that follows another process's write, without waiting for the lock.";
  const correctness = markdownTable(
    ["counter", "count", "meaning"],
    [
      ["won twice", counters.wonTwice, "phase-B items with more than one successful claim"],
      ["lost", counters.lost, "successful claims whose marker is not on that item's line in the final file"],
      [
        "refused for contention",
        counters.refusedForContention,
        "phase-B failures whose reason is not `not_available` (e.g. `lock_timeout`)",
      ],
      ["distinct-item failures", counters.distinctFailures, "failed claims of distinct, available items (phases A and R)"],
      ["no winner", counters.noWinner, "phase-B items that nobody won"],
      ["wrong holder reported", counters.wrongHolderReported, "`not_available` replies naming someone other than the winner"],
      ["lines lost", counters.linesLost, "board items missing from the final file"],
    ],
  );
  const goals = [
    ratioGoal("8 agents, phase A (distinct)", figures.phaseA, floorMedian),
    ratioGoal("8 agents, phase B (same items)", figures.phaseB, floorMedian),
    {
      goal: `8 agents: p99 latency ≤ ${GOAL_P99_MS} ms (phases A + B)`,
      target: GOAL_P99_MS,
      measured: Number(ab.p99.toFixed(1)),
      detail: "ms",
      pass: ab.p99 <= GOAL_P99_MS,
    },
  ];
  const labels = {
    wonTwice: "won twice",
    lost: "lost",
    refusedForContention: "refused for contention",
    distinctFailures: "distinct-item failures",
    noWinner: "no winner",
    wrongHolderReported: "wrong holder reported",
    linesLost: "lines lost",
  };
  for (const [key, label] of Object.entries(labels)) {
    goals.push({
      goal: `8 agents: ${label} = 0`,
      target: 0,
      measured: counters[key],
      detail: "count",
      pass: counters[key] === 0,
      correctness: true,
    });
  }
  return {
    title: `Eight agents: ${AGENTS} server processes on one ${BOARD_ITEMS}-item board`,
    tables: [`${perf}\n\n${notes}`, correctness],
    figures,
    goals,
  };
}

function ratioGoal(label, phase, floorMedian) {
  return {
    goal: `${label}: aggregate ops/s ≥ ${GOAL_RATIO} × floor`,
    target: GOAL_RATIO,
    measured: Number(phase.ratioToFloor.toFixed(3)),
    detail: `${int(phase.opsPerSecMedian)} / ${int(floorMedian)} ops/s`,
    pass: phase.ratioToFloor >= GOAL_RATIO,
  };
}

/**
 * Add one round's correctness findings to the counters. `distinct`: replies for items only one agent asked for
 * (each must succeed); `contendedReplies`: replies for the items in `contended` ([from, to) item indexes), which
 * every agent asked for (exactly one must win, the others must get `not_available` naming the winner).
 */
export function countCorrectness(counters, refusalReasons, { items, contended, distinct, contendedReplies, final }) {
  const holderOf = new Map(); // description → agent holding it in the final file ("" when unclaimed)
  for (const line of final.split("\n")) {
    const match = /^- \[ \] (.*?)(?: \[IP:([a-z0-9_-]+)\])?$/.exec(line);
    if (match) holderOf.set(match[1], match[2] ?? "");
  }
  for (const item of items) if (!holderOf.has(item.description)) counters.linesLost++;
  const note = (key) => (refusalReasons[key] = (refusalReasons[key] ?? 0) + 1);

  for (const reply of distinct) {
    if (reply.isError) {
      counters.distinctFailures++;
      note(`distinct:${reply.data.reason}`);
    } else if (holderOf.get(items[reply.item].description) !== reply.agent) counters.lost++;
  }
  for (let i = contended[0]; i < contended[1]; i++) {
    const replies = contendedReplies.filter((x) => x.item === i);
    const winners = replies.filter((x) => !x.isError);
    if (winners.length > 1) counters.wonTwice++;
    if (winners.length === 0) counters.noWinner++;
    for (const w of winners) if (holderOf.get(items[i].description) !== w.agent) counters.lost++;
    for (const loser of replies.filter((x) => x.isError)) {
      if (loser.data.reason !== "not_available") {
        counters.refusedForContention++;
        note(`contended:${loser.data.reason}`);
      } else if (winners.length === 1 && loser.data.claimed_by !== winners[0].agent) counters.wrongHolderReported++;
    }
  }
}

/** CPU time this process used since `before`, as a share of the wall time since `start`. */
function cpuShare(before, start) {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (now() - start);
}

/** Put a fresh board in place by rename (a new file version, as an editor's save would be). */
async function replaceFile(file, text) {
  const temp = `${file}.bench-${randomBytes(4).toString("hex")}`;
  await writeFile(temp, text);
  await rename(temp, file);
}
