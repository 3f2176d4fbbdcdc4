import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { AVAILABLE, type Call, checkHistory, checkItem, type ItemInfo, type ItemState, type Op } from "./history-model.js";
import { pick } from "./scale.js";

const AGENTS = 8;
const ITEMS = pick(60, 400);
const CALLS_PER_AGENT = pick(60, 400);
const TOOL: Record<Op, string> = { claim: "claim_item", complete: "complete_item", release: "release_item" };

/** Seeded so a run's choices can be replayed (timing cannot): HFS_HISTORY_SEED=<seed printed below>. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A board of `count` available items in a few bullet shapes, with prose and empty sections around them. Nothing
 * waits for anything (the model judges each item alone): nested items sit under a plain list item, not under a
 * task, and each ordered item is a list of one. Dependencies have a race of their own (ready-race.test.ts).
 */
function historyBoard(count: number): { text: string; items: Map<string, ItemInfo> } {
  const lines = ["# Shared State", "", "Agents race for these; a person reads along.", "", "## Available Work Items", ""];
  const items = new Map<string, ItemInfo>();
  for (let n = 1; n <= count; n++) {
    const description = `Item ${String(n).padStart(3, "0")}: ${n % 7 === 0 ? "réviser le café" : "build part"} ${n}`;
    const bullet = n % 10 === 3 ? "* [ ] " : n % 10 === 6 ? "  - [ ] " : n % 10 === 9 ? "1. [ ] " : "- [ ] ";
    if (n % 10 === 6) lines.push("- Notes for the next one:");
    lines.push(bullet + description);
    items.set(description, { description, line: lines.length });
  }
  lines.push("", "## In Progress", "", "## Completed", "");
  return { text: lines.join("\n"), items };
}

/** The original board with each item's line edited the way the server edits it for the item's state. */
function renderBoard(original: string, items: ReadonlyMap<string, ItemInfo>, states: ReadonlyMap<string, ItemState>): string {
  const lines = original.split("\n");
  for (const [description, { line }] of items) {
    const state = states.get(description) ?? AVAILABLE;
    if (state.status === "in_progress") lines[line - 1] += ` [IP:${state.holder}]`;
    if (state.status === "completed") lines[line - 1] = lines[line - 1]!.replace("[ ]", "[x]");
  }
  return lines.join("\n");
}

function fileStates(text: string): Map<string, ItemState> {
  const states = new Map<string, ItemState>();
  for (const item of parseBoard(text).items) {
    states.set(
      item.description,
      item.status === "in_progress" ? { status: "in_progress", holder: item.claimedBy! } : { status: item.status },
    );
  }
  return states;
}

describe("history checker (the model the stress run is judged by)", () => {
  const item: ItemInfo = { description: "Build it", line: 3 };
  const ok = (op: Op, agent: string) => {
    const status = op === "claim" ? "in_progress" : op === "complete" ? "completed" : "available";
    const data: Record<string, unknown> = { success: true, description: "Build it", status, line: 3 };
    if (op === "claim") data.claimed_by = agent;
    if (op === "release") data.previous_holder = agent;
    return { isError: false, data };
  };
  const fail = (reason: string, extra: Record<string, unknown>) => ({
    isError: true,
    data: { success: false, reason, message: "m", hint: "h", ...extra },
  });
  const at = (agent: string, op: Op, start: number, end: number, reply: Call["reply"]): Call => ({
    agent,
    op,
    item: "Build it",
    start,
    end,
    reply,
  });

  it("accepts a sequential history and reports the one final state", () => {
    const verdict = checkItem(
      [
        at("a", "claim", 0, 1, ok("claim", "a")),
        at("b", "claim", 2, 3, fail("not_available", { status: "in_progress", claimed_by: "a" })),
        at("b", "release", 4, 5, fail("not_owner", { status: "in_progress", claimed_by: "a" })),
        at("a", "complete", 6, 7, ok("complete", "a")),
        at("b", "claim", 8, 9, fail("already_complete", { status: "completed" })),
      ],
      item,
    );
    expect(verdict.linearizable).toBe(true);
    expect([...verdict.finals]).toEqual(["completed"]);
  });

  it("rejects two overlapping claims that both won", () => {
    const verdict = checkItem([at("a", "claim", 0, 10, ok("claim", "a")), at("b", "claim", 1, 11, ok("claim", "b"))], item);
    expect(verdict.linearizable).toBe(false);
  });

  it("orders overlapping calls whichever way explains the replies", () => {
    // b's claim can only have won after a's release, though it started later and ended earlier.
    const verdict = checkItem(
      [at("a", "claim", 0, 1, ok("claim", "a")), at("a", "release", 2, 10, ok("release", "a")), at("b", "claim", 3, 9, ok("claim", "b"))],
      item,
    );
    expect(verdict.linearizable).toBe(true);
    expect([...verdict.finals]).toEqual(["in_progress:b"]);
  });

  it("respects real time: a call that started after another ended cannot come before it", () => {
    const verdict = checkItem(
      [
        at("a", "claim", 0, 1, ok("claim", "a")),
        at("a", "release", 2, 3, ok("release", "a")),
        at("b", "claim", 4, 5, fail("not_available", { status: "in_progress", claimed_by: "a" })),
      ],
      item,
    );
    expect(verdict.linearizable).toBe(false);
  });

  it("keeps every final state some order allows", () => {
    // a's second claim overlaps its release: a no-op retry before it, or a fresh claim after it.
    const verdict = checkItem(
      [at("a", "claim", 0, 1, ok("claim", "a")), at("a", "release", 2, 10, ok("release", "a")), at("a", "claim", 3, 9, ok("claim", "a"))],
      item,
    );
    expect(verdict.linearizable).toBe(true);
    expect([...verdict.finals].sort()).toEqual(["available", "in_progress:a"]);
  });

  it("rejects a failure whose reason or fields fit no state the item could be in", () => {
    const wrongHolder = checkItem(
      [at("a", "claim", 0, 1, ok("claim", "a")), at("b", "complete", 2, 3, fail("not_owner", { status: "in_progress", claimed_by: "c" }))],
      item,
    );
    expect(wrongHolder.linearizable).toBe(false);
    const wrongReason = checkItem([at("b", "claim", 0, 1, fail("lock_timeout", {}))], item);
    expect(wrongReason.linearizable).toBe(false);
    const thrown = checkItem([at("b", "claim", 0, 1, { thrown: "Error: connection closed" })], item);
    expect(thrown.linearizable).toBe(false);
    const extraField = checkItem([at("a", "claim", 0, 1, { isError: false, data: { ...ok("claim", "a").data, extra: 1 } })], item);
    expect(extraField.linearizable).toBe(false);
  });

  it("flags a file whose final state no order allows", () => {
    const items = new Map([["Build it", item]]);
    const calls = [at("a", "claim", 0, 1, ok("claim", "a"))];
    expect(checkHistory(calls, items, new Map([["Build it", { status: "in_progress", holder: "a" } as ItemState]])).violations).toEqual([]);
    const lost = checkHistory(calls, items, new Map([["Build it", AVAILABLE]])).violations;
    expect(lost.map((v) => v.kind)).toEqual(["final_state"]);
  });
});

describe("contention history across server processes", () => {
  it(
    `${AGENTS} processes x ${ITEMS} items, ${CALLS_PER_AGENT} random claims/completes/releases each: every reply fits the model`,
    async () => {
      const root = await tempRoot();
      const stateFile = join(root, ".hfs", "state.md");
      const { text: original, items } = historyBoard(ITEMS);
      await mkdir(join(root, ".hfs"));
      await writeFile(stateFile, original);
      expect(parseBoard(original).items.map((i) => [i.description, i.line])).toEqual(
        [...items.values()].map((i) => [i.description, i.line]),
      );

      const agents = Array.from({ length: AGENTS }, (_, i) => `agent-${i + 1}`);
      const servers: SpawnedServer[] = await Promise.all(agents.map((id) => spawnServer(["--root", root, "--agent-id", id])));
      // Warm each server up (first call loads the parser) so the timed part measures the steady state.
      await Promise.all(servers.map((server) => call(server.client, "get_work_items")));

      const seed = Number(process.env.HFS_HISTORY_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const descriptions = [...items.keys()];
      const history: Call[] = [];

      async function agentLoop(agent: string, server: SpawnedServer, rand: () => number): Promise<void> {
        const held: string[] = []; // what this agent believes it holds, from its own replies
        for (let k = 0; k < CALLS_PER_AGENT; k++) {
          let item: string;
          let op: Op;
          if (held.length > 0 && rand() < 0.4) {
            item = held[Math.floor(rand() * held.length)]!;
            op = rand() < 0.35 ? "complete" : "release";
          } else {
            // Skewed towards the first items, so that agents often collide on the same one.
            item = descriptions[Math.floor(descriptions.length * rand() ** 2)]!;
            const r = rand();
            op = r < 0.6 ? "claim" : r < 0.8 ? "complete" : "release";
          }
          const start = performance.now();
          let reply: Call["reply"];
          try {
            const result = await call(server.client, TOOL[op], { description: item });
            reply = { isError: result.isError, data: result.data };
          } catch (error) {
            reply = { thrown: String(error) };
          }
          history.push({ agent, op, item, start, end: performance.now(), reply });
          const won = "data" in reply && reply.data.success === true;
          const index = held.indexOf(item);
          if (won && op === "claim" && index < 0) held.push(item);
          if ((!won || op !== "claim") && index >= 0) held.splice(index, 1);
        }
      }

      const started = performance.now();
      await Promise.all(agents.map((agent, a) => agentLoop(agent, servers[a]!, random(seed + a))));
      const wallMs = performance.now() - started;

      const final = await readFile(stateFile, "utf8");
      const states = fileStates(final);
      const checkStarted = performance.now();
      const { violations, explored } = checkHistory(history, items, states);
      const checkMs = performance.now() - checkStarted;

      // What the run exercised, so a figure of 0 violations means something.
      const tally = new Map<string, number>();
      for (const c of history) {
        const key = "thrown" in c.reply ? `${c.op} threw` : c.reply.data.success ? `${c.op} ok` : `${c.op} ${String(c.reply.data.reason)}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
      let overlapping = 0;
      const byItem = new Map<string, Call[]>();
      for (const c of history) byItem.set(c.item, [...(byItem.get(c.item) ?? []), c]);
      for (const list of byItem.values()) {
        for (let i = 0; i < list.length; i++) {
          for (let j = i + 1; j < list.length; j++) {
            if (list[i]!.agent !== list[j]!.agent && list[i]!.start < list[j]!.end && list[j]!.start < list[i]!.end) overlapping++;
          }
        }
      }
      const counts = [...tally]
        .sort()
        .map(([key, n]) => `${key} ${n}`)
        .join(", ");
      console.log(
        `FIGURES history: ${AGENTS} agents x ${ITEMS} items, calls ${history.length} in ${wallMs.toFixed(0)} ms ` +
          `(${((history.length / wallMs) * 1000).toFixed(0)} ops/s), violations ${violations.length}, ` +
          `same-item overlapping call pairs ${overlapping}, checker ${explored} states in ${checkMs.toFixed(0)} ms, seed ${seed}; ${counts}`,
      );
      for (const violation of violations.slice(0, 5))
        console.log(`violation on \`${violation.item}\` (${violation.kind}): ${violation.detail}`);

      expect(history).toHaveLength(AGENTS * CALLS_PER_AGENT);
      expect(violations).toEqual([]);
      // Every byte outside the items' markers is the original's: the file is exactly the states it reports.
      expect(final).toBe(renderBoard(original, items, states));
      expect(states.size).toBe(items.size);
      // The run did what it is meant to test: contended items, and every kind of state change.
      expect(overlapping).toBeGreaterThan(0);
      for (const key of ["claim ok", "complete ok", "release ok", "claim not_available"])
        expect(tally.get(key) ?? 0, key).toBeGreaterThan(0);
    },
    pick(120_000, 900_000),
  );
});
