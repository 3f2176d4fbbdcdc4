import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { pick } from "./scale.js";

/**
 * Issue 10, "A vanished file is not an empty board": `git checkout` and `git stash` replace a tracked file by
 * unlinking it and creating it anew (O_CREAT|O_EXCL). On 0.1.0 a server that read in that gap saw no board, and
 * add_item wrote a fresh template holding only its own item; git's exclusive create then failed ("unable to
 * create file .hfs/state.md: File exists") and the 50 items were gone: 2 of 600 checkouts under load. Here agents
 * add and claim items while the real `git` switches the board between two committed versions, over and over.
 *
 * Counted: checkouts after which a committed item was missing (must be 0), checkouts git could not complete
 * because a server created the file in its gap (the residual no rename-based writer can close without
 * renameat2: reported, and bounded), and agent calls that failed for anything but a lost race.
 */

const CHECKOUTS = pick(60, 600);
const AGENTS = 4;
const ITEMS = 50;

function git(cwd: string, ...args: string[]): { code: number; stderr: string } {
  const run = spawnSync("git", args, { cwd, encoding: "utf8" });
  return { code: run.status ?? -1, stderr: run.stderr };
}

function board(version: string): string {
  const lines = ["# Shared State", "", `Version: ${version}`, "", "## Available Work Items", ""];
  for (let i = 0; i < ITEMS; i++) lines.push(`- [ ] committed item ${i}`);
  return `${lines.join("\n")}\n`;
}

const figures = { checkouts: 0, lostItems: 0, gitFailedByUs: 0, gitOtherFailures: 0, calls: 0, unexpected: 0, refusedWhileMissing: 0 };
afterAll(() => {
  console.log(
    `FIGURES git checkout: ${figures.checkouts} checkouts under ${AGENTS} agents (${figures.calls} calls): checkouts that lost committed items ` +
      `${figures.lostItems}, checkouts git could not finish because a server created the file in its gap ${figures.gitFailedByUs}, ` +
      `other git failures ${figures.gitOtherFailures}, writes refused while git had the board missing ${figures.refusedWhileMissing}, ` +
      `unexpected call failures ${figures.unexpected}`,
  );
});

describe("git checkout under running agents", () => {
  it("never loses the checked-out items, and git almost never fails because of a server", { timeout: pick(120_000, 900_000) }, async () => {
    const root = await tempRoot();
    git(root, "init", "-q", "-b", "main");
    git(root, "config", "user.email", "test@example.com");
    git(root, "config", "user.name", "Test");
    await mkdir(join(root, ".hfs"));
    await writeFile(join(root, ".hfs", "state.md"), board("main"));
    // The history log is not tracked (as the README advises): it tells a fresh server the board existed.
    await writeFile(join(root, ".gitignore"), ".hfs/log.md\n.hfs/.*\n.hfs/agents/\n");
    git(root, "add", "-A");
    git(root, "commit", "-q", "-m", "board");
    git(root, "checkout", "-q", "-b", "other");
    await writeFile(join(root, ".hfs", "state.md"), board("other"));
    git(root, "commit", "-q", "-am", "other board");
    git(root, "checkout", "-q", "main");

    const servers: SpawnedServer[] = await Promise.all(
      Array.from({ length: AGENTS }, (_, k) => spawnServer(["--root", root, "--agent-id", `agent-${k + 1}`])),
    );
    let running = true;
    const agents = servers.map(async ({ client }, k) => {
      for (let n = 0; running; n++) {
        const reply =
          n % 3 === 0
            ? await call(client, "add_item", { description: `added by agent-${k + 1} #${n}` })
            : n % 3 === 1
              ? await call(client, "claim_next")
              : await call(client, "get_work_items", { limit: 5 });
        figures.calls++;
        // Lost races and boards switched under a call are expected, as is a refusal to recreate a board that git
        // left missing for over a second (a write in that gap would have replaced the checked-out board). A broken
        // board or a crash is not.
        const vanished = reply.data.reason === "file_error" && /is missing, though/.test(reply.data.message);
        if (vanished) figures.refusedWhileMissing++;
        if (
          reply.isError &&
          !vanished &&
          !["none_available", "not_available", "not_found", "contention", "duplicate"].includes(reply.data.reason)
        ) {
          figures.unexpected++;
          console.log(`unexpected: ${reply.text}`);
        }
        await sleep(Math.random() * 4);
      }
    });

    for (let i = 0; i < CHECKOUTS; i++) {
      const branch = i % 2 === 0 ? "other" : "main";
      const result = git(root, "checkout", "-q", "-f", branch);
      figures.checkouts++;
      if (result.code !== 0) {
        if (/unable to create file \.hfs\/state\.md: File exists/.test(result.stderr)) figures.gitFailedByUs++;
        else {
          figures.gitOtherFailures++;
          console.log(`git checkout ${branch}: ${result.stderr}`);
        }
      }
      const text = await readFile(join(root, ".hfs", "state.md"), "utf8").catch(() => "");
      const descriptions = new Set(parseBoard(text).items.map((item) => item.description));
      if (Array.from({ length: ITEMS }, (_, n) => `committed item ${n}`).some((d) => !descriptions.has(d))) {
        figures.lostItems++;
        console.log(
          `after checkout ${i} (${branch}, git ${result.code}: ${result.stderr.trim()}) the board lacks committed items: ${JSON.stringify(text.slice(0, 300))}`,
        );
      }
      await sleep(Math.random() * 10);
    }
    running = false;
    await Promise.all(agents);
    expect(figures.lostItems).toBe(0);
    expect(figures.unexpected).toBe(0);
    expect(figures.gitOtherFailures).toBe(0);
    // The residual window (our rename between git's unlink and its create): rare, and bounded here.
    expect(figures.gitFailedByUs).toBeLessThanOrEqual(Math.max(1, Math.ceil(CHECKOUTS / 100)));
    execFileSync("git", ["status", "--porcelain"], { cwd: root }); // the repository is still usable
  });
});

const hasStrace = spawnSync("strace", ["-V"]).status === 0;
if (!hasStrace)
  console.log("SKIP git checkout paused in its gap: strace is not installed here, so git cannot be held between unlink and create");

describe.skipIf(!hasStrace)("git checkout paused between its unlink and its create (strace holds git back 2 s)", () => {
  it("an add_item in the gap neither recreates the board nor makes git fail: the checked-out board stands whole", async () => {
    const root = await tempRoot();
    git(root, "init", "-q", "-b", "main");
    git(root, "config", "user.email", "test@example.com");
    git(root, "config", "user.name", "Test");
    await mkdir(join(root, ".hfs"));
    await writeFile(join(root, ".hfs", "state.md"), board("main"));
    await writeFile(join(root, ".gitignore"), ".hfs/log.md\n.hfs/.*\n.hfs/agents/\n");
    git(root, "add", "-A");
    git(root, "commit", "-q", "-m", "board");
    git(root, "checkout", "-q", "-b", "other");
    await writeFile(join(root, ".hfs", "state.md"), board("other"));
    git(root, "commit", "-q", "-am", "other board");
    git(root, "checkout", "-q", "main");
    const server = await spawnServer(["--root", root, "--agent-id", "alpha"]);
    expect((await call(server.client, "claim_item", { description: "committed item 0" })).isError).toBe(false); // a history
    git(root, "checkout", "-q", "-f", "main");

    const checkout = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        "strace",
        [
          "-f",
          "-qq",
          "-o",
          "/dev/null",
          "-P",
          ".hfs/state.md",
          "-e",
          "trace=unlink",
          "-e",
          "inject=unlink:delay_exit=2000000",
          "git",
          "checkout",
          "-q",
          "-f",
          "other",
        ],
        { cwd: root },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
    await sleep(500); // git has unlinked state.md and is held before creating it
    const added = await call(server.client, "add_item", { description: "added while git had the board missing" });
    const result = await checkout;
    const text = await readFile(join(root, ".hfs", "state.md"), "utf8");
    console.log(
      `FIGURES git checkout gap: add_item in a 2 s gap → ${added.isError ? added.data.reason : "written"}; git exit ${result.code}`,
    );
    expect(added.data).toMatchObject({ success: false, reason: "file_error" });
    expect(added.data.message).toMatch(/is missing, though/);
    expect(result.code, result.stderr).toBe(0);
    expect(text).toBe(board("other"));
    // Once git is done, writes go on as usual.
    expect((await call(server.client, "add_item", { description: "added after the checkout" })).isError).toBe(false);
  });
});
