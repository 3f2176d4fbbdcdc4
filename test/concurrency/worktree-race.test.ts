import { existsSync } from "node:fs";
import { mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { CLI_PATH, call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { bareRemote, cloneOf, gitIn, testGitEnv, userState } from "../helpers/git.js";
import { runToEnd } from "../helpers/programs.js";
import { tempRoot } from "../helpers/temp-root.js";
import { pick } from "../stress/scale.js";

const ITEMS = pick(40, 200);

/**
 * Agents run one per linked worktree, each server started in its own worktree with no --root (its client
 * offers that worktree): all of them must serve one board, the main worktree's, and a claim must still be won
 * exactly once across them.
 */
describe("linked worktrees share one board", () => {
  it(`servers in the main worktree and two linked worktrees race for ${ITEMS} items: each won once, one board`, async () => {
    const remote = await bareRemote();
    const main = await realpath(await cloneOf(remote.path, "main"));
    const linked = [join(await realpath(await tempRoot()), "wt-1"), join(await realpath(await tempRoot()), "wt-2")];
    for (const [i, dir] of linked.entries()) gitIn(main, ["worktree", "add", "-q", "-b", `agent-${i + 2}`, dir]);
    const descriptions = Array.from({ length: ITEMS }, (_, i) => `Task ${i + 1}`);
    await mkdir(join(main, ".hfs"));
    const original = `# Shared State\n\n## Available Work Items\n\n${descriptions.map((d) => `- [ ] ${d}`).join("\n")}\n`;
    await writeFile(join(main, ".hfs", "state.md"), original);
    const before = [main, ...linked].map((dir) => userState(dir));

    const dirs = [main, ...linked];
    const servers: SpawnedServer[] = await Promise.all(
      dirs.map((cwd, i) => spawnServer(["--agent-id", `agent-${i + 1}`], testGitEnv(), { cwd })),
    );
    for (const [i, server] of servers.entries()) {
      if (i > 0) expect(server.stderr()).toContain(`serving the main worktree's board, ${join(main, ".hfs")}`);
    }

    const started = performance.now();
    const replies = await Promise.all(
      servers.map(async (server, a) => {
        const order = [...descriptions].sort(() => Math.random() - 0.5);
        const results = await Promise.all(order.map((description) => call(server.client, "claim_item", { description })));
        return order.map((description, k) => ({ agent: `agent-${a + 1}`, description, reply: results[k]! }));
      }),
    );
    const ms = performance.now() - started;
    const attempts = replies.flat();
    const winners = new Map<string, string[]>();
    for (const { agent, description, reply } of attempts) {
      if (!reply.isError) winners.set(description, [...(winners.get(description) ?? []), agent]);
    }
    const wonTwice = [...winners.values()].filter((who) => who.length > 1).length;
    const perAgent = ["agent-1", "agent-2", "agent-3"].map((agent) => [...winners.values()].filter((who) => who[0] === agent).length);
    console.log(
      `FIGURES worktree race: 3 servers (main + 2 linked worktrees) x ${ITEMS} items, ${attempts.length} claims in ${ms.toFixed(0)} ms, ` +
        `won twice: ${wonTwice}, never won: ${ITEMS - winners.size}, wins per server: ${perAgent.join("/")}`,
    );
    expect(wonTwice).toBe(0);
    expect(winners.size).toBe(ITEMS);
    const winner = new Map([...winners].map(([description, [agent]]) => [description, agent!]));
    for (const { description, reply } of attempts.filter((attempt) => attempt.reply.isError)) {
      expect(reply.data).toMatchObject({ reason: "not_available", claimed_by: winner.get(description) });
    }

    // One board: the main worktree's file holds every win, every server lists the same, no worktree has its own.
    const board = parseBoard(await readFile(join(main, ".hfs", "state.md"), "utf8"));
    expect(board.items.map((item) => [item.description, item.claimedBy])).toEqual(descriptions.map((d) => [d, winner.get(d)]));
    for (const server of servers) {
      const listed = await call(server.client, "get_work_items", { limit: 1000 });
      expect(listed.data.items.map((item: { description: string; claimed_by: string }) => [item.description, item.claimed_by])).toEqual(
        descriptions.map((d) => [d, winner.get(d)]),
      );
    }
    for (const dir of linked) expect(existsSync(join(dir, ".hfs"))).toBe(false);
    expect(dirs.map((dir) => userState(dir))).toEqual(before);
  });

  it("hfs-mcp status in a linked worktree reports the main worktree's board", async () => {
    const remote = await bareRemote();
    const main = await realpath(await cloneOf(remote.path, "main"));
    const linked = join(await realpath(await tempRoot()), "wt");
    gitIn(main, ["worktree", "add", "-q", "-b", "agent-2", linked]);
    await mkdir(join(main, ".hfs"));
    await writeFile(join(main, ".hfs", "state.md"), "# Shared State\n\n- [ ] One [IP:agent-1]\n- [ ] Two\n");
    const status = await runToEnd(process.execPath, [CLI_PATH, "status"], { cwd: linked, env: testGitEnv() });
    expect(status.stdout).toContain("1 available (1 ready), 1 in progress, 0 completed");
    expect(existsSync(join(linked, ".hfs"))).toBe(false);
  });

  it("--worktree-board own keeps a board per worktree", async () => {
    const remote = await bareRemote();
    const main = await realpath(await cloneOf(remote.path, "main"));
    const linked = join(await realpath(await tempRoot()), "wt");
    gitIn(main, ["worktree", "add", "-q", "-b", "agent-2", linked]);
    const server = await spawnServer(["--agent-id", "agent-2", "--worktree-board", "own"], testGitEnv(), { cwd: linked });
    expect(await call(server.client, "add_item", { description: "Mine alone" })).toMatchObject({ isError: false });
    expect(await readFile(join(linked, ".hfs", "state.md"), "utf8")).toContain("- [ ] Mine alone");
    expect(existsSync(join(main, ".hfs"))).toBe(false);
  });
});
