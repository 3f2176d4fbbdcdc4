import { writeFileSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConcurrentEditError, type Decision, DirLock, FileError, LockTimeoutError, MAX_FILE_BYTES, Store } from "../../src/store/index.js";
import { entriesBesideParkedLocks, PARKED_LOCK } from "../helpers/parked-locks.js";
import { tempRoot } from "../helpers/temp-root.js";

function storeAt(root: string, lockTimeoutMs = 5000): Store {
  return new Store({ root, lockTimeoutMs });
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

describe("Store.update", () => {
  it("creates nothing, not even .hfs/, when the decision writes nothing", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    const seen: (string | null)[] = [];
    const result = await store.update(store.paths.stateFile, (current) => {
      seen.push(current);
      return { result: "nothing to do" };
    });
    expect(result).toBe("nothing to do");
    expect(seen).toEqual([null]);
    expect(await readdir(root)).toEqual([]);
  });

  it("creates .hfs/ and the file on the first write, and leaves no lock or temp file behind", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    const result = await store.update(store.paths.stateFile, (current) => ({ result: current, write: "- [ ] first\n" }));
    expect(result).toBeNull();
    expect(await readFile(store.paths.stateFile, "utf8")).toBe("- [ ] first\n");
    expect(await entriesBesideParkedLocks(store.paths.hfsDir)).toEqual(["state.md"]);
  });

  it("parks its lock dir in .hfs/ between writes and removes it on close", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await store.update(store.paths.stateFile, () => ({ result: undefined, write: "x\n" }));
    expect((await readdir(store.paths.hfsDir)).sort()).toEqual([expect.stringMatching(PARKED_LOCK), "state.md"]);
    store.close();
    expect(await readdir(store.paths.hfsDir)).toEqual(["state.md"]);
  });

  it("creates .hfs/agents/ for a memory file", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    const file = store.paths.agentFile("agent-1");
    await store.update(file, () => ({ result: undefined, write: "# Agent Memory: agent-1\n" }));
    expect(await readFile(join(root, ".hfs", "agents", "agent-1.md"), "utf8")).toBe("# Agent Memory: agent-1\n");
  });

  it("decides on the current content and keeps the file's permission bits", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await mkdir(store.paths.hfsDir);
    await writeFile(store.paths.stateFile, "- [ ] a\n");
    await chmod(store.paths.stateFile, 0o600);
    await store.update(store.paths.stateFile, (current) => ({ result: undefined, write: `${current}- [ ] b\n` }));
    expect(await readFile(store.paths.stateFile, "utf8")).toBe("- [ ] a\n- [ ] b\n");
    expect((await stat(store.paths.stateFile)).mode & 0o7777).toBe(0o600);
  });

  it("redoes the decision on a person's save made between its read and its rename, instead of overwriting it", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await mkdir(store.paths.hfsDir);
    const original = "- [ ] a\n";
    const persons = "- [ ] a\n- [ ] added by a person\n";
    await writeFile(store.paths.stateFile, original);
    const seen: (string | null)[] = [];
    const result = await store.update(store.paths.stateFile, (current): Decision<number> => {
      seen.push(current);
      // The first time, a person saves the file right after our read (the decision is made on stale text).
      if (seen.length === 1) writeFileSync(store.paths.stateFile, persons);
      return { result: seen.length, write: `${current}- [ ] added by the agent\n` };
    });
    expect(seen).toEqual([original, persons]);
    expect(result).toBe(2);
    expect(await readFile(store.paths.stateFile, "utf8")).toBe(`${persons}- [ ] added by the agent\n`);
    expect(await entriesBesideParkedLocks(store.paths.hfsDir)).toEqual(["state.md"]);
  });

  it("gives up with ConcurrentEditError when the file changes on every attempt, leaving the person's last save", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await mkdir(store.paths.hfsDir);
    await writeFile(store.paths.stateFile, "save 0\n");
    let saves = 0;
    const error = await errorOf(
      store.update(store.paths.stateFile, (current) => {
        saves++;
        writeFileSync(store.paths.stateFile, `save ${saves}\n`);
        return { result: undefined, write: `${current}overwritten\n` };
      }),
    );
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect(saves).toBeGreaterThan(1);
    expect(await readFile(store.paths.stateFile, "utf8")).toBe(`save ${saves}\n`);
    expect(await entriesBesideParkedLocks(store.paths.hfsDir)).toEqual(["state.md"]);
  });

  it("refuses to write a file larger than the limit and leaves the old one", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await mkdir(store.paths.hfsDir);
    await writeFile(store.paths.stateFile, "- [ ] small\n");
    const error = await errorOf(store.update(store.paths.stateFile, () => ({ result: undefined, write: "a".repeat(MAX_FILE_BYTES + 1) })));
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).problem).toBe("too_large");
    expect(await readFile(store.paths.stateFile, "utf8")).toBe("- [ ] small\n");
    expect(await entriesBesideParkedLocks(store.paths.hfsDir)).toEqual(["state.md"]);
  });

  it("refuses to decide on a file that is not UTF-8, and writes nothing", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await mkdir(store.paths.hfsDir);
    const bytes = Buffer.from("- [ ] caf\xe9\n", "latin1");
    await writeFile(store.paths.stateFile, bytes);
    let decided = false;
    const error = await errorOf(
      store.update(store.paths.stateFile, () => {
        decided = true;
        return { result: undefined, write: "replaced\n" };
      }),
    );
    expect((error as FileError).problem).toBe("not_utf8");
    expect(decided).toBe(false);
    expect((await readFile(store.paths.stateFile)).equals(bytes)).toBe(true);
  });

  it("refuses a .hfs/ that is a symlink, for reads and writes", async () => {
    const root = await tempRoot();
    const elsewhere = join(root, "elsewhere");
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, "state.md"), "- [ ] outside\n");
    await symlink(elsewhere, join(root, ".hfs"));
    const store = storeAt(root);
    expect(((await errorOf(store.read(store.paths.stateFile))) as FileError).problem).toBe("symlink");
    const error = await errorOf(store.update(store.paths.stateFile, () => ({ result: undefined, write: "x\n" })));
    expect((error as FileError).problem).toBe("symlink");
    expect(await readFile(join(elsewhere, "state.md"), "utf8")).toBe("- [ ] outside\n");
    expect(await readdir(elsewhere)).toEqual(["state.md"]);
  });

  it("fails with LockTimeoutError and writes nothing while another holder keeps the lock", async () => {
    const root = await tempRoot();
    const store = storeAt(root, 150);
    await mkdir(store.paths.hfsDir);
    await writeFile(store.paths.stateFile, "- [ ] a\n");
    const holder = await new DirLock({ dir: store.paths.hfsDir, timeoutMs: 1000 }).acquire();
    let decided = false;
    const error = await errorOf(
      store.update(store.paths.stateFile, () => {
        decided = true;
        return { result: undefined, write: "x\n" };
      }),
    );
    await holder.release();
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(decided).toBe(true); // decisions are made before the lock is asked for; only the commit needs it
    expect(await readFile(store.paths.stateFile, "utf8")).toBe("- [ ] a\n");
    expect(await entriesBesideParkedLocks(store.paths.hfsDir)).toEqual(["state.md"]); // its temp file is gone too
  });

  it("loses no update when two stores on one root increment a counter concurrently", async () => {
    const root = await tempRoot();
    const stores = [storeAt(root, 20_000), storeAt(root, 20_000)];
    const perStore = 40;
    await Promise.all(
      stores.flatMap((store) =>
        Array.from({ length: perStore }, () =>
          store.update(store.paths.stateFile, (current) => ({ result: undefined, write: `${Number(current ?? "0") + 1}` })),
        ),
      ),
    );
    expect(await readFile(stores[0]!.paths.stateFile, "utf8")).toBe(String(stores.length * perStore));
  });
});

describe("Store.update group commit", () => {
  it("applies a burst of queued updates in order, each deciding on the previous one's text", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await store.update(store.paths.stateFile, () => ({ result: undefined, write: "" }));
    const holder = await new DirLock({ dir: store.paths.hfsDir, timeoutMs: 1000 }).acquire();
    const seen: string[] = [];
    // Queued while another holder keeps the lock, so they are flushed together once it lets go.
    const calls = Array.from({ length: 10 }, (_, i) =>
      store.update(store.paths.stateFile, (current): Decision<number> => {
        seen.push(current ?? "<none>");
        if (i === 4) throw new Error("decision 4 fails alone");
        if (i === 7) return { result: -1 }; // decides to write nothing
        return { result: i, write: `${current}${i}` };
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    holder.release();
    const results = await Promise.allSettled(calls);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "rejected"))).toEqual([0, 1, 2, 3, "rejected", 5, 6, -1, 8, 9]);
    expect(seen).toEqual(["", "0", "01", "012", "0123", "0123", "01235", "012356", "012356", "0123568"]);
    expect(await readFile(store.paths.stateFile, "utf8")).toBe("01235689");
    expect(await entriesBesideParkedLocks(store.paths.hfsDir)).toEqual(["state.md"]);
  });
});

describe("Store.update with edits", () => {
  const board = "\uFEFF# Zustände ✓\r\n- [ ] eins 😀\r\n- [ ] zwei\r\n";
  const replacing = (current: string, item: string, insert: string) => {
    const start = current.indexOf(item);
    return { start, end: start + item.length, insert };
  };

  it("writes one edit of a non-ASCII board, CRLF and BOM kept, byte for byte", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await mkdir(store.paths.hfsDir);
    await writeFile(store.paths.stateFile, board);
    // The first stretch replaced holds a four-byte character; before both are a BOM and multi-byte characters.
    const steps: [string, string][] = [
      ["- [ ] eins 😀", "- [x] eins 😀 done"],
      ["- [ ] zwei", "- [ ] zwei [IP:ä]"],
    ];
    for (const [item, insert] of steps) {
      const before = await readFile(store.paths.stateFile, "utf8");
      await store.update(store.paths.stateFile, (current) => ({ result: undefined, write: replacing(current!, item, insert) }));
      expect((await readFile(store.paths.stateFile)).equals(Buffer.from(before.replace(item, insert)))).toBe(true);
    }
  });

  it("applies a burst of edits in order, each on the text the one before left, one failing alone", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    await mkdir(store.paths.hfsDir);
    await writeFile(store.paths.stateFile, board);
    const holder = await new DirLock({ dir: store.paths.hfsDir, timeoutMs: 1000 }).acquire();
    const edits: [string, string][] = [
      ["- [ ] eins 😀", "- [ ] eins 😀 [IP:a]"],
      ["- [ ] zwei", "- [x] zwei"],
      ["- [ ] nowhere", "never"],
      ["# Zustände ✓", "# Zustände ✓✓"],
    ];
    const calls = edits.map(([item, insert]) =>
      store.update(store.paths.stateFile, (current): Decision<string> => {
        if (!current!.includes(item)) throw new Error(`no ${item}`);
        return { result: insert, write: replacing(current!, item, insert) };
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    holder.release();
    const results = await Promise.allSettled(calls);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    const expected = "\uFEFF# Zustände ✓✓\r\n- [ ] eins 😀 [IP:a]\r\n- [x] zwei\r\n";
    expect((await readFile(store.paths.stateFile)).equals(Buffer.from(expected))).toBe(true);
  });
});

describe("Store.read", () => {
  it("returns null for a missing board without creating anything", async () => {
    const root = await tempRoot();
    const store = storeAt(root);
    expect(await store.read(store.paths.stateFile)).toBeNull();
    expect(await readdir(root)).toEqual([]);
  });
});
