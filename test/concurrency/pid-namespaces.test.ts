import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { pick } from "../stress/scale.js";

/**
 * Issue 9, "Who is alive": servers on one root with the same host name but different PID namespaces (containers
 * with host networking, `unshare --pid`). A pid means nothing across namespaces: on 0.1.0 each side judged the
 * other's live pid dead and took the lock over at once (1,458 takeovers in 3,600 calls, items won twice, claims
 * lost). Half the servers here run in the test's own namespace, half each in a namespace of its own.
 */

const SERVERS = 8;
const ITEMS = 48;
const ROUNDS = pick(3, 20);
const UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "--"];
const canUnshare = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "--kill-child", "--", "true"]).status === 0;
if (!canUnshare)
  console.log("SKIP pid-namespaces: `unshare --pid --fork --mount-proc` is not available here (needs root or user namespaces)");

const figures = { calls: 0, failures: 0, wonTwice: 0, lost: 0, takeovers: 0 };
afterAll(() => {
  if (canUnshare) {
    console.log(
      `FIGURES pid namespaces: ${SERVERS} servers (${SERVERS / 2} in other PID namespaces) x ${ITEMS} items x ${ROUNDS} rounds, ` +
        `${figures.calls} calls, unexpected failures ${figures.failures}, won twice ${figures.wonTwice}, acknowledged completions lost ${figures.lost}, ` +
        `takeovers of live holders ${figures.takeovers}`,
    );
  }
});

function board(): string {
  const lines = ["# Shared State", "", "## Available Work Items", ""];
  for (let i = 0; i < ITEMS; i++) lines.push(`- [ ] task ${i}`);
  return `${lines.join("\n")}\n`;
}

describe.skipIf(!canUnshare)("servers in different PID namespaces on one root", () => {
  it("never take the lock from each other: every item done exactly once, no failure, no takeover", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs"));
    const servers: SpawnedServer[] = await Promise.all(
      Array.from({ length: SERVERS }, (_, k) =>
        spawnServer(["--root", root, "--agent-id", `agent-${k + 1}`], {}, k % 2 === 1 ? { wrap: UNSHARE } : {}),
      ),
    );
    let firstFailure: string | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      await writeFile(join(root, ".hfs", "state.md"), board());
      const done = await Promise.all(
        servers.map(async ({ client }) => {
          const mine: string[] = [];
          // Failures are counted, not thrown at once, so a broken build shows how often it breaks.
          for (let failures = 0; failures < 20; ) {
            const claim = await call(client, "claim_next");
            figures.calls++;
            if (claim.isError) {
              if (claim.data.reason === "none_available") return mine;
              failures++;
              figures.failures++;
              firstFailure ??= claim.text;
              continue;
            }
            const complete = await call(client, "complete_item", { description: claim.data.description, line: claim.data.line });
            figures.calls++;
            if (complete.isError) {
              failures++;
              figures.failures++;
              firstFailure ??= complete.text;
            } else mine.push(claim.data.description);
          }
          return mine;
        }),
      );
      expect(firstFailure).toBeUndefined();
      const all = done.flat();
      figures.wonTwice += all.length - new Set(all).size;
      const items = parseBoard(await readFile(join(root, ".hfs", "state.md"), "utf8")).items;
      figures.lost += all.filter((description) => items.find((item) => item.description === description)?.status !== "completed").length;
      expect(all.sort()).toEqual(Array.from({ length: ITEMS }, (_, i) => `task ${i}`).sort());
      expect(items.every((item) => item.status === "completed")).toBe(true);
    }
    figures.takeovers += servers.reduce((n, server) => n + (server.stderr().match(/took the \.hfs lock over/g)?.length ?? 0), 0);
    expect(figures.wonTwice).toBe(0);
    expect(figures.lost).toBe(0);
    expect(figures.takeovers).toBe(0);
  });
});
