import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { call, type SpawnedServer } from "../helpers/clients.js";
import { bareRemote, cloneOf, daemonMissing, gitIn, remoteFile, seedBoard, spawnGitServer, startDaemon } from "../helpers/git.js";
import { eventually, UpdateLog } from "../mcp/resources/support.js";

const BOARD = "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n- [ ] Write docs\n- [ ] Fix the build\n";

/** Clones of one remote (served by git daemon) with the board seeded on its `hfs` branch. */
async function clonesWithBoard(count: number): Promise<{ remote: string; clones: string[] }> {
  const remote = await bareRemote();
  const daemon = await startDaemon(remote.dir);
  const clones: string[] = [];
  for (let i = 0; i < count; i++) {
    const clone = await cloneOf(remote.path, `clone-${i + 1}`);
    gitIn(clone, ["remote", "set-url", "origin", `${daemon.url}board.git`]);
    clones.push(clone);
  }
  seedBoard(clones[0]!, BOARD);
  return { remote: remote.path, clones };
}

function serve(clone: string, agent: string, intervalMs: number): Promise<SpawnedServer> {
  return spawnGitServer(["--root", clone, "--agent-id", agent, "--sync", "git", "--git-fetch-interval-ms", String(intervalMs)]);
}

const mirrorOf = (clone: string) => readFile(join(clone, ".hfs", "state.md"), "utf8");

if (daemonMissing) console.log(`SKIP git sync mirror: ${daemonMissing}`);

describe.skipIf(daemonMissing !== undefined)("the git-synced mirror", () => {
  it("a person's clean edit of one clone's mirror reaches the remote and the other clones, committed as that person", async () => {
    const { remote, clones } = await clonesWithBoard(3);
    const servers = await Promise.all(clones.map((clone, i) => serve(clone, `agent-${i + 1}`, 300)));
    await Promise.all(servers.map((server) => call(server.client, "get_work_items")));
    await eventually(async () => expect(await mirrorOf(clones[0]!)).toBe(BOARD));
    // Meanwhile an agent elsewhere claims an item: a change on another line.
    expect((await call(servers[2]!.client, "claim_item", { description: "Fix the build" })).isError).toBe(false);
    // A person edits clone 1's mirror in their editor (possibly before it caught up with that claim).
    const edited = (await mirrorOf(clones[0]!)).replace("- [ ] Write docs", "- [ ] Write docs (the API first)");
    const started = performance.now();
    await writeFile(join(clones[0]!, ".hfs", "state.md"), edited);
    await eventually(() => expect(remoteFile(remote)).toContain("- [ ] Write docs (the API first)"), 15_000);
    const onRemote = remoteFile(remote)!;
    expect(onRemote).toContain("- [ ] Fix the build [IP:agent-3]");
    for (const clone of clones) await eventually(async () => expect(await mirrorOf(clone)).toBe(onRemote), 15_000);
    console.log(
      `FIGURES git sync mirror: a person's edit on every clone after ${(performance.now() - started).toFixed(0)} ms (fetch interval 300 ms)`,
    );
    expect(gitIn(remote, ["log", "--format=%an: %s", "hfs"])).toContain("Person clone-1: Person clone-1 edited .hfs/state.md");
    // The agents work on the edited board.
    expect((await call(servers[1]!.client, "claim_item", { description: "Write docs (the API first)" })).isError).toBe(false);
  });

  it("a conflicting edit is kept beside the board, reported, and the mirror takes the remote's version", async () => {
    const { remote, clones } = await clonesWithBoard(2);
    // Clone 1 syncs only when it writes (a long idle interval), so its person edits a stale mirror.
    const one = await serve(clones[0]!, "agent-1", 600_000);
    const two = await serve(clones[1]!, "agent-2", 600_000);
    await call(one.client, "get_work_items");
    expect(await mirrorOf(clones[0]!)).toBe(BOARD);
    expect((await call(two.client, "claim_item", { description: "Build auth" })).isError).toBe(false);
    const mine = BOARD.replace("- [ ] Build auth", "- [ ] Build auth, with OAuth");
    await writeFile(join(clones[0]!, ".hfs", "state.md"), mine);
    expect((await call(one.client, "claim_item", { description: "Write docs" })).data).toMatchObject({ success: true });

    const onRemote = remoteFile(remote)!;
    expect(onRemote).toBe(BOARD.replace("Build auth", "Build auth [IP:agent-2]").replace("Write docs", "Write docs [IP:agent-1]"));
    expect(await mirrorOf(clones[0]!)).toBe(onRemote);
    const kept = await readdir(join(clones[0]!, ".hfs", "conflicts"));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(clones[0]!, ".hfs", "conflicts", kept[0]!), "utf8")).toBe(mine); // never lost
    expect(one.stderr()).toMatch(/warning: the local edit of \.hfs\/state\.md was not merged .*conflicts/);
  });

  it("a subscriber hears of another clone's change once its server's idle fetch brings it", async () => {
    const { clones } = await clonesWithBoard(2);
    const watcher = await serve(clones[0]!, "agent-1", 300);
    const writer = await serve(clones[1]!, "agent-2", 300);
    const updates = new UpdateLog(watcher.client);
    await call(watcher.client, "get_work_items");
    await watcher.client.subscribeResource({ uri: "hfs://state" });
    const before = performance.now();
    expect((await call(writer.client, "claim_item", { description: "Write docs" })).isError).toBe(false);
    const at = await updates.arrival("hfs://state", before, 10_000);
    console.log(`FIGURES git sync mirror: another clone's claim notified after ${(at - before).toFixed(0)} ms (fetch interval 300 ms)`);
    const { contents } = await watcher.client.readResource({ uri: "hfs://state" });
    expect(contents[0]).toMatchObject({ text: expect.stringContaining("- [ ] Write docs [IP:agent-2]") });
    const listed = await call(watcher.client, "get_work_items");
    expect(listed.data).toMatchObject({ synced_at: expect.any(String) });
    expect(listed.data.items.find((item: { description: string }) => item.description === "Write docs")).toMatchObject({
      claimed_by: "agent-2",
      claimed_at: expect.any(String),
    });
  });
});
