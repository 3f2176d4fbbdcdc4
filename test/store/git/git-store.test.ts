import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BoardManager } from "../../../src/board/index.js";
import { GitStore, localMirror } from "../../../src/store/git/index.js";
import { bareRemote, cloneOf, gitIn, remoteFile, silentPort, userState } from "../../helpers/git.js";

interface GitBoard {
  manager: BoardManager;
  store: GitStore;
  logs: string[];
}

const open: GitStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) {
    await store.idle();
    store.close();
  }
});

function gitBoard(clone: string, agentId: string, options: { gitTimeoutMs?: number; lockTimeoutMs?: number } = {}): GitBoard {
  const logs: string[] = [];
  const store = new GitStore({
    mirror: localMirror({ root: clone, lockTimeoutMs: 10_000 }),
    remote: "origin",
    branch: "hfs",
    fetchIntervalMs: 60_000, // these tests sync explicitly, by calling
    gitTimeoutMs: options.gitTimeoutMs ?? 10_000,
    lockTimeoutMs: options.lockTimeoutMs ?? 10_000,
    log: (message) => logs.push(message),
  });
  open.push(store);
  return { manager: new BoardManager({ root: clone, agentId, store }), store, logs };
}

async function clones(remote: string, count: number): Promise<string[]> {
  const dirs: string[] = [];
  for (let i = 0; i < count; i++) dirs.push(await cloneOf(remote, String.fromCharCode(97 + i)));
  return dirs;
}

const stateOf = (clone: string) => readFile(join(clone, ".hfs", "state.md"), "utf8");

describe("GitStore", () => {
  it("creates the branch at the first write (from the template), mirrors it, and keeps the user's checkout as it was", async () => {
    const remote = await bareRemote();
    const [a] = await clones(remote.path, 1);
    const before = userState(a!);
    const { manager, store } = gitBoard(a!, "alpha");
    expect(remoteFile(remote.path)).toBeNull();
    expect(await manager.add({ description: "Build auth" })).toMatchObject({ success: true, line: 8 }); // under the template's comment
    expect(await manager.claim({ description: "Build auth" })).toMatchObject({ success: true, claimed_by: "alpha" });
    const onRemote = remoteFile(remote.path);
    expect(onRemote).toContain("- [ ] Build auth [IP:alpha]");
    expect(await stateOf(a!)).toBe(onRemote);
    expect(gitIn(remote.path, ["log", "--format=%an: %s", "hfs"]).split("\n")).toEqual([
      'alpha: alpha claimed "Build auth"',
      'alpha: alpha added "Build auth"',
    ]);
    expect(userState(a!)).toEqual(before);
    expect(store.freshness().syncedAt).not.toBeNull();

    // claimed_at comes from the commit's Hfs-Log trailer.
    const listed = await manager.listItems();
    const body = gitIn(remote.path, ["log", "-1", "--format=%B", "hfs"]);
    const at = /Hfs-Log: - (\S+) alpha claim "Build auth"/.exec(body)?.[1];
    expect(at).toBeDefined();
    expect(listed).toMatchObject({ success: true, items: [{ description: "Build auth", claimed_at: at }], synced_at: expect.any(String) });
  });

  it("syncs with a remote that has no board yet without creating anything, locally or remotely", async () => {
    const remote = await bareRemote();
    const [a] = await clones(remote.path, 1);
    const { manager, store } = gitBoard(a!, "alpha");
    expect(await manager.listItems()).toMatchObject({ success: true, items: [], synced_at: expect.any(String) });
    await store.idle();
    expect(await readdir(a!)).not.toContain(".hfs");
    expect(remoteFile(remote.path)).toBeNull();
  });

  it("starts the branch from the local board when there is one", async () => {
    const remote = await bareRemote();
    const [a] = await clones(remote.path, 1);
    await mkdir(join(a!, ".hfs", "agents"), { recursive: true });
    await writeFile(join(a!, ".hfs", "state.md"), "# Our board\n\n- [ ] Existing task\n");
    await writeFile(join(a!, ".hfs", "agents", "alpha.md"), "# Agent Memory: alpha\n\n## Notes\n\nold notes\n");
    const { manager } = gitBoard(a!, "alpha");
    expect(await manager.claim({ description: "Existing task" })).toMatchObject({ success: true });
    expect(remoteFile(remote.path)).toBe("# Our board\n\n- [ ] Existing task [IP:alpha]\n");
    expect(remoteFile(remote.path, ".hfs/agents/alpha.md")).toContain("old notes");
    const log = gitIn(remote.path, ["log", "--format=%an: %s", "hfs"]).split("\n");
    expect(log).toEqual(['alpha: alpha claimed "Existing task"', expect.stringMatching(/^Person a: hfs: start the board from /)]);
  });

  it("shares one board between clones: a loser hears not_available, and the other clone's mirror catches up", async () => {
    const remote = await bareRemote();
    const [a, b] = await clones(remote.path, 2);
    const alpha = gitBoard(a!, "alpha");
    const bravo = gitBoard(b!, "bravo");
    await alpha.manager.add({ description: "Build auth" });
    expect(await bravo.manager.claim({ description: "Build auth" })).toMatchObject({ success: true });
    expect(await alpha.manager.claim({ description: "Build auth" })).toMatchObject({ reason: "not_available", claimed_by: "bravo" });
    expect(await stateOf(a!)).toContain("Build auth [IP:bravo]"); // the failed claim still synced the mirror
    expect(await stateOf(b!)).toBe(await stateOf(a!));
  });

  it("two clones creating the branch at once: one wins, the other retries on the winner's branch", async () => {
    const remote = await bareRemote();
    const [a, b] = await clones(remote.path, 2);
    const alpha = gitBoard(a!, "alpha");
    const bravo = gitBoard(b!, "bravo");
    const [one, two] = await Promise.all([
      alpha.manager.add({ description: "From alpha" }),
      bravo.manager.add({ description: "From bravo" }),
    ]);
    expect(one).toMatchObject({ success: true });
    expect(two).toMatchObject({ success: true });
    const board = remoteFile(remote.path)!;
    expect(board).toContain("- [ ] From alpha");
    expect(board).toContain("- [ ] From bravo");
    expect(gitIn(remote.path, ["rev-list", "--count", "hfs"])).toBe("2");
  });

  it("folds a person's clean edit of the mirror in, committed as them, and other clones receive it", async () => {
    const remote = await bareRemote();
    const [a, b] = await clones(remote.path, 2);
    const alpha = gitBoard(a!, "alpha");
    const bravo = gitBoard(b!, "bravo");
    await alpha.manager.add({ description: "First" });
    await alpha.manager.add({ description: "Second" });
    await bravo.manager.claim({ description: "First" }); // b's mirror is current now; a's is not
    // A person edits a's (stale) mirror: a line the remote's change did not touch.
    const mine = (await stateOf(a!)).replace("# Shared State", "# Shared State (edited by hand)");
    await writeFile(join(a!, ".hfs", "state.md"), mine);
    expect(await alpha.manager.claim({ description: "Second" })).toMatchObject({ success: true });
    const board = remoteFile(remote.path)!;
    expect(board).toContain("# Shared State (edited by hand)");
    expect(board).toContain("- [ ] First [IP:bravo]");
    expect(board).toContain("- [ ] Second [IP:alpha]");
    expect(await stateOf(a!)).toBe(board);
    expect(gitIn(remote.path, ["log", "--format=%an <%ae>: %s", "-2", "hfs"]).split("\n")).toEqual([
      'alpha <alpha@hfs-mcp.invalid>: alpha claimed "Second"',
      "Person a <a@example.test>: Person a edited .hfs/state.md",
    ]);
    await bravo.manager.listItems(); // a read serves the mirror: b syncs when it writes or on its timer
    await bravo.manager.claim({ description: "Second" });
    expect(await stateOf(b!)).toBe(board);
  });

  it("keeps a conflicting edit beside the board, takes the remote's version, and warns", async () => {
    const remote = await bareRemote();
    const [a, b] = await clones(remote.path, 2);
    const alpha = gitBoard(a!, "alpha");
    const bravo = gitBoard(b!, "bravo");
    await alpha.manager.add({ description: "Contested" });
    await bravo.manager.claim({ description: "Contested" });
    const mine = (await stateOf(a!)).replace("- [ ] Contested", "- [ ] Contested, reworded by a person");
    await writeFile(join(a!, ".hfs", "state.md"), mine);
    expect(await alpha.manager.add({ description: "Another" })).toMatchObject({ success: true });
    const board = remoteFile(remote.path)!;
    expect(board).toContain("- [ ] Contested [IP:bravo]");
    expect(board).not.toContain("reworded");
    expect(await stateOf(a!)).toBe(board);
    const kept = await readdir(join(a!, ".hfs", "conflicts"));
    expect(kept).toEqual([expect.stringMatching(/^\d{8}T\d{9}Z-state\.md$/)]);
    expect(await readFile(join(a!, ".hfs", "conflicts", kept[0]!), "utf8")).toBe(mine);
    expect(alpha.logs.join("\n")).toMatch(/warning: the local edit of \.hfs\/state\.md was not merged .* kept in .*conflicts/);
  });

  it("answers sync_unavailable when the remote cannot be reached, writes nothing, and reads still answer", async () => {
    const remote = await bareRemote();
    const [a] = await clones(remote.path, 1);
    const alpha = gitBoard(a!, "alpha");
    await alpha.manager.add({ description: "Build auth" });
    const mirror = await stateOf(a!);
    gitIn(a!, ["remote", "set-url", "origin", "git://127.0.0.1:1/board.git"]);
    expect(await alpha.manager.claim({ description: "Build auth" })).toMatchObject({
      success: false,
      reason: "sync_unavailable",
      hint: expect.stringContaining("Nothing was written"),
    });
    expect(await stateOf(a!)).toBe(mirror);
    expect(remoteFile(remote.path)).toContain("\n- [ ] Build auth\n"); // not claimed
    expect(await alpha.manager.listItems()).toMatchObject({ success: true, items: [{ description: "Build auth", status: "available" }] });
    // The URL fixed, the next write goes through (the store looks at the repository again after a failure).
    gitIn(a!, ["remote", "set-url", "origin", remote.path]);
    expect(await alpha.manager.claim({ description: "Build auth" })).toMatchObject({ success: true });
  });

  it("a push with no answer is sync_unavailable (outcome unknown); the next sync finds out it never arrived", async () => {
    const remote = await bareRemote();
    const [a] = await clones(remote.path, 1);
    const alpha = gitBoard(a!, "alpha", { gitTimeoutMs: 800 });
    await alpha.manager.add({ description: "Build auth" });
    gitIn(a!, ["remote", "set-url", "--push", "origin", `git://127.0.0.1:${await silentPort()}/board.git`]);
    const reply = await alpha.manager.claim({ description: "Build auth" });
    expect(reply).toMatchObject({ reason: "sync_unavailable", hint: expect.stringContaining("never applies twice") });
    gitIn(a!, ["config", "--unset", "remote.origin.pushurl"]);
    expect(await alpha.manager.claim({ description: "Build auth" })).toMatchObject({ success: true });
    expect(alpha.logs.join("\n")).toMatch(/whose outcome was unknown, had not reached the remote/);
    expect(gitIn(remote.path, ["log", "--format=%s", "hfs"]).split("\n")).toEqual([
      'alpha claimed "Build auth"',
      'alpha added "Build auth"',
    ]);
  });

  it("a push the remote refuses though nobody else pushed (a hook) is sync_unavailable, not an endless retry", async () => {
    const remote = await bareRemote();
    const [a] = await clones(remote.path, 1);
    const alpha = gitBoard(a!, "alpha");
    await alpha.manager.add({ description: "Build auth" });
    const hook = join(remote.path, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'board is frozen' >&2\nexit 1\n");
    await chmod(hook, 0o755);
    const started = Date.now();
    expect(await alpha.manager.claim({ description: "Build auth" })).toMatchObject({
      reason: "sync_unavailable",
      message: expect.stringContaining("refused"),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
