import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BoardContext } from "../../src/board/board-context.js";
import { Dependencies } from "../../src/board/dependencies.js";
import { findItem, ItemIndex } from "../../src/board/find-item.js";
import { isFailure } from "../../src/board/index.js";
import { parseBoard } from "../../src/markdown/index.js";
import { type BoardStore, DecideOutsideLock } from "../../src/store/index.js";
import { call, inMemoryClient } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { claimItem } from "../markdown/edited.js";
import { expectJson, readText } from "../markdown/fixtures.js";
import { writeBoard } from "../mcp/tools/support.js";

/**
 * Fixture boards under test/fixtures/dependencies/<case>/: `input.md`, and `expected.json` with what
 * get_work_items reports for each item: status, ready, blocked_by. `UPDATE=1` rewrites the expected files;
 * review them by hand.
 */
const DIR = fileURLToPath(new URL("../fixtures/dependencies/", import.meta.url));
const CASES = readdirSync(DIR).sort();

async function listed(board: string) {
  const root = await tempRoot();
  await writeBoard(root, board);
  const client = await inMemoryClient({ root, agentId: "alpha" });
  const reply = await call(client, "get_work_items", { limit: 1000 });
  expect(reply.isError, reply.text).toBe(false);
  return reply.data;
}

describe("dependencies on fixture boards, as get_work_items reports them", () => {
  it("has the cases: sequences, subtasks, names that match, names that do not, cycles", () => {
    expect(CASES).toEqual(["after-matching", "after-unresolved", "cycles", "sequence", "subtasks"]);
    for (const name of CASES) expect(existsSync(join(DIR, name, "input.md")), name).toBe(true);
  });

  it.each(CASES)("%s: expected.json", async (name) => {
    const data = await listed(readText(join(DIR, name, "input.md")));
    const items = data.items.map((item: Record<string, unknown>) => ({
      line: item.line,
      description: item.description,
      status: item.status,
      ready: item.ready,
      blocked_by: item.blocked_by,
    }));
    expectJson(join(DIR, name), "expected.json", items);
    // `ready` is exactly: available and nothing in blocked_by; counts.ready counts them.
    for (const item of data.items) expect(item.ready, item.description).toBe(item.status === "available" && item.blocked_by.length === 0);
    expect(data.counts.ready).toBe(data.items.filter((item: { ready: boolean }) => item.ready).length);
  });

  it("filters with ready: true and ready: false, counts still covering the whole board", async () => {
    const board = readText(join(DIR, "subtasks", "input.md"));
    const root = await tempRoot();
    await writeBoard(root, board);
    const client = await inMemoryClient({ root });
    const all = (await call(client, "get_work_items")).data;
    const ready = (await call(client, "get_work_items", { ready: true })).data;
    const notReady = (await call(client, "get_work_items", { ready: false, status: "available" })).data;
    expect(ready.items.map((item: { description: string }) => item.description)).toEqual([
      "Users endpoint",
      "Validate input",
      "A step left open",
      "Set up the database",
    ]);
    expect(notReady.items.map((item: { description: string }) => item.description)).toEqual([
      "Build the API",
      "Build the frontend",
      "Login page",
      "Dashboard",
      "Charts",
      "Tables",
    ]);
    expect(ready.counts).toEqual(all.counts);
  });
});

describe("Dependencies", () => {
  it("keeps its graph while only statuses change, and rebuilds it when a description or a name changes", () => {
    const text = "1. [ ] One\n2. [ ] Two (after: Three)\n- [ ] Three\n";
    const first = Dependencies.of(parseBoard(text));
    const claimed = Dependencies.of(parseBoard(text.replace("- [ ] Three", "- [x] Three")), first);
    expect(claimed.blockers(1)).toEqual([{ description: "One", line: 1 }]);
    expect(graphOf(claimed).waits).toBe(graphOf(first).waits);
    // Handed on with the claimed board's items: the next board is compared with the latest, not the first.
    expect(graphOf(claimed).items).toBe(claimed.board.items);
    const renamed = Dependencies.of(parseBoard(text.replace("(after: Three)", "(after: Four)")), first);
    expect(graphOf(renamed).waits).not.toBe(graphOf(first).waits);
    expect(renamed.blockers(1)).toEqual([
      { description: "One", line: 1 },
      { description: "Four", line: null, problem: "not_found" },
    ]);
  });

  it("inside the lock, builds no graph for a big board whose structure changed: the decision goes outside", () => {
    const text = `${Array.from({ length: 2_001 }, (_, i) => `- [ ] item ${i}`).join("\n")}\n`;
    const ctx = new BoardContext({} as BoardStore, undefined);
    const board = parseBoard(text);
    ctx.dependencies(board);
    const claimed = parseBoard(claimItem(text, board, board.items[5]!, "alpha"));
    expect(ctx.dependencies(claimed, { locked: true }).isReady(5)).toBe(false); // statuses only: the graph is kept
    const renamed = parseBoard(text.replace("- [ ] item 7\n", "- [ ] item 7 (after: item 8)\n"));
    expect(() => ctx.dependencies(renamed, { locked: true })).toThrow(DecideOutsideLock);
    expect(ctx.dependencies(renamed).blockers(7)).toEqual([{ description: "item 8", line: 9 }]);
  });

  it("names what completing an item makes ready: waiting for it and for nothing else still open", () => {
    const board = parseBoard(
      "- [ ] Build\n- [ ] Test\n- [ ] Ship (after: Build; Test)\n- [ ] Docs (after: Build)\n- [ ] Blog (after: Docs)\n",
    );
    const dependencies = Dependencies.of(board);
    expect(dependencies.unblockedBy(0).map((i) => board.items[i]!.description)).toEqual(["Docs"]);
    expect(dependencies.unblockedBy(1)).toEqual([]);
  });

  it("matches names exactly as findItem does (exact, then loose, then forgiving; several at a level: ambiguous)", () => {
    const board = parseBoard(
      [
        "- [ ] Build auth",
        "- [ ] build  auth",
        "- [ ] Write docs",
        "- [ ] Write Docs!",
        "- [x] Ship it",
        "- [ ] Run tests",
        "- [ ] Run tests",
        "",
      ].join("\n"),
    );
    const index = new ItemIndex(board.items);
    for (const name of [
      "Build auth",
      "BUILD AUTH",
      "write docs",
      "Write docs.",
      "`Ship it`",
      "- [x] Ship it",
      "Run tests",
      "nothing",
      "  Write docs  ",
    ]) {
      const found = findItem(board.items, name.trim());
      const expected = isFailure(found) ? (found.reason === "ambiguous" ? found.candidates!.length : 0) : 1;
      const matches = index.match(name);
      expect(matches.length, name).toBe(expected);
      if (!isFailure(found)) expect(board.items[matches[0]!]).toBe(found);
    }
  });

  it("takes a 10,000-item board of sequences, subtasks and names in well under a second, and blockers at once after", () => {
    const lines = ["# Big"];
    for (let group = 0; group < 1000; group++) {
      lines.push("", `1. [ ] Group ${group} design${group > 0 ? ` (after: Group ${group - 1} ship)` : ""}`);
      for (let step = 1; step < 8; step++) lines.push(`${step + 1}. [ ] Group ${group} step ${step}`);
      lines.push(`9. [ ] Group ${group} ship`, `   - [ ] Group ${group} check`);
    }
    const board = parseBoard(`${lines.join("\n")}\n`);
    expect(board.items.length).toBe(10_000);
    const started = performance.now();
    const dependencies = Dependencies.of(board);
    let ready = 0;
    for (let i = 0; i < board.items.length; i++) if (dependencies.isReady(i)) ready++;
    const built = performance.now() - started;
    const last = board.items.length - 2;
    const blockers = dependencies.blockers(last);
    const total = performance.now() - started;
    console.log(`FIGURES dependencies: 10,000 items, graph and readiness ${built.toFixed(1)} ms, with cycles ${total.toFixed(1)} ms`);
    expect(ready).toBe(1); // Group 0 design: every check inherits its ship step's predecessor
    expect(blockers).toEqual([
      { description: "Group 999 step 7", line: board.items[last - 1]!.line },
      { description: "Group 999 check", line: board.items[last + 1]!.line },
    ]);
    expect(total).toBeLessThan(1000);
  });
});

function graphOf(dependencies: Dependencies): { items: unknown; waits: unknown } {
  return (dependencies as unknown as { graph: { items: unknown; waits: unknown } }).graph;
}
