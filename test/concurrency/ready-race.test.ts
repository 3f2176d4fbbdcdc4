import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Dependencies } from "../../src/board/dependencies.js";
import { parseHistoryLine } from "../../src/board/history.js";
import { parseBoard } from "../../src/markdown/index.js";
import { call, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { pick } from "../stress/scale.js";

const AGENTS = 8;
const GROUPS = pick(4, 8);
const STEPS = 4;
const PARTS = 2;
const LOOSE = 7;

/**
 * A plan whose items become ready one by one as others complete them: per group an ordered list of steps (each
 * waits for the one before), each step with subtasks (the step waits for them; they wait for the step before
 * theirs), loose items that wait for nothing, and a release that names every group's last step.
 */
function plan(): { text: string; total: number } {
  const lines = ["# Release", ""];
  for (let g = 1; g <= GROUPS; g++) {
    lines.push(`## Group ${g}`, "");
    for (let s = 1; s <= STEPS; s++) {
      lines.push(`${s}. [ ] g${g} step ${s}`);
      for (let p = 1; p <= PARTS; p++) lines.push(`   - [ ] g${g} step ${s} part ${p}`);
    }
    lines.push("");
  }
  lines.push("## Loose", "");
  for (let k = 1; k <= LOOSE; k++) lines.push(`- [ ] loose ${k}`);
  const last = Array.from({ length: GROUPS }, (_, g) => `g${g + 1} step ${STEPS}`).join("; ");
  lines.push(`- [ ] release (after: ${last})`, "");
  return { text: lines.join("\n"), total: GROUPS * STEPS * (PARTS + 1) + LOOSE + 1 };
}

describe("claim_next over a plan that becomes ready as it is done, across server processes", () => {
  it(`${AGENTS} processes claim and complete: every item claimed exactly once, never before what it waits for is completed`, async () => {
    const root = await tempRoot();
    const { text, total } = plan();
    await mkdir(join(root, ".hfs"));
    await writeFile(join(root, ".hfs", "state.md"), text);
    const servers = await Promise.all(
      Array.from({ length: AGENTS }, (_, k) => spawnServer(["--root", root, "--agent-id", `agent-${k + 1}`])),
    );

    const started = performance.now();
    let calls = 0;
    let waits = 0;
    const unexpected: string[] = [];
    const done = await Promise.all(
      servers.map(async ({ client }) => {
        const mine: string[] = [];
        for (;;) {
          const claimed = await call(client, "claim_next");
          calls++;
          if (!claimed.isError) {
            mine.push(claimed.data.description);
            const completed = await call(client, "complete_item", { description: claimed.data.description, line: claimed.data.line });
            calls++;
            if (completed.isError) unexpected.push(`complete ${claimed.data.description}: ${completed.data.reason}`);
            continue;
          }
          if (claimed.data.reason !== "none_available") {
            unexpected.push(`claim_next: ${claimed.data.reason}`);
            break;
          }
          // Nothing ready now: done when the whole board is, else others are finishing what the rest waits for.
          const counts = (await call(client, "get_work_items", { limit: 1 })).data.counts;
          calls++;
          if (counts.completed === total) break;
          waits++;
          await sleep(5 + Math.random() * 10);
        }
        return mine;
      }),
    );
    const ms = performance.now() - started;

    // The log is written inside the lock, in commit order: the order of events on the board.
    const events = (await readFile(join(root, ".hfs", "log.md"), "utf8"))
      .split("\n")
      .map(parseHistoryLine)
      .filter((event) => event !== undefined);
    const board = parseBoard(text);
    const dependencies = Dependencies.of(board); // every item open: blockers are everything each waits for
    const waitsFor = new Map(
      board.items.map((item, i) => [item.description, dependencies.blockers(i).map((blocker) => blocker.description)]),
    );
    const completedAt = new Map<string, number>();
    const claims = new Map<string, number>();
    let early = 0;
    for (const [at, event] of events.entries()) {
      if (event.action === "complete") completedAt.set(event.description, at);
      if (event.action !== "claim") continue;
      claims.set(event.description, (claims.get(event.description) ?? 0) + 1);
      for (const blocker of waitsFor.get(event.description) ?? []) {
        if (!((completedAt.get(blocker) ?? Number.POSITIVE_INFINITY) < at)) early++;
      }
    }
    const all = done.flat();
    const twice = [...claims.values()].filter((n) => n > 1).length;
    console.log(
      `FIGURES ready race: ${AGENTS} processes x ${total} items (${GROUPS} sequences of ${STEPS} steps with ${PARTS} subtasks each, ` +
        `${LOOSE} loose, 1 release after all), ${calls} calls in ${ms.toFixed(0)} ms, claimed twice ${twice}, ` +
        `claims before a blocker was completed ${early}, waits while nothing was ready ${waits}, unexpected failures ${unexpected.length}`,
    );
    expect(unexpected).toEqual([]);
    expect(early).toBe(0);
    expect(twice).toBe(0);
    expect(all.sort()).toEqual(board.items.map((item) => item.description).sort()); // every item, once, by one agent
    expect(claims.size).toBe(total);
    expect(events.filter((event) => event.action === "complete").length).toBe(total);
    expect(events.filter((event) => event.action === "release" || event.action === "reclaim")).toEqual([]);
    const final = parseBoard(await readFile(join(root, ".hfs", "state.md"), "utf8"));
    expect(final.items.every((item) => item.status === "completed")).toBe(true);
    // The release waited for every group's last step, which waited for its own subtasks.
    const releaseAt = events.findIndex((event) => event.action === "claim" && event.description === "release");
    for (let g = 1; g <= GROUPS; g++) expect(completedAt.get(`g${g} step ${STEPS}`)!).toBeLessThan(releaseAt);
  });
});
