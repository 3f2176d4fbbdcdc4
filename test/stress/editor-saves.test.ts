import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { pick } from "./scale.js";

const SLOW_SAVE = fileURLToPath(new URL("../fixtures/programs/slow-save.mjs", import.meta.url));
const AGENTS = 4;
const FRESH_SAVES = pick(30, 150);
const STALE_SAVES = pick(15, 50);
// Agents cycle through their items (claim, then complete or release), so a small board keeps them busy; small
// because each save of a person forces every server to parse the board afresh, inside the lock.
const ITEMS_PER_AGENT = pick(12, 25);
/**
 * Pause between an agent's calls. The full run hammers (no pause, ~60 writes/s on this machine) and is where the
 * residual check-to-rename race shows (docs/guarantees.md, "Residual risks"). The reduced run, part of every `npm test`,
 * paces agents at a still far-above-LLM rate (~20 calls/s each), so that CI checks the redo-on-a-person's-save
 * mechanism without tripping over that documented microsecond window on a loaded 2-core machine.
 */
const AGENT_PAUSE_MS = pick(50, 0);
/**
 * Human edits a server may overwrite in one run: the documented residual race (docs/guarantees.md, "Residual risks"). The
 * pre-rename check and the rename are two system calls; a save by rename landing between them is replaced, and
 * on a loaded 2-core machine preemption can stretch that microsecond window. Measured: 0-1 per run (30 saves in
 * CI under the full test suite, 150 in the full run). Everything the design does guarantee — a save made after
 * the server's read and before its check is never overwritten (test/store/store.test.ts, deterministically), a
 * half-done in-place save is never decided on (below), servers lose no agent update — is asserted strictly.
 */
const RESIDUAL_OVERWRITES_ALLOWED = 2;

type ItemState = "available" | "completed" | `in_progress:${string}`;

interface AgentCall {
  agent: string;
  op: "claim" | "complete" | "release";
  item: string;
  start: number;
  end: number;
  ok: boolean;
  reason?: string;
  claimedBy?: string | null;
  message?: string;
}

interface Save {
  n: number;
  how: "in place" | "rename";
  /** performance.now() when the editor read the file, and when its save was on disk. */
  readAt: number;
  savedAt: number;
  /** What the editor wrote. */
  text: string;
}

/** A board whose items belong to four agents (interleaved), with a person's notes section in the middle. */
function editorBoard(notes: number): { text: string; items: string[] } {
  const items: string[] = [];
  const lines = ["# Shared State", "", "## Available Work Items", ""];
  for (let k = 1; k <= ITEMS_PER_AGENT; k++) {
    for (let a = 1; a <= AGENTS; a++) {
      const description = `a${a} tâche ${String(k).padStart(3, "0")}`;
      items.push(description);
      lines.push(`- [ ] ${description}`);
    }
  }
  lines.push("", "## Notes", "");
  for (let n = 1; n <= notes; n++) lines.push(`Note ${n}`, "");
  lines.push("## In Progress", "", "## Completed", "");
  return { text: lines.join("\n"), items };
}

function statesOf(text: string): Map<string, ItemState> {
  const states = new Map<string, ItemState>();
  for (const item of parseBoard(text).items) {
    states.set(item.description, item.status === "in_progress" ? `in_progress:${item.claimedBy}` : item.status);
  }
  return states;
}

/** The text with every item line's marker and checkbox reset: what the person's side of the board is. */
function humanSide(text: string): string {
  return text.replace(/^- \[[ x]\] (a\d tâche \d+)(?: \[IP:agent-\d\])?$/gm, "- [ ] $1");
}

interface EditorRun {
  saves: Save[];
  /** Edits an editor read found missing: saved earlier, gone by its next (fresh) read. */
  seenOverwritten: Set<number>;
  /** Saves that could not be made: the line to edit was gone from the file. */
  missingLines: number[];
}

/**
 * An editor that saves `saves` times while the agents work: each save reads the file, waits `staleMs()` (0 for
 * an editor that saves what it just read), rewrites `Note n` to `Note n edited`, and saves — odd saves in place
 * (`fs.writeFile` on the path: open with truncation, then write, as many editors do), even ones by writing a
 * temp file and renaming it over (vim, VS Code). At each read it checks that its earlier edits are all there.
 */
async function runEditor(stateFile: string, saves: number, staleMs: () => number): Promise<EditorRun> {
  const run: EditorRun = { saves: [], seenOverwritten: new Set(), missingLines: [] };
  for (let n = 1; n <= saves; n++) {
    // A save every 100-300 ms: far busier than a person. (At one every 40-120 ms on this loaded 2-core machine,
    // servers redoing their write on each new version kept colliding with the next save and agents starved.)
    await sleep(100 + Math.random() * 200);
    const readAt = performance.now();
    const text = readFileSync(stateFile, "utf8");
    const lines = text.split("\n");
    for (const save of run.saves) if (!lines.includes(`Note ${save.n} edited`)) run.seenOverwritten.add(save.n);
    const at = lines.indexOf(`Note ${n}`);
    if (at < 0) {
      run.missingLines.push(n);
      continue;
    }
    const wait = staleMs();
    if (wait > 0) await sleep(wait);
    lines[at] = `Note ${n} edited`;
    const edited = lines.join("\n");
    const how = n % 2 === 1 ? "in place" : "rename";
    if (how === "in place") await writeFile(stateFile, edited);
    else {
      await writeFile(`${stateFile}.editor~`, edited);
      await rename(`${stateFile}.editor~`, stateFile);
    }
    run.saves.push({ n, how, readAt, savedAt: performance.now(), text: edited });
  }
  return run;
}

/**
 * Each agent cycles through its own items until told to stop: claim, then complete (three times in ten) or
 * release. Items are each agent's own, so every call's expected answer is success; anything else is an editor's
 * doing (a save that took a claim away) or a failure to explain.
 */
async function runAgent(server: SpawnedServer, agent: string, items: string[], stop: () => boolean, calls: AgentCall[]): Promise<void> {
  const completed = new Set<string>();
  const act = async (op: AgentCall["op"], item: string) => {
    const start = performance.now();
    const reply = await call(server.client, `${op}_item`, { description: item });
    const done: AgentCall = { agent, op, item, start, end: performance.now(), ok: reply.data.success === true };
    if (!done.ok) Object.assign(done, { reason: reply.data.reason, claimedBy: reply.data.claimed_by, message: reply.data.message });
    calls.push(done);
    if (AGENT_PAUSE_MS > 0) await sleep(AGENT_PAUSE_MS * (0.5 + Math.random()));
    return done.ok;
  };
  while (!stop() && completed.size < items.length) {
    for (const item of items) {
      if (stop()) return;
      if (completed.has(item) || !(await act("claim", item))) continue;
      const op = Math.random() < 0.3 ? "complete" : "release";
      if ((await act(op, item)) && op === "complete") completed.add(item);
    }
  }
}

const AFTER: Record<AgentCall["op"], (agent: string) => ItemState> = {
  claim: (agent) => `in_progress:${agent}`,
  complete: () => "completed",
  release: () => "available",
};

interface Accounting {
  /** Items whose last acknowledged update is missing from the final file, with the editor save that explains it. */
  lost: { call: AgentCall; inFile: ItemState; droppedBy?: Save }[];
  /** Item states in the file that no acknowledged call explains (a write nobody was told about). */
  unexplained: string[];
  /** Saved human edits missing from the final file. */
  overwritten: number[];
  /** Failed agent calls no save explains (see `account`). */
  unexplainedFailures: AgentCall[];
}

/**
 * Who lost what. Each item is worked by one agent, one call at a time, so its state after each acknowledged call
 * is known; the file must hold the state after the last one. If it does not, that update was lost — by the
 * editor when one of its saves `overlaps` the update and holds the item in another state (that save was made on
 * a copy older than the update), otherwise by the servers.
 */
/**
 * Whether an editor's save could have undone an update: its copy was read before the update was acknowledged
 * (so possibly before the update reached the file) and it reached the disk after the update's call began.
 * A save read after the acknowledgement that lacks the update copied a file that had already lost it.
 */
function overlaps(save: Save, update: AgentCall): boolean {
  return save.readAt < update.end && save.savedAt > update.start;
}

function account(final: string, saves: Save[], calls: AgentCall[]): Accounting {
  const inFile = statesOf(final);
  const acked = new Map<string, AgentCall[]>();
  for (const c of calls) if (c.ok) acked.set(c.item, [...(acked.get(c.item) ?? []), c]);
  const result: Accounting = { lost: [], unexplained: [], overwritten: [], unexplainedFailures: [] };
  const savedStates = new Map<Save, Map<string, ItemState>>();
  const stateIn = (save: Save, item: string) => {
    if (!savedStates.has(save)) savedStates.set(save, statesOf(save.text));
    return savedStates.get(save)!.get(item);
  };

  for (const [item, state] of inFile) {
    const updates = acked.get(item) ?? [];
    const last = updates.at(-1);
    if (last && state !== AFTER[last.op](last.agent)) {
      const expected = AFTER[last.op](last.agent);
      const droppedBy = saves.find((save) => overlaps(save, last) && stateIn(save, item) !== expected);
      result.lost.push({ call: last, inFile: state, droppedBy });
    }
    // Whatever the file holds must be the state after some acknowledged update (or the initial one).
    if (state !== "available" && !updates.some((u) => AFTER[u.op](u.agent) === state)) result.unexplained.push(`${item}: ${state}`);
  }
  for (const save of saves) if (!final.split("\n").includes(`Note ${save.n} edited`)) result.overwritten.push(save.n);

  // Every item is in every version anyone meant to write, and only its own agent touches it. So a failed call is
  // explained only by "the file kept changing" (file_error, a documented reason), or by not_owner with nobody
  // holding the item when an editor save that landed after the agent's claim began took the claim away.
  for (const c of calls) {
    if (c.ok) continue;
    if (c.reason === "file_error" && /changed during each of/.test(c.message ?? "")) continue;
    if (c.reason === "not_owner" && c.claimedBy === null && c.op !== "claim") {
      const claim = calls.filter((k) => k.ok && k.op === "claim" && k.item === c.item && k.end <= c.start).at(-1);
      const taken = claim && saves.some((save) => overlaps(save, claim) && stateIn(save, c.item) !== AFTER.claim(c.agent));
      if (taken) continue;
    }
    result.unexplainedFailures.push(c);
  }
  return result;
}

async function setUp(notes: number) {
  const root = await tempRoot();
  const hfsDir = join(root, ".hfs");
  const stateFile = join(hfsDir, "state.md");
  const board = editorBoard(notes);
  await mkdir(hfsDir);
  await writeFile(stateFile, board.text);
  const agents = Array.from({ length: AGENTS }, (_, i) => `agent-${i + 1}`);
  const servers = await Promise.all(agents.map((id) => spawnServer(["--root", root, "--agent-id", id])));
  await Promise.all(servers.map((server) => call(server.client, "get_work_items", { limit: 1 }))); // warm up
  return { stateFile, board, agents, servers };
}

async function race(stateFile: string, saves: number, staleMs: () => number, setup: Awaited<ReturnType<typeof setUp>>) {
  const { board, agents, servers } = setup;
  const calls: AgentCall[] = [];
  let editing = true;
  const started = performance.now();
  const working = Promise.all(
    agents.map((agent, a) =>
      runAgent(
        servers[a]!,
        agent,
        board.items.filter((item) => item.startsWith(`a${a + 1} `)),
        () => !editing,
        calls,
      ),
    ),
  );
  let editor: EditorRun;
  try {
    editor = await runEditor(stateFile, saves, staleMs);
  } finally {
    editing = false;
    await working;
  }
  const seconds = (performance.now() - started) / 1000;
  const done = editor.saves;
  const final = await readFile(stateFile, "utf8");
  const accounting = account(final, done, calls);
  for (const n of editor.seenOverwritten) if (!accounting.overwritten.includes(n)) accounting.overwritten.push(n);
  const lastSave = done.at(-1)?.savedAt ?? 0;
  const updatesDuringEdits = calls.filter((c) => c.ok && c.end < lastSave).length;
  const failures = new Map<string, number>();
  for (const c of calls.filter((c) => !c.ok)) failures.set(`${c.op} ${c.reason}`, (failures.get(`${c.op} ${c.reason}`) ?? 0) + 1);
  return { saves: done, missingLines: editor.missingLines, calls, final, accounting, seconds, updatesDuringEdits, failures };
}

/** The details behind a non-zero figure, to debug from the log. */
function report(run: Awaited<ReturnType<typeof race>>): void {
  for (const l of run.accounting.lost.filter((l) => !l.droppedBy)) {
    console.log(`lost by servers: ${l.call.agent} ${l.call.op} \`${l.call.item}\` (file: ${l.inFile})`);
  }
  for (const c of run.accounting.unexplainedFailures.slice(0, 5)) {
    console.log(`unexplained failure: ${c.agent} ${c.op} \`${c.item}\` → ${c.reason}: ${c.message}`);
  }
  for (const n of run.accounting.overwritten) {
    const save = run.saves.find((s) => s.n === n);
    console.log(
      `human edit overwritten: Note ${n}, saved ${save?.how} at ${save?.savedAt.toFixed(1)} (read at ${save?.readAt.toFixed(1)})`,
    );
  }
}

function describeFailures(failures: Map<string, number>): string {
  return failures.size === 0 ? "none" : [...failures].map(([key, n]) => `${key} ${n}`).join(", ");
}

describe("the accounting the editor runs are judged by", () => {
  const board = (line: string, note = "Note 1 edited") => `## Available Work Items\n\n${line}\n\n## Notes\n\n${note}\n`;
  const claimed = board("- [ ] a1 tâche 001 [IP:agent-1]");
  const free = board("- [ ] a1 tâche 001");
  const claim: AgentCall = { agent: "agent-1", op: "claim", item: "a1 tâche 001", start: 10, end: 20, ok: true };
  const save = (readAt: number, savedAt: number, text: string): Save => ({ n: 1, how: "rename", readAt, savedAt, text });

  it("blames the servers for a missing update no save explains, and the editor for one its save overlapped", () => {
    expect(account(claimed, [save(0, 5, free)], [claim])).toEqual({ lost: [], unexplained: [], overwritten: [], unexplainedFailures: [] });
    const noSave = account(free, [], [claim]);
    expect(noSave.lost).toEqual([{ call: claim, inFile: "available", droppedBy: undefined }]);
    const overlapping = save(15, 25, free);
    expect(account(free, [overlapping], [claim]).lost[0]!.droppedBy).toBe(overlapping);
    // Read after the claim was acknowledged: the copy already lacked it, so the file had lost it before.
    expect(account(free, [save(21, 25, free)], [claim]).lost[0]!.droppedBy).toBeUndefined();
  });

  it("flags states nobody was told about, missing human edits, and failures no save explains", () => {
    expect(account(board("- [x] a1 tâche 001"), [], []).unexplained).toEqual(["a1 tâche 001: completed"]);
    expect(account(board("- [ ] a1 tâche 001", "Note 1"), [save(0, 5, free)], []).overwritten).toEqual([1]);
    const notFound: AgentCall = { ...claim, start: 30, end: 40, ok: false, reason: "not_found" };
    expect(account(claimed, [], [claim, notFound]).unexplainedFailures).toEqual([notFound]);
    const release: AgentCall = {
      agent: "agent-1",
      op: "release",
      item: "a1 tâche 001",
      start: 30,
      end: 40,
      ok: false,
      reason: "not_owner",
      claimedBy: null,
    };
    expect(account(free, [], [claim, release]).unexplainedFailures).toEqual([release]);
    expect(account(free, [save(15, 25, free)], [claim, release]).unexplainedFailures).toEqual([]);
  });
});

/** The board with every person's note edited, except those in `lost`. */
function withEdits(board: string, lost: number[]): string {
  return board.replace(/^Note (\d+)$/gm, (line, n: string) => (lost.includes(Number(n)) ? line : `Note ${n} edited`));
}

describe("an unlocked editor saving state.md while agents work", () => {
  it(
    `${FRESH_SAVES} fresh saves (half in place, half by rename) under ${AGENTS} agents: no agent update lost by a server, human edits overwritten only by the residual race`,
    async () => {
      const setup = await setUp(FRESH_SAVES);
      const run = await race(setup.stateFile, FRESH_SAVES, () => 0, setup);
      const { accounting } = run;
      const byServers = accounting.lost.filter((l) => !l.droppedBy);
      const byEditor = accounting.lost.filter((l) => l.droppedBy);
      const acked = run.calls.filter((c) => c.ok).length;
      console.log(
        `FIGURES editor-saves (fresh): saves ${run.saves.length} (${run.saves.filter((s) => s.how === "in place").length} in place, ` +
          `${run.saves.filter((s) => s.how === "rename").length} by rename) in ${run.seconds.toFixed(1)} s, agent updates acknowledged ${acked} ` +
          `(${run.updatesDuringEdits} during the saves), human edits overwritten ${accounting.overwritten.length}, ` +
          `agent updates lost by servers ${byServers.length}, agent updates dropped by the editor's own read-to-write window ${byEditor.length}, ` +
          `unexplained item states ${accounting.unexplained.length}, unexplained call failures ${accounting.unexplainedFailures.length}; ` +
          `agent call failures: ${describeFailures(run.failures)}`,
      );
      report(run);

      expect(run.missingLines, "saves whose line was gone from the file").toEqual([]);
      expect(run.saves).toHaveLength(FRESH_SAVES);
      expect(run.updatesDuringEdits, "agents wrote while the editor saved").toBeGreaterThan(FRESH_SAVES);
      expect(accounting.overwritten.length).toBeLessThanOrEqual(RESIDUAL_OVERWRITES_ALLOWED);
      expect(byServers).toEqual([]);
      expect(accounting.unexplained).toEqual([]);
      expect(accounting.unexplainedFailures).toEqual([]);
      // Apart from the agents' markers, the file is the person's last version: every note edited (but any lost to
      // the residual race, counted above), nothing else moved.
      expect(humanSide(run.final)).toBe(humanSide(withEdits(setup.board.text, accounting.overwritten)));
    },
    pick(120_000, 600_000),
  );

  it(
    `${STALE_SAVES} saves of a stale copy: human edits still kept and servers lose nothing; the updates the editor drops are counted`,
    async () => {
      const setup = await setUp(STALE_SAVES);
      // Read, keep the file open in the editor for 50-200 ms while agents write, then save that copy.
      const run = await race(setup.stateFile, STALE_SAVES, () => 50 + Math.random() * 150, setup);
      const { accounting } = run;
      const byServers = accounting.lost.filter((l) => !l.droppedBy);
      const byEditor = accounting.lost.filter((l) => l.droppedBy);
      const acked = run.calls.filter((c) => c.ok).length;
      console.log(
        `FIGURES editor-saves (stale): saves ${run.saves.length} of a copy 50-200 ms old in ${run.seconds.toFixed(1)} s, ` +
          `agent updates acknowledged ${acked} (${run.updatesDuringEdits} during the saves), human edits overwritten ${accounting.overwritten.length}, ` +
          `agent updates lost by servers ${byServers.length}, agent updates dropped by stale editor saves ${byEditor.length} ` +
          `(expected, not a failure: reload before saving, or take the lock), unexplained item states ${accounting.unexplained.length}, unexplained call failures ${accounting.unexplainedFailures.length}; ` +
          `agent call failures: ${describeFailures(run.failures)}`,
      );
      report(run);

      expect(run.missingLines, "saves whose line was gone from the file").toEqual([]);
      expect(run.saves).toHaveLength(STALE_SAVES);
      expect(run.updatesDuringEdits).toBeGreaterThan(STALE_SAVES);
      expect(accounting.overwritten.length).toBeLessThanOrEqual(RESIDUAL_OVERWRITES_ALLOWED);
      expect(byServers).toEqual([]);
      expect(accounting.unexplained).toEqual([]);
      expect(humanSide(run.final)).toBe(humanSide(withEdits(setup.board.text, accounting.overwritten)));
      // A call failing because a stale save took its claim away says so: not_owner, claimed by nobody.
      expect(accounting.unexplainedFailures).toEqual([]);
    },
    pick(120_000, 600_000),
  );
});

describe("a write arriving while an in-place save is half done (file truncated, new bytes not yet written)", () => {
  const before =
    "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth [IP:agent-2]\n- [ ] Write docs\n\n## Notes\n\nA person's note.\n";
  const saved = before.replace("A person's note.", "A person's note, edited.");

  /**
   * The person's save is under way when the agent's call arrives; the saver finishes 400 ms later (or once the
   * call is answered, if sooner). Returns the reply and the file once both are done.
   */
  async function callDuringSave(tool: string, args: Record<string, unknown>) {
    const root = await tempRoot();
    const stateFile = join(root, ".hfs", "state.md");
    await mkdir(join(root, ".hfs"));
    await writeFile(stateFile, before);
    await writeFile(join(root, "edited.md"), saved);
    const server = await spawnServer(["--root", root, "--agent-id", "agent-1"]);
    await call(server.client, "get_work_items"); // warm: the parser is loaded, as in any running server

    const saver = spawn(process.execPath, [SLOW_SAVE, stateFile, join(root, "edited.md")], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => saver.once("exit", (code) => resolve(code)));
    const lines = createInterface({ input: saver.stdout })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe("truncated");
    const reply = call(server.client, tool, args);
    const answeredEarly = await Promise.race([reply.then(() => true), sleep(400).then(() => false)]);
    saver.stdin.end("go\n");
    expect((await lines.next()).value).toBe("saved");
    expect(await exited).toBe(0);
    return { reply: await reply, final: await readFile(stateFile, "utf8"), answeredEarly };
  }

  it("add_item does not replace the board with one built on the empty file: the person's save survives", async () => {
    const { reply, final, answeredEarly } = await callDuringSave("add_item", { description: "Add rate limiting" });
    console.log(
      `half-done save, add_item: answered ${answeredEarly ? "while the file was truncated" : "after the save"}: ${JSON.stringify(reply.data)}; file afterwards:\n${final}`,
    );
    // The person's whole save is there; the agent's item, if acknowledged, too.
    expect(final.replace("- [ ] Add rate limiting\n", "")).toBe(saved);
    if (reply.data.success) expect(final).toBe(saved.replace("- [ ] Write docs\n", "- [ ] Write docs\n- [ ] Add rate limiting\n"));
  });

  it("claim_item does not answer not_found for an item every saved version holds", async () => {
    const { reply, final, answeredEarly } = await callDuringSave("claim_item", { description: "Write docs" });
    console.log(
      `half-done save, claim_item: answered ${answeredEarly ? "while the file was truncated" : "after the save"}: ${JSON.stringify(reply.data)}`,
    );
    expect(reply.data.reason).not.toBe("not_found");
    if (reply.data.success) expect(final).toBe(saved.replace("- [ ] Write docs", "- [ ] Write docs [IP:agent-1]"));
    else expect(final).toBe(saved);
  });
});
