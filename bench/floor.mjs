import { randomBytes } from "node:crypto";
import { open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { generateBoard, makeRoot, statePath } from "./lib/board.mjs";
import { median, now, summarize } from "./lib/stats.mjs";
import { int, markdownTable, ms } from "./lib/table.mjs";

export const name = "floor";
export const BOARD_ITEMS = 200;

/**
 * The physical floor: one durable read-modify-write of the board, done in Node with no lock, no parsing and no
 * MCP, exactly as the server's writer does it: read, temp file opened `wx`, writeFile, fsync, close, rename,
 * fsync the directory. Each op toggles a claim marker on one line, so the file keeps the server's size.
 */
export async function createFloor(itemCount = BOARD_ITEMS) {
  const { text, items } = generateBoard(itemCount);
  const root = await makeRoot(text, "floor");
  const file = statePath(root);
  const dir = dirname(file);
  let op = 0;
  const once = async () => {
    const item = items[(op >> 1) % items.length].description;
    const claim = op % 2 === 0;
    op++;
    const current = await readFile(file, "utf8");
    const next = claim
      ? current.replace(`- [ ] ${item}\n`, `- [ ] ${item} [IP:floor]\n`)
      : current.replace(` ${item} [IP:floor]\n`, ` ${item}\n`);
    const temp = join(dir, `.state.md.${randomBytes(6).toString("hex")}.tmp`);
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(next, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    const dirHandle = await open(dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  };
  return {
    bytes: Buffer.byteLength(text),
    /** `ops` sequential read-modify-writes: throughput and each op's latency. */
    async round(ops) {
      const latencies = [];
      const start = now();
      for (let i = 0; i < ops; i++) {
        const t = now();
        await once();
        latencies.push(now() - t);
      }
      return { opsPerSec: (ops * 1000) / (now() - start), latencies };
    },
  };
}

export async function run({ quick }) {
  const rounds = quick ? 3 : 9;
  const ops = quick ? 60 : 400;
  const floor = await createFloor();
  await floor.round(20); // warm-up: page cache, JIT
  const perRound = [];
  const latencies = [];
  for (let r = 0; r < rounds; r++) {
    const round = await floor.round(ops);
    perRound.push(round.opsPerSec);
    latencies.push(...round.latencies);
  }
  const lat = summarize(latencies);
  const figures = {
    boardItems: BOARD_ITEMS,
    boardBytes: floor.bytes,
    rounds,
    opsPerRound: ops,
    opsPerSecMedian: median(perRound),
    opsPerSecRounds: perRound,
    latencyMs: lat,
  };
  const table = markdownTable(
    ["board", "rounds × ops", "ops/s (median of rounds)", "ops/s min–max", "p50 ms", "p99 ms"],
    [
      [
        `${BOARD_ITEMS} items, ${int(floor.bytes)} B`,
        `${rounds} × ${ops}`,
        int(figures.opsPerSecMedian),
        `${int(Math.min(...perRound))}–${int(Math.max(...perRound))}`,
        ms(lat.p50),
        ms(lat.p99),
      ],
    ],
  );
  return { title: "Floor: durable read-modify-write in Node (no lock, no parse, no MCP)", tables: [table], figures, goals: [] };
}
