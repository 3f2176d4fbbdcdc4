import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { leftovers, TEMP_NAME } from "./hfs-leftovers.js";
import { pick } from "./scale.js";

/**
 * Item 3 of issue 4: agent servers killed with SIGKILL at random moments while they write (adds, claims,
 * completions, releases, memory saves), on a small board and on a ~1 MiB one. After every kill, and at the end:
 *
 * - torn or partial files: 0 — every state.md and memory file read is byte for byte one of the versions the
 *   writers can produce (strict UTF-8 with non-ASCII text throughout, the exact skeleton, only known lines);
 * - acknowledged writes lost: 0 — each item is checked against the sequence of operations issued on it: it must
 *   be in the state of the last acknowledged one or of one issued after it (a call in flight at the kill may or
 *   may not have landed), and once its writer is dead it must never change again;
 * - temp files left by dead writers after the next start-up: 0 — checked after every server start.
 *
 * Each writer owns its items and its memory file, so every reply has one right answer: anything but success is
 * counted too. Full size (HFS_STRESS=1): 500 writes on each board (1,000); reduced: 60 + 40.
 */

const WRITERS = 3;
const HEAD = "# Shared State\n\n## Available Work Items\n\n";
const TAIL = "\n## In Progress\n\n## Completed\n";
const SEED = "Seed item — ne pas toucher";
const decoder = new TextDecoder("utf-8", { fatal: true });

type State = string; // "absent" | "available" | "in_progress:<agent>" | "completed" | "note <n>"

interface Track {
  writer: number;
  /** The state after each operation issued on it, in order; [0] is the state before any. */
  states: State[];
  /** Index into states of the last acknowledged operation. */
  acked: number;
  /** Its writer process is dead: it must not change any more. */
  dead: boolean;
  /** What the first check after the death saw. */
  frozen?: State;
}

interface PhaseFigures {
  name: string;
  writes: number;
  acked: number;
  ackedClaims: number;
  kills: number;
  killsMidWrite: number;
  checks: number;
  torn: number;
  lost: number;
  changedAfterDeath: number;
  unexpectedReplies: number;
  tempAfterStartup: number;
  boardBytes: number;
  seconds: number;
}

const results: PhaseFigures[] = [];

afterAll(() => {
  const summary = (f: PhaseFigures) =>
    `${f.name}: board=${(f.boardBytes / 1024).toFixed(0)}KiB writes=${f.writes} acked=${f.acked} acked_claims=${f.ackedClaims} ` +
    `kills=${f.kills} kills_mid_write=${f.killsMidWrite} checks=${f.checks} torn=${f.torn} lost=${f.lost} ` +
    `changed_after_death=${f.changedAfterDeath} unexpected_replies=${f.unexpectedReplies} temp_after_startup=${f.tempAfterStartup} ` +
    `seconds=${f.seconds.toFixed(1)}`;
  console.log(`FIGURES crash: ${results.map(summary).join(" | ")}`);
});

// ---------------------------------------------------------------------------------------------------------------
// The two boards.

interface Board {
  name: string;
  seed: string;
  /** Items the writers may touch, with the writer each belongs to (the seed's own items). */
  seeded: { description: string; writer: number | null }[];
  /** Parse a file's bytes into item states, or say why it is no version a writer could produce. */
  read(bytes: Buffer): Map<string, State> | string;
  /** Adds new items (small board) or works through its seeded ones (large board). */
  adds: boolean;
  /** Upper bound of the random delay between a life's first acknowledged write and its SIGKILL. */
  maxKillDelayMs: number;
  writes: number;
}

const ITEM = /^- \[( |x)\] (.+?)(?: \[IP:(agent-\d+)\])?$/;

function stateOf(box: string, agent: string | undefined): State | undefined {
  if (box === "x") return agent === undefined ? "completed" : undefined;
  return agent === undefined ? "available" : `in_progress:${agent}`;
}

const smallBoard: Board = {
  name: "small",
  seed: `${HEAD}- [ ] ${SEED}\n${TAIL}`,
  seeded: [{ description: SEED, writer: null }],
  adds: true,
  // The reduced run's 60 writes can all be made within one 500 ms delay on a fast Node (24: 1 kill in 2 of 3
  // runs, the build before presence and dependencies too): kills come sooner there, so every writer dies.
  maxKillDelayMs: pick(150, 500),
  writes: pick(60, 500),
  read(bytes) {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return "not valid UTF-8 (cut inside a character?)";
    }
    if (!text.startsWith(HEAD) || !text.endsWith(TAIL)) return `not the board's skeleton:\n${text.slice(0, 300)}…${text.slice(-200)}`;
    const body = text.slice(HEAD.length, text.length - TAIL.length);
    if (!body.endsWith("\n")) return "the item list does not end with a line break";
    const items = new Map<string, State>();
    for (const line of body.slice(0, -1).split("\n")) {
      const match = ITEM.exec(line);
      const state = match ? stateOf(match[1]!, match[3]) : undefined;
      if (!match || state === undefined) return `a line no writer produces: \`${line}\``;
      const description = match[2]!;
      if (description !== SEED && !/^w\d+ tâche \d+$/.test(description)) return `an unknown item: \`${line}\``;
      if (items.has(description)) return `\`${description}\` appears twice`;
      items.set(description, state);
    }
    // The real parser agrees with the line-level reading.
    const parsed = parseBoard(text).items.map((item) => [
      item.description,
      item.status === "completed" ? "completed" : item.claimedBy ? `in_progress:${item.claimedBy}` : "available",
    ]);
    if (JSON.stringify(parsed) !== JSON.stringify([...items])) return "parseBoard disagrees with the line-level reading";
    return items;
  },
};

// ~1 MiB: items owned by the writers in turn, long lines (480 characters, under the 500 a description may
// have) of three-byte UTF-8 characters, so that a cut almost anywhere lands inside a character.
const LARGE_ITEMS = 800;
function largeDescription(n: number): string {
  return `w${n % WRITERS} lot ${n} — ${"書き直して確認し配備する。".repeat(36)}終`;
}
const largeSeedLines = Array.from({ length: LARGE_ITEMS }, (_, n) => `- [ ] ${largeDescription(n)}`);

const largeBoard: Board = {
  name: "large",
  seed: `${HEAD}${largeSeedLines.join("\n")}\n${TAIL}`,
  seeded: largeSeedLines.map((_, n) => ({ description: largeDescription(n), writer: n % WRITERS })),
  adds: false,
  // As on the small board: since the big-board decisions got cheaper, the reduced run's 40 writes fitted in one
  // 1,000 ms delay on Node 26 (1 kill instead of 3 in a CI dry run), so the reduced run kills sooner.
  maxKillDelayMs: pick(300, 1000),
  writes: pick(40, 500),
  read(bytes) {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return "not valid UTF-8 (cut inside a character?)";
    }
    const lines = text.split("\n");
    const seedLines = this.seed.split("\n");
    if (lines.length !== seedLines.length) return `${lines.length} lines instead of ${seedLines.length} (partial?)`;
    const items = new Map<string, State>();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const seed = seedLines[i]!;
      if (!seed.startsWith("- [ ] ")) {
        if (line !== seed) return `line ${i + 1} changed: \`${line.slice(0, 80)}\``;
        continue;
      }
      const match = ITEM.exec(line);
      const state = match ? stateOf(match[1]!, match[3]) : undefined;
      if (!match || state === undefined || `- [ ] ${match[2]}` !== seed)
        return `line ${i + 1} is no version of its item: \`${line.slice(0, 80)}\``;
      items.set(match[2]!, state);
    }
    return items;
  },
};

const MEMORY = /^# Agent Memory: (agent-\d+)\n\n## Scratchpad\n\n(w\d+ note \d+)\n\n## Subtasks\n\n## Notes\n$/;

// ---------------------------------------------------------------------------------------------------------------

interface TempEntry {
  path: string;
  pid: number;
}

async function tempFiles(hfsDir: string): Promise<TempEntry[]> {
  const found: TempEntry[] = [];
  for (const dir of [hfsDir, join(hfsDir, "agents")]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const pid = TEMP_NAME.exec(name)?.[1];
      if (pid !== undefined) found.push({ path: join(dir, name), pid: Number(pid) });
    }
  }
  return found;
}

/** Temp files in the work folders (`work~<nonce>`) of the parked lock directories of `pid` (`.lock.<pid>.…`). */
async function pendingTempFiles(hfsDir: string, pid: number): Promise<number> {
  let count = 0;
  for (const name of await readdir(hfsDir).catch(() => [] as string[])) {
    if (!name.startsWith(`.lock.${pid}.`)) continue;
    for (const work of await readdir(join(hfsDir, name)).catch(() => [] as string[])) {
      if (work.startsWith("work~")) count += (await readdir(join(hfsDir, name, work)).catch(() => [] as string[])).length;
    }
  }
  return count;
}

async function lockOwnerPid(hfsDir: string): Promise<number | undefined> {
  const names = await readdir(join(hfsDir, ".lock")).catch(() => [] as string[]);
  const owner = names.map((name) => /^owner~(\d+)~/.exec(name)?.[1]).find((pid) => pid !== undefined);
  return owner === undefined ? undefined : Number(owner);
}

async function runPhase(board: Board): Promise<PhaseFigures> {
  // The checker itself refuses what a crash could leave: the file cut short anywhere (inside a character too),
  // or a new version's head on the old one's tail.
  const seedBytes = Buffer.from(board.seed);
  expect(board.read(seedBytes)).toBeInstanceOf(Map);
  const insideCharacter = seedBytes.findIndex((byte) => byte >= 0xc0) + 1;
  for (const cut of [0, 1, seedBytes.length >> 1, insideCharacter, seedBytes.length - 1]) {
    expect(typeof board.read(seedBytes.subarray(0, cut)), `a version cut at byte ${cut}`).toBe("string");
  }
  const insideItem = seedBytes.indexOf("- [ ] ") + 9;
  const spliced = Buffer.concat([seedBytes.subarray(0, insideItem), Buffer.from(" [IP:agent-0]\n- [ "), seedBytes.subarray(insideItem)]);
  expect(typeof board.read(spliced), "a splice inside an item line").toBe("string");

  const started = performance.now();
  const root = await tempRoot();
  const hfsDir = join(root, ".hfs");
  await mkdir(hfsDir);
  await writeFile(join(hfsDir, "state.md"), board.seed);

  const items = new Map<string, Track>();
  for (const { description, writer } of board.seeded) {
    items.set(description, { writer: writer ?? -1, states: ["available"], acked: 0, dead: false });
  }
  const memories = Array.from({ length: WRITERS }, (_, writer): Track => ({ writer, states: ["absent"], acked: 0, dead: false }));
  const problems: string[] = [];
  const figures: PhaseFigures = {
    name: board.name,
    writes: 0,
    acked: 0,
    ackedClaims: 0,
    kills: 0,
    killsMidWrite: 0,
    checks: 0,
    torn: 0,
    lost: 0,
    changedAfterDeath: 0,
    unexpectedReplies: 0,
    tempAfterStartup: 0,
    boardBytes: Buffer.byteLength(board.seed),
    seconds: 0,
  };
  // Write until the phase has made its writes *and* killed every writer at least once: on a fast Node, the writes
  // alone could all fit in one life's random delay, and a phase without kills would test nothing.
  const going = () => figures.writes < board.writes || figures.kills < WRITERS;
  const deadPids = new Set<number>();
  const nextItem = Array.from({ length: WRITERS }, (_, writer) => writer); // large board: the writer's next seeded item
  const nextNew = Array.from({ length: WRITERS }, () => 0); // small board: the number of its next new item
  const nextNote = Array.from({ length: WRITERS }, () => 0);

  /** Is `observed` allowed for this track, given what was acknowledged before the read and issued by its end? */
  function judge(what: string, track: Track, observed: State, ackedBefore: number, issuedAfter: number, deadBefore: boolean): void {
    const allowed = track.states.slice(ackedBefore, issuedAfter + 1);
    if (!allowed.includes(observed)) {
      figures.lost++;
      problems.push(
        `${what}: the file says \`${observed}\`, but after the acknowledged \`${track.states[ackedBefore]}\` only ${JSON.stringify(allowed)} are possible`,
      );
    }
    if (!deadBefore) return;
    if (track.frozen === undefined) track.frozen = observed;
    else if (track.frozen !== observed) {
      figures.changedAfterDeath++;
      problems.push(`${what} changed from \`${track.frozen}\` to \`${observed}\` after its writer was dead`);
    }
  }

  async function check(): Promise<void> {
    figures.checks++;
    // Only what was acknowledged before the reads start must be in them; anything issued until they end may be.
    const ackedItems = new Map([...items].map(([description, track]) => [description, { acked: track.acked, dead: track.dead }]));
    const ackedMemories = memories.map((track) => track.acked);
    const boardBytes = await readFile(join(hfsDir, "state.md"));
    const memoryBytes = await Promise.all(
      memories.map((_, writer) => readFile(join(hfsDir, "agents", `agent-${writer}.md`)).catch(() => null)),
    );

    const read = board.read(boardBytes);
    if (typeof read === "string") {
      figures.torn++;
      problems.push(`state.md (${boardBytes.length} bytes) is no complete version: ${read}`);
    } else {
      for (const description of read.keys()) {
        if (!ackedItems.has(description)) problems.push(`\`${description}\` is on the board but was never added`);
      }
      for (const [description, before] of ackedItems) {
        const track = items.get(description)!;
        judge(`\`${description}\``, track, read.get(description) ?? "absent", before.acked, track.states.length - 1, before.dead);
      }
    }
    memoryBytes.forEach((bytes, writer) => {
      const track = memories[writer]!;
      let observed: State = "absent";
      if (bytes !== null) {
        let match: RegExpExecArray | null = null;
        try {
          match = MEMORY.exec(decoder.decode(bytes));
        } catch {
          // not UTF-8: torn
        }
        if (!match || match[1] !== `agent-${writer}`) {
          figures.torn++;
          problems.push(
            `agents/agent-${writer}.md (${bytes.length} bytes) is no complete version: \`${bytes.toString("utf8").slice(0, 200)}\``,
          );
          return;
        }
        observed = match[2]!.replace(/^w\d+ /, "");
      }
      // (A memory file lives on with the writer's next process, so it is never frozen.)
      judge(`agent-${writer}'s memory`, track, observed, ackedMemories[writer]!, track.states.length - 1, false);
    });
  }

  // One process's life: write without pause until killed (or until the phase has issued all its writes).
  async function writeLoop(
    server: SpawnedServer,
    writer: number,
    touched: Set<Track>,
    killed: () => boolean,
    warm: () => void,
  ): Promise<void> {
    const agent = `agent-${writer}`;
    let current: { description: string; stage: "add" | "claim" | "finish" } | undefined;
    let op = 0;
    try {
      // As agents do (the server's instructions say so): look at the board first. This also parses it outside
      // the lock, as a real agent's first call would.
      const listed = await call(server.client, "get_work_items", {});
      if (listed.data.success !== true) {
        figures.unexpectedReplies++;
        problems.push(`get_work_items → ${JSON.stringify(listed.data).slice(0, 300)}`);
      }
      while (going()) {
        let tool: string;
        let args: Record<string, unknown>;
        let track: Track;
        let next: State;
        if (++op % 5 === 0) {
          const n = nextNote[writer]!++;
          [tool, args, track, next] = [
            "update_agent_memory",
            { section: "scratchpad", content: `w${writer} note ${n}` },
            memories[writer]!,
            `note ${n}`,
          ];
        } else {
          if (current === undefined) {
            if (board.adds) {
              const description = `w${writer} tâche ${nextNew[writer]!++}`;
              items.set(description, { writer, states: ["absent"], acked: 0, dead: false });
              current = { description, stage: "add" };
            } else {
              const n = nextItem[writer]!;
              nextItem[writer] = n + WRITERS;
              if (n >= LARGE_ITEMS) throw new Error(`writer ${writer} ran out of seeded items`);
              current = { description: largeDescription(n), stage: "claim" };
            }
          }
          track = items.get(current.description)!;
          const { description, stage } = current;
          if (stage === "add") [tool, args, next] = ["add_item", { description }, "available"];
          else if (stage === "claim") [tool, args, next] = ["claim_item", { description }, `in_progress:${agent}`];
          else if (Math.random() < 2 / 3) [tool, args, next] = ["complete_item", { description }, "completed"];
          else [tool, args, next] = ["release_item", { description }, "available"];
        }
        figures.writes++;
        if (track !== memories[writer]) touched.add(track);
        track.states.push(next);
        const index = track.states.length - 1;
        const reply = await call(server.client, tool, args);
        if (reply.data.success !== true) {
          figures.unexpectedReplies++;
          problems.push(`${tool}(${JSON.stringify(args)}) → ${JSON.stringify(reply.data).slice(0, 300)}`);
          current = undefined;
          continue;
        }
        track.acked = index;
        figures.acked++;
        if (tool === "claim_item") figures.ackedClaims++;
        if (tool !== "update_agent_memory" && current) {
          current =
            current.stage === "add"
              ? { ...current, stage: "claim" }
              : current.stage === "claim"
                ? { ...current, stage: "finish" }
                : undefined;
        }
        warm();
      }
    } catch (error) {
      if (!killed()) problems.push(`writer ${writer}: ${String(error)}`);
    }
  }

  async function life(writer: number): Promise<void> {
    const deadBefore = new Set(deadPids);
    const server = await spawnServer(["--root", root, "--agent-id", `agent-${writer}`]);
    const pid = server.pid!;

    // The start-up clean-up ran before the server answered: no temp file of a writer dead before it started.
    for (const temp of await tempFiles(hfsDir)) {
      if (!deadBefore.has(temp.pid)) continue;
      figures.tempAfterStartup++;
      problems.push(`\`${temp.path}\` of dead pid ${temp.pid} survived the start-up of pid ${pid}`);
    }
    const closed = new Promise<void>((resolve) => (server.client.onclose = resolve));
    let killed = false;
    let onWarm: () => void = () => undefined;
    const warmed = new Promise<void>((resolve) => (onWarm = resolve));
    const touched = new Set<Track>();
    const loop = writeLoop(
      server,
      writer,
      touched,
      () => killed,
      () => onWarm(),
    );
    // A fresh process's first call is slow (cold code, the parse, perhaps a dead writer's lock to take over):
    // count down to the kill from its first acknowledged write, so kills land anywhere in a stream of writes.
    await Promise.race([warmed, loop]);
    if (going()) {
      await sleep(Math.random() * board.maxKillDelayMs);
      killed = true;
      process.kill(pid, "SIGKILL");
      figures.kills++;
      await closed;
      deadPids.add(pid);
      // The items this process issued operations on are final now (the next process takes new ones).
      for (const track of touched) track.dead = true;
      // Landed inside a write: it left a temp file in its work folder (servers write the next commit there, in
      // their parked lock or in the lock itself) or died holding the lock. A lower bound: a live server may have
      // taken the lock over already.
      if ((await pendingTempFiles(hfsDir, pid)) > 0 || (await lockOwnerPid(hfsDir)) === pid) figures.killsMidWrite++;
      await loop;
    } else {
      await loop;
      await server.client.close();
      await closed;
    }
    await check();
  }

  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      while (going()) await life(writer);
    }),
  );

  // The next start-up after the last kill removes every temp file (all writers are gone now), and the server
  // works on what the dead ones left, including a lock one of them died holding.
  const fresh = await spawnServer(["--root", root, "--agent-id", "agent-9"]);
  const left = await tempFiles(hfsDir);
  figures.tempAfterStartup += left.length;
  for (const temp of left) problems.push(`\`${temp.path}\` survived the final start-up`);
  const description = board.adds ? "w9 tâche 0" : largeDescription(LARGE_ITEMS - 1);
  if (board.adds) {
    expect((await call(fresh.client, "add_item", { description })).data).toMatchObject({ success: true });
    items.set(description, { writer: 9, states: ["absent", "available"], acked: 1, dead: false });
  }
  const claimed = await call(fresh.client, "claim_item", { description });
  expect(claimed.data, `claim by a fresh server after the last kill`).toMatchObject({ success: true, claimed_by: "agent-9" });
  const track = items.get(description)!;
  Object.assign(track, { writer: 9, dead: false, frozen: undefined });
  track.states.push("in_progress:agent-9");
  track.acked = track.states.length - 1;
  await check();
  figures.seconds = (performance.now() - started) / 1000;
  results.push(figures);

  expect(problems).toEqual([]);
  // No lock held, no temp file or dead writer's lock dir (the live fresh server's parked lock dir aside).
  expect(await leftovers(hfsDir, [fresh.pid!])).toMatchObject({ temps: [], lockHeld: false });
  return figures;
}

describe("agent servers killed with SIGKILL at random moments during writes", () => {
  it(
    `small board: ${smallBoard.writes} writes by ${WRITERS} servers killed over and over: no torn file, no acknowledged write lost, no temp file after start-up`,
    async () => {
      const figures = await runPhase(smallBoard);
      expect(figures.kills).toBeGreaterThanOrEqual(WRITERS);
      expect(figures.ackedClaims).toBeGreaterThan(0);
    },
    pick(120_000, 900_000),
  );

  it(
    `~1 MiB board: ${largeBoard.writes} writes by ${WRITERS} servers killed over and over: no torn file, no acknowledged write lost, no temp file after start-up`,
    async () => {
      expect(Buffer.byteLength(largeBoard.seed)).toBeGreaterThan(1024 * 1024);
      expect(Buffer.byteLength(largeBoard.seed)).toBeLessThan(1.25 * 1024 * 1024);
      const figures = await runPhase(largeBoard);
      expect(figures.kills).toBeGreaterThanOrEqual(WRITERS);
      expect(figures.ackedClaims).toBeGreaterThan(0);
    },
    pick(120_000, 900_000),
  );
});
