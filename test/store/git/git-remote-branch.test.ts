import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BranchObjects } from "../../../src/store/git/branch-objects.js";
import { RemoteBranch } from "../../../src/store/git/git-remote-branch.js";
import { gitEnv } from "../../../src/store/git/git-runner.js";
import { ObjectReader } from "../../../src/store/git/object-reader.js";
import { SyncUnavailableError } from "../../../src/store/git/sync-unavailable-error.js";
import { bareRemote, cloneOf, gitIn, remoteFile, silentPort, userState } from "../../helpers/git.js";

const PERSON = { name: "Tester", email: "tester@example.test" };

type Side = RemoteBranch & Pick<BranchObjects, "commit" | "listFiles" | "readBlobs">;
const readers: ObjectReader[] = [];
afterEach(() => {
  for (const reader of readers.splice(0)) reader.close();
});

/** One clone's view of the board branch: the network side (RemoteBranch) and the objects (BranchObjects). */
function branchOf(clone: string, options: { remote?: string; timeoutMs?: number } = {}): Side {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const branch = new RemoteBranch({
    cwd: clone,
    commonDir: join(clone, ".git"),
    remote: options.remote ?? "origin",
    branch: "hfs",
    timeoutMs,
    userSsh: false,
  });
  const reader = new ObjectReader({ cwd: clone, env: gitEnv({ timeoutMs }), timeoutMs });
  readers.push(reader);
  const objects = new BranchObjects(reader, join(clone, ".git"), "sha1");
  return Object.assign(branch, {
    commit: objects.commit.bind(objects),
    listFiles: objects.listFiles.bind(objects),
    readBlobs: objects.readBlobs.bind(objects),
  });
}

describe("RemoteBranch and BranchObjects", () => {
  it("creates the branch with a first commit, and leaves the user's HEAD, index, working tree and branches alone", async () => {
    const remote = await bareRemote();
    const clone = await cloneOf(remote.path, "a");
    const before = userState(clone);
    const branch = branchOf(clone);
    expect(await branch.fetch()).toEqual({ tip: null, synced: null });

    const first = await branch.commit(null, [{ path: ".hfs/state.md", text: "- [ ] one\n" }], "first\n", PERSON);
    expect(await branch.push(first)).toEqual({ kind: "accepted" });
    expect(remoteFile(remote.path)).toBe("- [ ] one\n");
    expect(await branch.fetch()).toEqual({ tip: first, synced: null });
    expect(userState(clone)).toEqual(before);
    // No scratch files (objects are written under git's own temp names, then renamed), and the user's
    // remote-tracking refs were not moved by our fetch.
    expect(
      readdirSync(join(clone, ".git", "objects"), { recursive: true, encoding: "utf8" }).filter((name) => name.includes("tmp_")),
    ).toEqual([]);
    expect(gitIn(clone, ["for-each-ref", "refs/remotes/origin/hfs"])).toBe(""); // nor by our push
  });

  it("builds on the parent's tree: other files stay, a change replaces one, null removes one", async () => {
    const remote = await bareRemote();
    const clone = await cloneOf(remote.path, "a");
    const branch = branchOf(clone);
    const first = await branch.commit(
      null,
      [
        { path: ".hfs/state.md", text: "board\n" },
        { path: ".hfs/agents/alpha.md", text: "alpha\n" },
        { path: "README.md", text: "not a board file\n" },
      ],
      "first\n",
      PERSON,
    );
    const second = await branch.commit(
      first,
      [
        { path: ".hfs/state.md", text: "board 2\n" },
        { path: ".hfs/agents/alpha.md", text: null },
      ],
      "second\n",
      PERSON,
    );
    const files = await branch.listFiles(second);
    expect([...files.keys()].sort()).toEqual([".hfs/state.md"]); // listFiles is limited to .hfs/
    expect(gitIn(clone, ["show", `${second}:README.md`])).toBe("not a board file");
    const blobs = await branch.readBlobs([...files.values()]);
    expect([...blobs.values()].map((bytes) => bytes.toString())).toEqual(["board 2\n"]);
    expect(gitIn(clone, ["log", "--format=%an <%ae> %P", "-1", second])).toBe(`Tester <tester@example.test> ${first}`);
    expect(gitIn(clone, ["fsck", "--strict", "--no-dangling", "--no-progress"])).toBe(""); // objects git itself accepts
    expect(gitIn(clone, ["cat-file", "-p", second]).split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/^tree [0-9a-f]{40}$/),
      `parent ${first}`,
    ]);
    expect(await branch.isAncestor(first, second)).toBe(true);
    expect(await branch.isAncestor(second, first)).toBe(false);
  });

  it("rejects a push built on a stale tip (another writer got there first), without force", async () => {
    const remote = await bareRemote();
    const [a, b] = [await cloneOf(remote.path, "a"), await cloneOf(remote.path, "b")];
    const [branchA, branchB] = [branchOf(a), branchOf(b)];
    const base = await branchA.commit(null, [{ path: ".hfs/state.md", text: "0\n" }], "base\n", PERSON);
    expect((await branchA.push(base)).kind).toBe("accepted");
    const { tip } = await branchB.fetch();
    expect(tip).toBe(base);
    const winner = await branchA.commit(base, [{ path: ".hfs/state.md", text: "a\n" }], "a\n", PERSON);
    const loser = await branchB.commit(tip, [{ path: ".hfs/state.md", text: "b\n" }], "b\n", PERSON);
    expect((await branchA.push(winner)).kind).toBe("accepted");
    const rejected = await branchB.push(loser);
    expect(rejected.kind).toBe("rejected");
    expect(remoteFile(remote.path)).toBe("a\n");
  });

  it("8 clones pushing on the same tip at once: exactly one is accepted, the ref holds the winner", async () => {
    const remote = await bareRemote();
    const clones: string[] = [];
    for (let i = 0; i < 8; i++) clones.push(await cloneOf(remote.path, `c${i}`));
    const first = branchOf(clones[0]!);
    const base = await first.commit(null, [{ path: ".hfs/state.md", text: "0\n" }], "base\n", PERSON);
    expect((await first.push(base)).kind).toBe("accepted");
    const branches = clones.map((clone) => branchOf(clone));
    const commits = await Promise.all(
      branches.map(async (branch, i) => {
        expect((await branch.fetch()).tip).toBe(base);
        return branch.commit(base, [{ path: ".hfs/state.md", text: `${i}\n` }], `${i}\n`, PERSON);
      }),
    );
    const outcomes = await Promise.all(branches.map((branch, i) => branch.push(commits[i]!)));
    const accepted = outcomes.flatMap((outcome, i) => (outcome.kind === "accepted" ? [i] : []));
    console.log(`FIGURES 8 racing pushes: ${outcomes.map((o) => o.kind).join(", ")}`);
    expect(accepted).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === "rejected")).toHaveLength(7);
    expect(gitIn(remote.path, ["rev-parse", "refs/heads/hfs"])).toBe(commits[accepted[0]!]);
  });

  it("tells a push that never left (connection refused) from one whose outcome is unknown (no answer)", async () => {
    const remote = await bareRemote();
    const clone = await cloneOf(remote.path, "a");
    const commit = await branchOf(clone).commit(null, [{ path: ".hfs/state.md", text: "x\n" }], "x\n", PERSON);
    const closed = await silentPort();
    // A port nobody listens on: take one that was just free.
    gitIn(clone, ["remote", "add", "refused", "git://127.0.0.1:1/board.git"]);
    expect((await branchOf(clone, { remote: "refused" }).push(commit)).kind).toBe("failed");

    gitIn(clone, ["remote", "add", "silent", `git://127.0.0.1:${closed}/board.git`]);
    const started = Date.now();
    const outcome = await branchOf(clone, { remote: "silent", timeoutMs: 800 }).push(commit);
    expect(outcome.kind).toBe("unknown");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers a fetch it cannot make with SyncUnavailableError, within the timeout", async () => {
    const remote = await bareRemote();
    const clone = await cloneOf(remote.path, "a");
    gitIn(clone, ["remote", "add", "silent", `git://127.0.0.1:${await silentPort()}/board.git`]);
    const started = Date.now();
    const error = await branchOf(clone, { remote: "silent", timeoutMs: 800 })
      .fetch()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SyncUnavailableError);
    expect((error as Error).message).toContain("git timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reads its refs from loose files and from packed-refs alike, and moves them in one transaction", async () => {
    const remote = await bareRemote();
    const clone = await cloneOf(remote.path, "a");
    const branch = branchOf(clone);
    const one = await branch.commit(null, [{ path: ".hfs/state.md", text: "1\n" }], "1\n", PERSON);
    await branch.updateRefs([
      { ref: branch.fetchedRef, sha: one },
      { ref: branch.syncedRef, sha: one },
    ]);
    expect(await branch.refs()).toEqual({ fetched: one, synced: one });
    gitIn(clone, ["pack-refs", "--all"]);
    expect(await branch.refs()).toEqual({ fetched: one, synced: one });
    await branch.updateRefs([{ ref: branch.syncedRef, sha: null }]);
    expect(await branch.refs()).toEqual({ fetched: one, synced: null });
  });

  it("lists commit messages since a commit, oldest first", async () => {
    const remote = await bareRemote();
    const clone = await cloneOf(remote.path, "a");
    const branch = branchOf(clone);
    const one = await branch.commit(null, [{ path: ".hfs/state.md", text: "1\n" }], "one\n\nbody\n", PERSON);
    const two = await branch.commit(one, [{ path: ".hfs/state.md", text: "2\n" }], "two\n", PERSON);
    const three = await branch.commit(two, [{ path: ".hfs/state.md", text: "3\n" }], "three\n", PERSON);
    expect(await branch.messages(three, null)).toEqual(["one\n\nbody\n", "two\n", "three\n"]);
    expect(await branch.messages(three, one)).toEqual(["two\n", "three\n"]);
  });
});
