import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { pick } from "./scale.js";

/**
 * Issue 9, "A taken-over holder never commits": servers paused at random moments (SIGSTOP, as a VM, a laptop
 * lid or swap pause a process) for longer than the stale timeout, then resumed, while all of them claim and
 * complete items. A pause that lands while a server holds the lock gets it taken over (it must: a paused holder
 * could stay paused forever), and the fence keeps the paused server from committing when it resumes. Counted:
 * items completed other than exactly once, acknowledged completions missing from the file, and takeovers (how
 * often a pause landed on a holder). The paused server's calls may fail with `contention` (it lost the lock
 * every round); none may fail otherwise.
 */

const SERVERS = 6;
const ITEMS = pick(150, 600);
const STALE_MS = 600;
const PAUSE_MS = STALE_MS + 300;

const figures = { pauses: 0, takeovers: 0, completions: 0, doneTwice: 0, lost: 0, contention: 0, unexpected: 0 };
afterAll(() => {
  console.log(
    `FIGURES paused servers: ${SERVERS} servers x ${ITEMS} items, ${figures.pauses} pauses of ${PAUSE_MS} ms (stale after ${STALE_MS} ms), ` +
      `takeovers of paused holders ${figures.takeovers}, completions ${figures.completions}, done twice ${figures.doneTwice}, ` +
      `acknowledged completions lost ${figures.lost}, contention failures ${figures.contention}, other failures ${figures.unexpected}`,
  );
});

describe("servers paused (SIGSTOP) past the stale timeout at random moments", () => {
  it("never commit once taken over: every item done exactly once, nothing acknowledged lost", {
    timeout: pick(120_000, 600_000),
  }, async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs"));
    const lines = ["# Shared State", "", "## Available Work Items", ""];
    for (let i = 0; i < ITEMS; i++) lines.push(`- [ ] task ${i}`);
    await writeFile(join(root, ".hfs", "state.md"), `${lines.join("\n")}\n`);
    const env = { HFS_LOCK_STALE_MS: String(STALE_MS) };
    const servers: SpawnedServer[] = await Promise.all(
      Array.from({ length: SERVERS }, (_, k) => spawnServer(["--root", root, "--agent-id", `agent-${k + 1}`], env)),
    );

    let running = true;
    const chaos = (async () => {
      while (running) {
        await sleep(50 + Math.random() * 150);
        const victim = servers[Math.floor(Math.random() * SERVERS)]!;
        process.kill(victim.pid!, "SIGSTOP");
        figures.pauses++;
        await sleep(PAUSE_MS);
        process.kill(victim.pid!, "SIGCONT");
      }
    })();
    const done = await Promise.all(
      servers.map(async ({ client }) => {
        const mine: string[] = [];
        for (let failures = 0; failures < 50; ) {
          const claim = await call(client, "claim_next");
          if (claim.isError) {
            if (claim.data.reason === "none_available") return mine;
            failures++;
            if (claim.data.reason === "contention") figures.contention++;
            else {
              figures.unexpected++;
              console.log(`unexpected claim_next failure: ${claim.text}`);
            }
            continue;
          }
          const complete = await call(client, "complete_item", { description: claim.data.description, line: claim.data.line });
          if (complete.isError) {
            failures++;
            if (complete.data.reason === "contention") figures.contention++;
            else {
              figures.unexpected++;
              console.log(`unexpected complete_item failure: ${complete.text}`);
            }
            // A complete that failed for contention was not made: finish it on the next try.
            const again = await call(client, "complete_item", { description: claim.data.description, line: claim.data.line });
            if (!again.isError) mine.push(claim.data.description);
          } else mine.push(claim.data.description);
        }
        return mine;
      }),
    );
    running = false;
    await chaos;
    const all = done.flat();
    figures.completions = all.length;
    figures.doneTwice = all.length - new Set(all).size;
    const items = parseBoard(await readFile(join(root, ".hfs", "state.md"), "utf8")).items;
    figures.lost = all.filter((description) => items.find((item) => item.description === description)?.status !== "completed").length;
    figures.takeovers = servers.reduce((n, server) => n + (server.stderr().match(/took the \.hfs lock over/g)?.length ?? 0), 0);
    expect(figures.doneTwice).toBe(0);
    expect(figures.lost).toBe(0);
    expect(figures.unexpected).toBe(0);
    expect(new Set(all).size).toBe(ITEMS);
  });
});
