import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { boardTemplate, parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempName } from "../helpers/lock-names.js";
import { deadPid } from "../helpers/processes.js";
import { tempRoot } from "../helpers/temp-root.js";

const WRITERS = 3;
// 30 kills when the machine is quiet; on a loaded one (a server can take seconds to start) stop starting new
// rounds after the budget, but never with fewer than MIN_KILLS. The count is printed.
const KILLS = 30;
const MIN_KILLS = 12;
const BUDGET_MS = 15_000;
// A new board (the template, src/markdown/board-template.ts) up to its first item, and after its last one.
const HEAD = `${boardTemplate()}\n`;
const TAIL = "";
// Non-ASCII on purpose: a file cut inside a multi-byte character would not decode.
const ITEM_LINE = /^- \[ \] w(\d+) tâche (\d+)(?: \[IP:agent-(\d+)\])?$/;
const TEMP = /\.hfs-tmp$/;

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Every complete version of the board these writers can produce: the template with `- [ ] w<k> tâche <n>` lines
 * in Available Work Items, each optionally claimed by its own writer's agent, no line twice. Returns the items.
 */
function assertCompleteVersion(bytes: Buffer): Map<string, string | null> {
  const text = decoder.decode(bytes); // throws on a torn multi-byte character
  expect(text.startsWith(HEAD), `head of:\n${text}`).toBe(true);
  expect(text.endsWith(TAIL), `tail of:\n${text}`).toBe(true);
  const body = text.slice(HEAD.length, text.length - TAIL.length);
  const items = new Map<string, string | null>();
  for (const line of body === "" ? [] : body.replace(/\n$/, "").split("\n")) {
    const match = ITEM_LINE.exec(line);
    expect(match, `a line that no complete version holds: \`${line}\``).not.toBeNull();
    const [, writer, n, claimant] = match!;
    if (claimant !== undefined) expect(claimant).toBe(writer);
    const description = `w${writer} tâche ${n}`;
    expect(items.has(description), `\`${description}\` appears twice`).toBe(false);
    items.set(description, claimant === undefined ? null : `agent-${claimant}`);
  }
  expect(body === "" || body.endsWith("\n")).toBe(true);
  // The parser agrees with the line-level reading.
  const parsed = parseBoard(text).items.map((item) => [item.description, item.claimedBy] as const);
  expect(parsed).toEqual([...items]);
  return items;
}

describe("writers killed at random moments", () => {
  it(`never leave a torn or partial state.md (up to ${KILLS} SIGKILLs), nor lose an acknowledged claim`, async () => {
    const root = await tempRoot();
    const hfsDir = join(root, ".hfs");
    const stateFile = join(hfsDir, "state.md");
    const ackedAdds = new Set<string>();
    const ackedClaims = new Map<string, string>();
    const unexpected: unknown[] = [];
    const next = Array.from({ length: WRITERS }, () => 0);
    let kills = 0;
    let checks = 0;
    let tempFilesSeen = 0;
    let lockDirsSeen = 0;
    const started = performance.now();

    async function check(): Promise<void> {
      // Only what was acknowledged before this read started must be in it.
      const adds = [...ackedAdds];
      const claims = [...ackedClaims];
      const entries = await readdir(hfsDir).catch(() => [] as string[]);
      tempFilesSeen += entries.filter((name) => TEMP.test(name)).length;
      if (entries.includes(".lock")) lockDirsSeen++;
      const bytes = await readFile(stateFile).catch(() => null);
      checks++;
      if (bytes === null) {
        expect(adds).toEqual([]);
        return;
      }
      const items = assertCompleteVersion(bytes);
      for (const description of adds) expect(items.has(description), `acknowledged add \`${description}\` is missing`).toBe(true);
      for (const [description, agent] of claims) expect(items.get(description), `acknowledged claim of \`${description}\``).toBe(agent);
    }

    // One writer: add then claim its own items, one call at a time, until its process is killed.
    async function writeUntilKilled(server: SpawnedServer, writer: number, killed: () => boolean, warm: () => void): Promise<void> {
      const agent = `agent-${writer}`;
      try {
        for (;;) {
          const description = `w${writer} tâche ${next[writer]!++}`;
          const added = await call(server.client, "add_item", { description });
          if (!added.data.success) unexpected.push({ call: "add_item", description, reply: added.data });
          else ackedAdds.add(description);
          const claimed = await call(server.client, "claim_item", { description });
          if (!claimed.data.success) unexpected.push({ call: "claim_item", description, reply: claimed.data });
          else ackedClaims.set(description, agent);
          warm();
        }
      } catch (error) {
        if (!killed()) unexpected.push({ writer, error: String(error) });
      }
    }

    const more = () => kills < KILLS && (kills < MIN_KILLS || performance.now() - started < BUDGET_MS);
    async function writerSlot(writer: number): Promise<void> {
      while (more()) {
        const server = await spawnServer(["--root", root, "--agent-id", `agent-${writer}`]);
        let killed = false;
        // A fresh process's first call is slow (cold code, maybe a stale lock to take over): start the random
        // countdown once it has written something, so kills land anywhere in a stream of writes.
        let onWarm: () => void = () => undefined;
        const warmed = new Promise<void>((resolve) => (onWarm = resolve));
        const loop = writeUntilKilled(
          server,
          writer,
          () => killed,
          () => onWarm(),
        );
        await Promise.race([warmed, loop]);
        await sleep(Math.random() * 150);
        killed = true;
        process.kill(server.pid!, "SIGKILL");
        kills++;
        await loop;
        await check();
      }
    }

    await Promise.all(Array.from({ length: WRITERS }, (_, writer) => writerSlot(writer)));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `crash writes: ${kills} SIGKILLs of ${WRITERS} concurrent writers in ${seconds.toFixed(1)} s, ${checks} checks, ` +
        `${ackedAdds.size} adds and ${ackedClaims.size} claims acknowledged, all present; ` +
        `seen right after kills: ${tempFilesSeen} temp files, a .lock dir ${lockDirsSeen} times`,
    );
    expect(unexpected).toEqual([]);
    expect(ackedClaims.size).toBeGreaterThan(0);

    // Start-up clean-up: temp files of dead writers go (one planted to be sure there is at least one), a live
    // writer's stays (this test process stands in for one).
    const planted = tempName("state.md", deadPid());
    const live = tempName("state.md", process.pid);
    await writeFile(join(hfsDir, planted), "- [ ] half a li");
    await writeFile(join(hfsDir, live), "- [ ] in flight");
    const before = await readFile(stateFile);
    const fresh = await spawnServer(["--root", root, "--agent-id", "agent-9"]);
    expect((await readdir(hfsDir)).filter((name) => TEMP.test(name))).toEqual([live]);
    // The fresh server works on the board the dead ones left, including any lock they died holding.
    // The whole board in one page (the default page is 100 items; faster writers can leave more).
    const listed = await call(fresh.client, "get_work_items", { limit: 1000 });
    expect(listed.data.items).toHaveLength(assertCompleteVersion(before).size);
    expect((await call(fresh.client, "add_item", { description: "w9 tâche 0" })).data.success).toBe(true);
    expect((await call(fresh.client, "claim_item", { description: "w9 tâche 0" })).data.success).toBe(true);
    const after = assertCompleteVersion(await readFile(stateFile));
    expect(after.get("w9 tâche 0")).toBe("agent-9");
    expect(after.size).toBe(assertCompleteVersion(before).size + 1);
  });
});
