import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { generateBoard } from "./lib/board.mjs";
import { cloneOf, GIT_ENV, git, seedBranch, servedRemote, stopGit } from "./lib/git.mjs";
import { call, cliPath, spawnMcp } from "./lib/server.mjs";
import { median, now, summarize } from "./lib/stats.mjs";
import { int, markdownTable, ms, ratio } from "./lib/table.mjs";

export const name = "git-sync";
const GOAL_RATIO = 0.7;
const BOARD_ITEMS = 200;
const AGENTS = 8;

/**
 * `--sync git` against its own floor, measured in the same run: a bare repository served by `git daemon` on
 * 127.0.0.1 (a real network transport, no latency added), and
 *
 * - the floor: one raw round of what any client of this mode must do to change one line, with git's own
 *   commands as git-sync.md gives them — `git fetch`, `git rev-parse`, `git hash-object`, a temporary index
 *   (`read-tree`, `update-index`, `write-tree`), `git commit-tree`, `git push` — on a branch of its own of the
 *   same remote, from a clone of its own, toggling a claim marker on a 200-item board;
 * - one agent: one server (`--sync git`) in a clone, sequential claim_item / release_item, rounds interleaved
 *   with floor rounds;
 * - eight agents: eight servers in eight clones calling claim_next in a loop until none is left: every item
 *   must be won exactly once, and no call may fail for contention.
 */
export async function run({ quick }) {
  const rounds = quick ? 2 : 5;
  const ops = quick ? 10 : 40;
  const raceItems = quick ? 24 : 96;
  try {
    const remote = await servedRemote("sync");
    const { text, items } = generateBoard(BOARD_ITEMS);
    const floorClone = await cloneOf(remote, "floor");
    const floor = await createGitFloor(floorClone, text, items);
    const one = await cloneOf(remote, "one");
    seedBranch(one, "hfs", text);
    const server = await spawnGitServer(one, "agent-1");
    let next = 0;
    const pair = async () => {
      const description = items[next++ % items.length].description;
      const claimed = await call(server.client, "claim_item", { description });
      const released = await call(server.client, "release_item", { description });
      for (const reply of [claimed, released]) {
        if (reply.isError) throw new Error(`git-sync: unexpected failure on \`${description}\`: ${JSON.stringify(reply.data)}`);
      }
      return [claimed.ms, released.ms];
    };
    const serverRounds = [];
    const floorRounds = [];
    const floorParts = [];
    const latencies = [];
    try {
      for (let i = 0; i < 3; i++) await pair(); // warm-up: module loading, the first parse
      await floor.round(4);
      for (let r = 0; r < rounds; r++) {
        const f = await floor.round(ops);
        floorRounds.push(f.opsPerSec);
        floorParts.push(...f.parts);
        const start = now();
        for (let i = 0; i < ops / 2; i++) latencies.push(...(await pair()));
        serverRounds.push((ops * 1000) / (now() - start));
      }
    } finally {
      await server.close();
    }
    const race = await eightClones(remote, raceItems);

    const partMs = (key) => median(floorParts.map((p) => p[key]));
    const figures = {
      transport: "git:// (git daemon on 127.0.0.1)",
      boardItems: BOARD_ITEMS,
      rounds,
      opsPerRound: ops,
      opsPerSecMedian: median(serverRounds),
      opsPerSecRounds: serverRounds,
      floorOpsPerSecMedian: median(floorRounds),
      floorOpsPerSecRounds: floorRounds,
      ratioToFloor: median(serverRounds) / median(floorRounds),
      latencyMs: summarize(latencies),
      floorPartsMsMedian: { fetch: partMs("fetch"), plumbing: partMs("plumbing"), push: partMs("push") },
      eightAgents: race,
    };
    const oneTable = markdownTable(
      ["calls", "rounds × ops", "ops/s (median)", "git floor ops/s (same rounds)", "ratio", "p50 ms", "p99 ms"],
      [
        [
          "claim + release, one agent",
          `${rounds} × ${ops}`,
          int(figures.opsPerSecMedian),
          int(figures.floorOpsPerSecMedian),
          ratio(figures.ratioToFloor),
          ms(figures.latencyMs.p50),
          ms(figures.latencyMs.p99),
        ],
      ],
    );
    const floorNote =
      `One floor round trip, median: fetch ${ms(partMs("fetch"))} ms, the six local plumbing commands ${ms(partMs("plumbing"))} ms, ` +
      `push ${ms(partMs("push"))} ms. The server builds its objects in-process instead of with the six commands (see docs/git-sync.md).`;
    const raceTable = markdownTable(
      [
        "eight agents, 8 clones",
        "claims",
        "wall s",
        "claims/s",
        "p50 ms",
        "p99 ms",
        "won twice",
        "never won",
        "failed for contention",
        "other failures",
      ],
      [
        [
          `claim_next until none is left, ${raceItems} items`,
          race.claims,
          (race.wallMs / 1000).toFixed(1),
          ratio((race.claims * 1000) / race.wallMs),
          ms(race.latencyMs.p50),
          ms(race.latencyMs.p99),
          race.wonTwice,
          race.neverWon,
          race.contentionFailures,
          race.otherFailures,
        ],
      ],
    );
    const goals = [
      {
        goal: `git sync, one agent: ops/s ≥ ${GOAL_RATIO} × the raw git floor`,
        target: GOAL_RATIO,
        measured: Number(figures.ratioToFloor.toFixed(3)),
        detail: `${int(figures.opsPerSecMedian)} / ${int(figures.floorOpsPerSecMedian)} ops/s`,
        pass: figures.ratioToFloor >= GOAL_RATIO,
      },
      ...[
        ["won twice", race.wonTwice],
        ["never won", race.neverWon],
        ["failed for contention", race.contentionFailures],
        ["other failures", race.otherFailures],
        ["remote disagrees", race.remoteDisagrees],
      ].map(([label, count]) => ({
        goal: `git sync, 8 agents in 8 clones: ${label} = 0`,
        target: 0,
        measured: count,
        detail: `count; p99 ${ms(race.latencyMs.p99)} ms`,
        pass: count === 0,
        correctness: true,
      })),
    ];
    return {
      title: `Git sync: claims through a git remote (git daemon on loopback), against raw git`,
      tables: [`${oneTable}\n\n${floorNote}`, raceTable],
      figures,
      goals,
    };
  } finally {
    await stopGit();
  }
}

function spawnGitServer(clone, agentId) {
  return spawnMcp({ args: [cliPath(), "--root", clone, "--agent-id", agentId, "--sync", "git"], env: GIT_ENV });
}

/** Eight servers in eight clones, claim_next in a loop on a fresh board of `count` items. */
async function eightClones(remote, count) {
  const clones = [];
  for (let k = 0; k < AGENTS; k++) clones.push(await cloneOf(remote, `race-${k + 1}`));
  const descriptions = Array.from({ length: count }, (_, i) => `Race item ${String(i + 1).padStart(3, "0")}`);
  const board = `# Shared State\n\n## Available Work Items\n\n${descriptions.map((d) => `- [ ] ${d}`).join("\n")}\n`;
  seedBranch(clones[0], "race", board);
  const servers = await Promise.all(
    clones.map((clone, k) =>
      spawnMcp({
        args: [cliPath(), "--root", clone, "--agent-id", `agent-${k + 1}`, "--sync", "git", "--git-branch", "race"],
        env: GIT_ENV,
      }),
    ),
  );
  const latencies = [];
  const won = new Map();
  const failures = {};
  const start = now();
  try {
    await Promise.all(
      servers.map(async (server, k) => {
        for (;;) {
          const reply = await call(server.client, "claim_next");
          latencies.push(reply.ms);
          if (!reply.isError) {
            won.set(reply.data.description, [...(won.get(reply.data.description) ?? []), `agent-${k + 1}`]);
            continue;
          }
          if (reply.data.reason === "none_available") return;
          failures[reply.data.reason] = (failures[reply.data.reason] ?? 0) + 1;
          if (Object.values(failures).reduce((a, b) => a + b, 0) > 50) return; // something is wrong: stop, report
        }
      }),
    );
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
  const wallMs = now() - start;
  const onRemote = git(remote.path, ["show", "refs/heads/race:.hfs/state.md"]);
  const remoteDisagrees = [...won].filter(([description, [agent]]) => !onRemote.includes(`- [ ] ${description} [IP:${agent}]`)).length;
  for (const clone of clones) await rm(join(clone, ".hfs"), { recursive: true, force: true });
  return {
    items: count,
    claims: [...won.values()].flat().length,
    wallMs,
    latencyMs: summarize(latencies),
    wonTwice: [...won.values()].filter((who) => who.length > 1).length,
    neverWon: count - won.size,
    contentionFailures: failures.lock_timeout ?? 0,
    otherFailures: Object.entries(failures)
      .filter(([reason]) => reason !== "lock_timeout")
      .reduce((a, [, n]) => a + n, 0),
    failures,
    remoteDisagrees,
  };
}

/**
 * The raw git floor (see `run`), on branch `floor`: every op changes one line of the board it pushed last.
 * Each op's time is also split into fetch, the six local commands, and push.
 */
async function createGitFloor(clone, text, items) {
  let board = text;
  seedBranch(clone, "floor", board);
  const index = join(clone, ".git", "floor-index");
  let op = 0;
  const once = async () => {
    const item = items[(op >> 1) % items.length].description;
    const claim = op % 2 === 0;
    op++;
    board = claim ? board.replace(`- [ ] ${item}\n`, `- [ ] ${item} [IP:floor]\n`) : board.replace(` ${item} [IP:floor]\n`, ` ${item}\n`);
    const t0 = now();
    await gitAsync(clone, [
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      "--no-recurse-submodules",
      "--no-auto-maintenance",
      "--refmap=",
      "origin",
      "+refs/heads/floor:refs/floor/fetched",
    ]);
    const t1 = now();
    const old = await gitAsync(clone, ["rev-parse", "refs/floor/fetched"]);
    const blob = await gitAsync(clone, ["hash-object", "-w", "--stdin"], board);
    const env = { GIT_INDEX_FILE: index };
    await gitAsync(clone, ["read-tree", old], undefined, env);
    await gitAsync(clone, ["update-index", "--cacheinfo", `100644,${blob},.hfs/state.md`], undefined, env);
    const tree = await gitAsync(clone, ["write-tree"], undefined, env);
    const commit = await gitAsync(clone, ["commit-tree", tree, "-p", old, "-m", `floor ${op}`]);
    const t2 = now();
    await gitAsync(clone, ["push", "--porcelain", "origin", `${commit}:refs/heads/floor`]);
    return { fetch: t1 - t0, plumbing: t2 - t1, push: now() - t2 };
  };
  return {
    async round(count) {
      const parts = [];
      const start = now();
      for (let i = 0; i < count; i++) parts.push(await once());
      return { opsPerSec: (count * 1000) / (now() - start), parts };
    },
  };
}

function gitAsync(cwd, args, input, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, env: { ...GIT_ENV, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`git ${args.join(" ")}: ${err}`))));
    child.stdin.on("error", () => undefined); // git may exit before reading it all; its exit code says why
    child.stdin.end(input ?? "");
  });
}
