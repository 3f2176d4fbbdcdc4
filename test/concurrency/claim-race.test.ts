import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Dependencies } from "../../src/board/dependencies.js";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer, type ToolReply } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";

const AGENTS = 8;

/**
 * 48 distinct available items in every shape the parser accepts (nested, ordered, `*`, `+`, blockquoted,
 * trailing spaces, non-ASCII), plus task-like text that is not an item: in a paragraph and in a code fence
 * (which repeats real descriptions, so a parser that saw them as items would make claims ambiguous). Some of
 * them wait for others (a parent for its subtasks, an ordered step for the one before): those are `blocked`
 * for every agent, the rest won exactly once.
 */
function raceBoard(): { text: string; descriptions: string[] } {
  const descriptions: string[] = [];
  const item = (n: number) => {
    const description = `Task ${String(n).padStart(2, "0")}: ${n % 5 === 0 ? "réviser le café" : "build part"} ${n}`;
    descriptions.push(description);
    return description;
  };
  const lines = ["# Shared State", "", "Write `- [ ] like this` to add work by hand.", "", "## Available Work Items", ""];
  let n = 1;
  for (let group = 0; group < 4; group++) {
    lines.push(`- [ ] ${item(n++)}`);
    lines.push(`  - [ ] ${item(n++)}`);
    lines.push(`    - [ ] ${item(n++)}   `); // trailing spaces stay where they are
    lines.push(`- [ ] ${item(n++)}`);
  }
  lines.push("");
  for (let k = 1; k <= 8; k++) lines.push(`${k}. [ ] ${item(n++)}`);
  lines.push(`   - [ ] ${item(n++)}`); // nested under the last ordered item
  lines.push("");
  for (let k = 0; k < 5; k++) lines.push(`* [ ] ${item(n++)}`);
  lines.push("");
  for (let k = 0; k < 5; k++) lines.push(`+ [ ] ${item(n++)}`);
  lines.push("");
  for (let k = 1; k <= 3; k++) lines.push(`${k}) [ ] ${item(n++)}`);
  lines.push("");
  for (let k = 0; k < 3; k++) lines.push(`> - [ ] ${item(n++)}`);
  lines.push("");
  lines.push("```markdown", `- [ ] ${descriptions[0]}`, `- [ ] ${descriptions[6]} [IP:fence-agent]`, "- [ ] not an item", "```", "");
  while (n <= 48) lines.push(`- [ ] ${item(n++)}`);
  lines.push("", "## In Progress", "", "## Completed", "");
  return { text: lines.join("\n"), descriptions };
}

/** Seeded so a failing order can be replayed: HFS_RACE_SEED=<seed printed below>. */
function shuffler(seed: number): <T>(items: T[]) => T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (items) => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  };
}

/** The original text with one line per item edited: what the board must be, byte for byte. */
function expectedBoard(original: string, lineOf: Map<string, number>, edits: Map<string, (line: string) => string>): string {
  const lines = original.split("\n");
  for (const [description, edit] of edits) {
    const index = lineOf.get(description)! - 1;
    lines[index] = edit(lines[index]!);
  }
  return lines.join("\n");
}

describe("claim race across server processes", () => {
  it(`${AGENTS} processes racing for the same 48 items: each ready one won exactly once, the others blocked, the file agrees`, async () => {
    const root = await tempRoot();
    const { text: original, descriptions } = raceBoard();
    const stateFile = join(root, ".hfs", "state.md");
    await mkdir(join(root, ".hfs"));
    await writeFile(stateFile, original);

    const parsed = parseBoard(original);
    expect(parsed.items.map((item) => item.description)).toEqual(descriptions);
    expect(parsed.items.every((item) => item.status === "available")).toBe(true);
    expect(descriptions).toHaveLength(48);
    const lineOf = new Map(parsed.items.map((item) => [item.description, item.line]));
    const dependencies = Dependencies.of(parsed);
    const ready = parsed.items.filter((_, i) => dependencies.isReady(i)).map((item) => item.description);
    const waiting = new Set(descriptions.filter((description) => !ready.includes(description)));
    // Per group, two parents wait for their subtasks; 7 of 8 ordered steps and the subtask of the last; 2 of 3 `1)` steps.
    expect(waiting.size).toBe(18);
    expect(ready.length).toBe(30);

    const agents = Array.from({ length: AGENTS }, (_, i) => `agent-${i + 1}`);
    const spawnStarted = performance.now();
    const servers: SpawnedServer[] = await Promise.all(agents.map((id) => spawnServer(["--root", root, "--agent-id", id])));
    const seed = Number(process.env.HFS_RACE_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const shuffle = shuffler(seed);
    const spawnMs = performance.now() - spawnStarted;

    // Phase 1: every agent tries every item, all calls in flight at once, each agent in its own order.
    const started = performance.now();
    const replies = await Promise.all(
      agents.map(async (agent, a) => {
        const order = shuffle(descriptions);
        const results = await Promise.all(order.map((description) => call(servers[a]!.client, "claim_item", { description })));
        return order.map((description, k) => ({ agent, description, reply: results[k]! }));
      }),
    );
    const wallMs = performance.now() - started;
    const attempts = replies.flat();

    const winners = new Map<string, string[]>();
    for (const { agent, description, reply } of attempts) {
      if (reply.isError) continue;
      expect(reply.data).toEqual({ success: true, description, status: "in_progress", claimed_by: agent, line: lineOf.get(description) });
      winners.set(description, [...(winners.get(description) ?? []), agent]);
    }
    const wonTwice = [...winners.values()].filter((who) => who.length > 1).length;
    const totalCalls = attempts.length;
    console.log(
      `claim race: ${AGENTS} processes x ${descriptions.length} items, ${totalCalls} calls in ${wallMs.toFixed(0)} ms ` +
        `(${((totalCalls / wallMs) * 1000).toFixed(0)} claim calls/s), items won twice: ${wonTwice}, seed ${seed}`,
    );
    expect(wonTwice).toBe(0);
    expect([...winners.keys()].sort()).toEqual([...ready].sort());
    const winner = new Map([...winners].map(([description, [agent]]) => [description, agent!]));

    const losses: { agent: string; description: string; reply: ToolReply }[] = attempts.filter((attempt) => attempt.reply.isError);
    expect(losses).toHaveLength(totalCalls - ready.length);
    for (const { description, reply } of losses) {
      if (waiting.has(description)) {
        expect(reply.data).toMatchObject({ success: false, reason: "blocked", status: "available", claimed_by: null });
        expect(reply.data.blocked_by.length).toBeGreaterThan(0);
        continue;
      }
      expect(reply.data).toMatchObject({
        success: false,
        reason: "not_available",
        status: "in_progress",
        claimed_by: winner.get(description),
      });
      expect(typeof reply.data.hint).toBe("string");
    }

    const afterClaims = await readFile(stateFile, "utf8");
    for (const item of parseBoard(afterClaims).items) {
      expect({ description: item.description, claimedBy: item.claimedBy }).toEqual({
        description: item.description,
        claimedBy: winner.get(item.description) ?? null,
      });
    }
    expect(afterClaims.replace(/ \[IP:agent-\d+\]/g, "")).toBe(original);
    const claimEdits = new Map([...winner].map(([description, agent]) => [description, (line: string) => `${line} [IP:${agent}]`]));
    expect(afterClaims).toBe(expectedBoard(original, lineOf, claimEdits));

    // Phase 2: every winner completes half of its items and releases the other half, all at once.
    const completed = new Set<string>();
    const phase2Started = performance.now();
    const phase2 = await Promise.all(
      agents.flatMap((agent, a) =>
        descriptions
          .filter((description) => winner.get(description) === agent)
          .map((description, k) => {
            const tool = k % 2 === 0 ? "complete_item" : "release_item";
            if (tool === "complete_item") completed.add(description);
            return call(servers[a]!.client, tool, { description }).then((reply) => ({ tool, description, reply }));
          }),
      ),
    );
    console.log(
      `phase 2: ${phase2.length} complete/release calls in ${(performance.now() - phase2Started).toFixed(0)} ms (servers started in ${spawnMs.toFixed(0)} ms)`,
    );
    for (const { tool, description, reply } of phase2) {
      const expected = { success: true, description, line: lineOf.get(description) };
      if (tool === "complete_item") {
        // A completion may make a waiting item ready (now_ready): nothing else differs.
        const { now_ready: _nowReady, ...rest } = reply.data;
        expect(rest).toEqual({ ...expected, status: "completed" });
      } else expect(reply.data).toEqual({ ...expected, status: "available", previous_holder: winner.get(description) });
    }
    expect(completed.size).toBeGreaterThan(0);
    expect(completed.size).toBeLessThan(descriptions.length);

    const final = await readFile(stateFile, "utf8");
    for (const item of parseBoard(final).items) {
      expect({ description: item.description, status: item.status, claimedBy: item.claimedBy }).toEqual({
        description: item.description,
        status: completed.has(item.description) ? "completed" : "available",
        claimedBy: null,
      });
    }
    const completeEdits = new Map([...completed].map((description) => [description, (line: string) => line.replace("[ ]", "[x]")]));
    expect(final).toBe(expectedBoard(original, lineOf, completeEdits));
  });
});
