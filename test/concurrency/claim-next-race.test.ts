import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";

const AGENTS = 8;
const ITEMS = 48;

describe("claim_next across server processes", () => {
  it("8 processes calling claim_next in a loop end with disjoint items, every item claimed, no wasted refusal", async () => {
    const root = await tempRoot();
    const lines = ["# Shared State", "", "## Available Work Items", ""];
    for (let i = 0; i < ITEMS; i++) lines.push(`- [ ] task ${i}`);
    await mkdir(join(root, ".hfs"));
    await writeFile(join(root, ".hfs", "state.md"), `${lines.join("\n")}\n`);
    const servers = await Promise.all(
      Array.from({ length: AGENTS }, (_, k) => spawnServer(["--root", root, "--agent-id", `agent-${k + 1}`])),
    );
    const started = performance.now();
    const won = await Promise.all(
      servers.map(async ({ client }) => {
        const mine: string[] = [];
        const reasons: string[] = [];
        for (;;) {
          const reply = await call(client, "claim_next");
          if (!reply.isError) mine.push(reply.data.description);
          else {
            reasons.push(reply.data.reason);
            break;
          }
        }
        return { mine, reasons };
      }),
    );
    const ms = performance.now() - started;
    const all = won.flatMap((w) => w.mine);
    console.log(
      `FIGURES claim_next race: ${AGENTS} processes x ${ITEMS} items, ${all.length + AGENTS} calls in ${ms.toFixed(0)} ms, ` +
        `won twice: ${all.length - new Set(all).size}, refusals other than the final none_available: ${won.reduce((n, w) => n + w.reasons.length - 1, 0)}`,
    );
    expect(new Set(all).size).toBe(all.length); // disjoint
    expect(all.sort()).toEqual(Array.from({ length: ITEMS }, (_, i) => `task ${i}`).sort()); // every item, once
    for (const w of won) expect(w.reasons).toEqual(["none_available"]); // each agent stops only when none is left
    const board = parseBoard(await readFile(join(root, ".hfs", "state.md"), "utf8"));
    for (const [k, w] of won.entries()) {
      for (const description of w.mine) {
        expect(board.items.find((item) => item.description === description)?.claimedBy).toBe(`agent-${k + 1}`);
      }
    }
  });
});
