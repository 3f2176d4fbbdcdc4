import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { call, type SpawnedServer, type ToolReply } from "../helpers/clients.js";
import {
  bareRemote,
  cloneOf,
  daemonMissing,
  gitIn,
  gitLockFiles,
  remoteFile,
  seedBoard,
  spawnGitServer,
  startDaemon,
  userState,
} from "../helpers/git.js";
import { pick } from "../stress/scale.js";

const CLONES = 8;
const ITEMS = 40;
const IN_FLIGHT = pick(4, 1);

if (daemonMissing) console.log(`SKIP git sync race: ${daemonMissing}`);

describe.skipIf(daemonMissing !== undefined)("git sync across clones", () => {
  it(`${CLONES} servers in ${CLONES} clones race for ${ITEMS} items over git daemon: each won once, the remote agrees`, async () => {
    const remote = await bareRemote();
    const daemon = await startDaemon(remote.dir);
    const url = `${daemon.url}board.git`;
    const clones: string[] = [];
    for (let i = 0; i < CLONES; i++) {
      const clone = await cloneOf(remote.path, `clone-${i + 1}`);
      gitIn(clone, ["remote", "set-url", "origin", url]); // the real network transport from here on
      clones.push(clone);
    }
    const descriptions = Array.from({ length: ITEMS }, (_, i) => `Task ${String(i + 1).padStart(3, "0")}`);
    const original = `# Shared State\n\n## Available Work Items\n\n${descriptions.map((d) => `- [ ] ${d}`).join("\n")}\n`;
    seedBoard(clones[0]!, original);
    const before = clones.map((clone) => userState(clone));

    const servers: SpawnedServer[] = await Promise.all(
      clones.map((clone, i) => spawnGitServer(["--root", clone, "--agent-id", `agent-${i + 1}`, "--sync", "git"])),
    );
    const latencies: number[] = [];
    const started = performance.now();
    const replies = await Promise.all(
      servers.map(async (server, a) => {
        // Each agent in its own order, IN_FLIGHT calls at a time: a server's queued calls go out as one group
        // commit, so with one call at a time every claim is its own fetch and push and the servers race hardest.
        const order = [...descriptions].sort(() => Math.random() - 0.5);
        const results: { agent: string; description: string; reply: ToolReply }[] = [];
        for (let k = 0; k < order.length; k += IN_FLIGHT) {
          await Promise.all(
            order.slice(k, k + IN_FLIGHT).map(async (description) => {
              const t0 = performance.now();
              const reply = await call(server.client, "claim_item", { description });
              latencies.push(performance.now() - t0);
              results.push({ agent: `agent-${a + 1}`, description, reply });
            }),
          );
        }
        return results;
      }),
    );
    const ms = performance.now() - started;
    const attempts = replies.flat();
    const winners = new Map<string, string[]>();
    for (const { agent, description, reply } of attempts) {
      if (!reply.isError) winners.set(description, [...(winners.get(description) ?? []), agent]);
    }
    const losses = attempts.filter((attempt) => attempt.reply.isError);
    const reasons = new Map<string, number>();
    for (const { reply } of losses) reasons.set(reply.data.reason, (reasons.get(reply.data.reason) ?? 0) + 1);
    const commits = Number(gitIn(remote.path, ["rev-list", "--count", "hfs"])) - 1;
    const wonTwice = [...winners.values()].filter((who) => who.length > 1).length;
    const perAgent = servers.map((_, a) => [...winners.values()].filter((who) => who[0] === `agent-${a + 1}`).length);
    latencies.sort((x, y) => x - y);
    const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!.toFixed(0);
    console.log(
      `FIGURES git sync race: ${CLONES} servers in ${CLONES} clones x ${ITEMS} items over git daemon, ${IN_FLIGHT} call(s) in flight each, ` +
        `${attempts.length} claims in ${ms.toFixed(0)} ms (p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms), ` +
        `${commits} commits on the remote, won twice: ${wonTwice}, never won: ${ITEMS - winners.size}, ` +
        `refusals: ${[...reasons].map(([r, n]) => `${r} ${n}`).join(", ")}, wins per server: ${perAgent.join("/")}`,
    );
    expect(wonTwice).toBe(0);
    expect(winners.size).toBe(ITEMS);
    const winner = new Map([...winners].map(([description, [agent]]) => [description, agent!]));
    for (const { description, reply } of losses)
      expect(reply.data).toMatchObject({ reason: "not_available", claimed_by: winner.get(description) });

    // The remote's board agrees with the winners, byte for byte: the original plus one marker per item.
    const onRemote = remoteFile(remote.path)!;
    expect(onRemote).toBe(original.replace(/^- \[ \] (Task \d+)$/gm, (_, d: string) => `- [ ] ${d} [IP:${winner.get(d)}]`));
    expect(parseBoard(onRemote).items.every((item) => item.claimedBy === winner.get(item.description))).toBe(true);
    // Every claim is one history line in the branch's log.
    const claims = gitIn(remote.path, ["log", "--format=%B", "hfs"]).match(/^Hfs-Log: .* claim /gm) ?? [];
    expect(claims).toHaveLength(ITEMS);

    // Each clone's mirror catches up at its next sync; the users' checkouts were never touched.
    await Promise.all(servers.map((server) => call(server.client, "release_item", { description: "no such item" })));
    for (const [i, clone] of clones.entries()) {
      expect(await readFile(join(clone, ".hfs", "state.md"), "utf8")).toBe(onRemote);
      expect(gitIn(clone, ["show", "refs/hfs/synced/origin/hfs:.hfs/state.md"])).toBe(onRemote.replace(/\n$/, ""));
      expect(userState(clone)).toEqual(before[i]);
      expect(gitLockFiles(join(clone, ".git"))).toEqual([]);
    }
  });
});
