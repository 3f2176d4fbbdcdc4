import { execFileSync } from "node:child_process";
import { closeSync, fstatSync, ftruncateSync, openSync, statfsSync, writeSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { snapshotTree } from "../mcp/tools/support.js";
import { leftovers, withoutParkedLocks } from "./hfs-leftovers.js";

/**
 * Item 4 of issue 4: a write the disk cannot hold must fail with `file_error`, change no byte, and leave no temp
 * file or lock behind; the next write after space is freed must succeed. Run on a real full file system — a
 * 256 KiB tmpfs mounted for the suite (we run as root) — through a spawned server, so the whole path (lock,
 * temp file, short write, ENOSPC, clean-up, reply) is the one users get. If the mount is refused, every test
 * here fails saying so: a disk-full suite that silently tests nothing would be worse than none.
 *
 * The second half makes `.hfs` unwritable in the ways root cannot bypass: a read-only bind mount (EROFS) and
 * the immutable attribute (`chattr +i`, EPERM).
 */

const TMPFS_SIZE = "256k";

const figures = {
  failingCalls: 0,
  fileErrors: 0,
  otherReplies: 0,
  filesChanged: 0,
  tempFilesLeft: 0,
  locksLeft: 0,
  parkedLockDirs: 0,
  writesAfterFreeing: 0,
  unwritableCalls: 0,
  unwritableFileErrors: 0,
};

let base: string | undefined;
let mountPoint: string | undefined;
let mountError: string | undefined;

function requireMount(): string {
  if (mountPoint === undefined) {
    throw new Error(
      `cannot mount a ${TMPFS_SIZE} tmpfs for the disk-full suite (\`mount -t tmpfs -o size=${TMPFS_SIZE} tmpfs <dir>\`): ` +
        `${mountError ?? "unknown reason"}. This suite needs root and permission to mount; without it a fault-injecting ` +
        "file layer must stand in for the full disk.",
    );
  }
  return mountPoint;
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "hfs-mcp-diskfull-"));
  const dir = join(base, "mnt");
  await mkdir(dir);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE}`, "tmpfs", dir], { stdio: "pipe" });
    mountPoint = dir;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    mountError = stderr || (error as Error).message;
  }
});

afterAll(async () => {
  if (mountPoint !== undefined) execFileSync("umount", [mountPoint], { stdio: "pipe" });
  if (base !== undefined) await rm(base, { recursive: true, force: true });
  console.log(
    `FIGURES disk-full: mount=${mountPoint !== undefined ? `tmpfs-${TMPFS_SIZE}` : `refused (${mountError})`} ` +
      `failing_calls=${figures.failingCalls} file_error=${figures.fileErrors} other_replies=${figures.otherReplies} ` +
      `files_changed=${figures.filesChanged} temp_files_left=${figures.tempFilesLeft} locks_left=${figures.locksLeft} ` +
      `parked_lock_dirs_of_live_servers=${figures.parkedLockDirs} ` +
      `writes_after_freeing=${figures.writesAfterFreeing} unwritable_calls=${figures.unwritableCalls} ` +
      `unwritable_file_error=${figures.unwritableFileErrors}`,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Boards big enough that a nearly full disk cuts their write short, with non-ASCII text throughout.

const ITEMS = 300;
const HEAD = "# Shared State\n\n## Available Work Items\n\n";
const TAIL = "\n## In Progress\n\n## Completed\n";

function itemLine(n: number): string {
  const holder = n === 3 || n === 4 ? " [IP:alpha]" : "";
  return `- [ ] Tâche ${n} — réécrire le module n°${n} et vérifier les cas limites${holder}`;
}

function bigBoard(): string {
  return `${HEAD}${Array.from({ length: ITEMS }, (_, n) => itemLine(n)).join("\n")}\n${TAIL}`;
}

function bigMemory(): string {
  const notes = Array.from({ length: 200 }, (_, n) => `- remarque n°${n}: l'API répond en 200 ms, à vérifier`).join("\n");
  return `# Agent Memory: alpha\n\n## Scratchpad\n\nen cours\n\n## Subtasks\n\n## Notes\n\n${notes}\n`;
}

/** Everything a write could reach: the project, and the disk's junk beside it. */
async function project(mount: string, layout: "board+memory" | "no-hfs" | "no-agents"): Promise<string> {
  const root = join(mount, "project");
  await mkdir(root);
  if (layout === "no-hfs") return root;
  await mkdir(join(root, ".hfs"));
  await writeFile(join(root, ".hfs", "state.md"), bigBoard());
  if (layout === "board+memory") {
    await mkdir(join(root, ".hfs", "agents"));
    await writeFile(join(root, ".hfs", "agents", "alpha.md"), bigMemory());
  }
  return root;
}

function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

/**
 * Fill the file system with a junk file until the kernel says ENOSPC, then give back `leave` bytes by
 * truncating it (tmpfs frees whole pages). Returns the free space that results, as statfs reports it.
 */
function fillDisk(mount: string, leave: number): number {
  const fd = openSync(join(mount, "junk"), "w");
  try {
    const chunk = Buffer.alloc(64 * 1024, 0x6a);
    for (;;) {
      try {
        writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw error;
      }
    }
    // A 64 KiB write may have stopped short of the last pages: finish page by page.
    const page = Buffer.alloc(4096, 0x6a);
    for (;;) {
      try {
        if (writeSync(fd, page) === 0) break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw error;
      }
    }
    if (leave > 0) ftruncateSync(fd, fstatSync(fd).size - leave);
  } finally {
    closeSync(fd);
  }
  return freeBytes(mount);
}

async function emptyMount(mount: string): Promise<void> {
  for (const name of await readdir(mount)) await rm(join(mount, name), { recursive: true, force: true });
}

/**
 * The call must fail with file_error, and afterwards the project tree (board, memory, everything under the
 * root) must be exactly what it was: no byte changed, no temp file, no lock dir, no folder created. The server
 * must still answer a read.
 */
async function expectDiskFailure(server: SpawnedServer, root: string, tool: string, args: Record<string, unknown>): Promise<void> {
  const live = [server.pid!];
  const before = withoutParkedLocks(await snapshotTree(root), live);
  const reply = await call(server.client, tool, args);
  figures.failingCalls++;
  const context = `${tool}(${JSON.stringify(args).slice(0, 120)}) → ${JSON.stringify(reply.data).slice(0, 300)}`;
  if (reply.data.reason === "file_error") figures.fileErrors++;
  else figures.otherReplies++;
  const after = withoutParkedLocks(await snapshotTree(root), live);
  const left = await leftovers(join(root, ".hfs"), live);
  figures.tempFilesLeft += left.temps.length;
  figures.parkedLockDirs += left.parked.length;
  if (left.lockHeld) figures.locksLeft++;
  const changed = JSON.stringify(after) !== JSON.stringify(before);
  if (changed) figures.filesChanged++;

  expect(reply.isError, context).toBe(true);
  expect(reply.data.success, context).toBe(false);
  expect(reply.data.reason, context).toBe("file_error");
  expect(String(reply.data.hint ?? "").trim(), context).not.toBe("");
  expect(left.temps, `temp files left by ${context}`).toEqual([]);
  expect(left.lockHeld, `.hfs/.lock left by ${context}`).toBe(false);
  // Every file and folder as it was (a live server's parked lock directory aside: see hfs-leftovers.ts).
  expect(after, `files changed by the failed ${context}`).toEqual(before);
  // Reading needs no space: the server answers, and sees the unchanged board.
  await server.client.ping();
  const listed = await call(server.client, "get_work_items", {});
  expect(listed.isError, `get_work_items after ${context}: ${JSON.stringify(listed.data).slice(0, 200)}`).toBe(false);
}

const WRITES_ON_BOARD: [string, Record<string, unknown>][] = [
  ["add_item", { description: "Nouvelle tâche trouvée en route" }],
  ["claim_item", { description: "Tâche 7 — réécrire le module n°7 et vérifier les cas limites", agent_id: "alpha" }],
  ["complete_item", { description: "Tâche 3 — réécrire le module n°3 et vérifier les cas limites", agent_id: "alpha" }],
  ["release_item", { description: "Tâche 4 — réécrire le module n°4 et vérifier les cas limites", agent_id: "alpha" }],
];
const MEMORY_WRITES: [string, Record<string, unknown>][] = [
  ["update_agent_memory", { section: "notes", content: "une note de plus", append: true, agent_id: "alpha" }],
  ["update_agent_memory", { section: "scratchpad", content: "tout remplacer", agent_id: "alpha" }],
];

describe(`disk full: a ${TMPFS_SIZE} tmpfs mounted for the suite, through a spawned server`, () => {
  beforeEach(async () => {
    await emptyMount(requireMount());
  });

  it("with 0 bytes free, every write (add, claim, complete, release, memory) returns file_error and changes nothing", async () => {
    const mount = requireMount();
    const root = await project(mount, "board+memory");
    const server = await spawnServer(["--root", root]);
    expect(await readdir(join(root, ".hfs"))).toEqual(["agents", "state.md"]);
    expect(fillDisk(mount, 0), "the tmpfs should be completely full").toBe(0);
    for (const [tool, args] of [...WRITES_ON_BOARD, ...MEMORY_WRITES]) await expectDiskFailure(server, root, tool, args);
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(bigBoard());
    expect(await readFile(join(root, ".hfs", "agents", "alpha.md"), "utf8")).toBe(bigMemory());
  });

  it("with 8 KiB free (less than each file), the write is cut short: file_error, nothing changed, no temp file left", async () => {
    const mount = requireMount();
    const root = await project(mount, "board+memory");
    const server = await spawnServer(["--root", root]);
    const free = fillDisk(mount, 8 * 1024);
    // The condition under test: some bytes fit, the whole file does not, so the writer sees a short write.
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThan(Buffer.byteLength(bigMemory()));
    expect(free).toBeLessThan(Buffer.byteLength(bigBoard()));
    for (const [tool, args] of [...WRITES_ON_BOARD, ...MEMORY_WRITES]) {
      await expectDiskFailure(server, root, tool, args);
      // The failed write gave its pages back: the next one meets the same conditions.
      expect(freeBytes(mount)).toBe(free);
    }
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(bigBoard());
    expect(await readFile(join(root, ".hfs", "agents", "alpha.md"), "utf8")).toBe(bigMemory());
  });

  it("a first write on a full disk, in a root without .hfs/, creates nothing: no board and no .hfs/ folder", async () => {
    const mount = requireMount();
    const fresh = await project(mount, "no-hfs");
    const server = await spawnServer(["--root", fresh]);
    expect(fillDisk(mount, 0)).toBe(0);
    await expectDiskFailure(server, fresh, "add_item", { description: "Première tâche" });
    await expectDiskFailure(server, fresh, "update_agent_memory", { section: "notes", content: "x", agent_id: "alpha" });
    expect(await readdir(fresh)).toEqual([]);
  });

  it("a first memory save on a full disk creates no agents/ folder", async () => {
    const mount = requireMount();
    const root = await project(mount, "no-agents");
    const server = await spawnServer(["--root", root]);
    expect(fillDisk(mount, 0)).toBe(0);
    await expectDiskFailure(server, root, "update_agent_memory", { section: "notes", content: "x", agent_id: "bravo" });
    expect(await readdir(join(root, ".hfs"))).not.toContain("agents");
  });

  it("once space is freed, the next writes succeed and land whole", async () => {
    const mount = requireMount();
    const root = await project(mount, "board+memory");
    const server = await spawnServer(["--root", root]);
    expect(fillDisk(mount, 0)).toBe(0);
    const [claimTool, claimArgs] = WRITES_ON_BOARD[1]!;
    await expectDiskFailure(server, root, claimTool, claimArgs);
    await expectDiskFailure(server, root, "update_agent_memory", MEMORY_WRITES[0]![1]);

    await rm(join(mount, "junk"));
    expect(freeBytes(mount)).toBeGreaterThan(200 * 1024 - Buffer.byteLength(bigBoard()) - Buffer.byteLength(bigMemory()));
    const claimed = await call(server.client, claimTool, claimArgs);
    expect(claimed.data).toMatchObject({ success: true, status: "in_progress", claimed_by: "alpha", line: 12 });
    figures.writesAfterFreeing++;
    const memory = await call(server.client, "update_agent_memory", MEMORY_WRITES[0]![1]);
    expect(memory.data).toMatchObject({ success: true, agent_id: "alpha", section: "notes" });
    figures.writesAfterFreeing++;
    const added = await call(server.client, "add_item", { description: "Nouvelle tâche trouvée en route" });
    expect(added.data).toMatchObject({ success: true, line: HEAD.split("\n").length + ITEMS });
    figures.writesAfterFreeing++;

    const expectedBoard = bigBoard()
      .replace(`${itemLine(7)}\n`, `${itemLine(7)} [IP:alpha]\n`)
      .replace(`${itemLine(ITEMS - 1)}\n`, `${itemLine(ITEMS - 1)}\n- [ ] Nouvelle tâche trouvée en route\n`);
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(expectedBoard);
    expect(await readFile(join(root, ".hfs", "agents", "alpha.md"), "utf8")).toBe(bigMemory().replace(/\n$/, "\nune note de plus\n"));
    expect(await leftovers(join(root, ".hfs"), [server.pid!])).toMatchObject({ temps: [], lockHeld: false });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// An unwritable `.hfs`. Root ignores permission bits (chmod 0555 would change nothing), so use what binds root
// too: a read-only bind mount, and the immutable attribute.

const SMALL_BOARD = "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n- [ ] Write tests [IP:alpha]\n";
const ALPHA_MEMORY = "# Agent Memory: alpha\n\n## Scratchpad\n\n## Subtasks\n\n## Notes\n\nkeep me\n";

const undo: (() => void)[] = [];

afterEach(() => {
  // Undo mounts and attributes before temp-root's clean-up, which could not remove them otherwise.
  for (const step of undo.splice(0).reverse()) {
    try {
      step();
    } catch (error) {
      console.error(`clean-up failed: ${(error as Error).message}`);
    }
  }
});

function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: "pipe" });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`\`${command} ${args.join(" ")}\` failed here: ${stderr || (error as Error).message}`);
  }
}

async function smallProject(): Promise<string> {
  const root = await tempRoot();
  await mkdir(join(root, ".hfs", "agents"), { recursive: true });
  await writeFile(join(root, ".hfs", "state.md"), SMALL_BOARD);
  await writeFile(join(root, ".hfs", "agents", "alpha.md"), ALPHA_MEMORY);
  return root;
}

async function expectUnwritable(server: SpawnedServer, root: string, tool: string, args: Record<string, unknown>): Promise<void> {
  const live = [server.pid!];
  const before = withoutParkedLocks(await snapshotTree(root), live);
  const reply = await call(server.client, tool, args);
  figures.unwritableCalls++;
  if (reply.data.reason === "file_error") figures.unwritableFileErrors++;
  const context = `${tool}(${JSON.stringify(args)}) → ${JSON.stringify(reply.data).slice(0, 300)}`;
  expect(reply.isError, context).toBe(true);
  expect(reply.data.reason, context).toBe("file_error");
  expect(withoutParkedLocks(await snapshotTree(root), live), `files changed by the failed ${context}`).toEqual(before);
  expect(await leftovers(join(root, ".hfs"), live)).toMatchObject({ temps: [], lockHeld: false });
  const listed = await call(server.client, "get_work_items", {});
  expect(listed.data).toMatchObject({ success: true, counts: { available: 1, in_progress: 1, completed: 0 } });
}

const ALL_WRITES: [string, Record<string, unknown>][] = [
  ["add_item", { description: "Another item" }],
  ["claim_item", { description: "Build auth", agent_id: "alpha" }],
  ["complete_item", { description: "Write tests", agent_id: "alpha" }],
  ["release_item", { description: "Write tests", agent_id: "alpha" }],
  ["update_agent_memory", { section: "notes", content: "more", append: true, agent_id: "alpha" }],
];

describe("an unwritable .hfs (root bypasses chmod, so: a read-only bind mount, chattr +i)", () => {
  it("on a read-only bind mount of .hfs (EROFS), every write returns file_error and changes nothing", async () => {
    const root = await smallProject();
    const hfs = join(root, ".hfs");
    run("mount", ["--bind", hfs, hfs]);
    undo.push(() => execFileSync("umount", [hfs], { stdio: "pipe" }));
    run("mount", ["-o", "remount,bind,ro", hfs]);
    await expect(writeFile(join(hfs, "probe"), "x"), "the bind mount should be read-only").rejects.toMatchObject({ code: "EROFS" });
    const server = await spawnServer(["--root", root]);
    for (const [tool, args] of ALL_WRITES) await expectUnwritable(server, root, tool, args);
  });

  it("with an immutable state.md (chattr +i): the temp file is written, the rename is refused, and the temp file is removed", async () => {
    const root = await smallProject();
    const board = join(root, ".hfs", "state.md");
    run("chattr", ["+i", board]);
    undo.push(() => execFileSync("chattr", ["-i", board], { stdio: "pipe" }));
    await expect(writeFile(board, "x"), "state.md should be immutable").rejects.toMatchObject({ code: "EPERM" });
    const server = await spawnServer(["--root", root]);
    for (const [tool, args] of ALL_WRITES.slice(0, 4)) await expectUnwritable(server, root, tool, args);
    // The memory file is not immutable: its write still works, so the failures above were the board's alone.
    const saved = await call(server.client, "update_agent_memory", ALL_WRITES[4]![1]);
    expect(saved.data).toMatchObject({ success: true });
    expect(await readFile(join(root, ".hfs", "agents", "alpha.md"), "utf8")).toBe(`${ALPHA_MEMORY}more\n`);
  });

  it("with an immutable agents/ folder (chattr +i): the temp file cannot be created, memory writes return file_error", async () => {
    const root = await smallProject();
    const agents = join(root, ".hfs", "agents");
    run("chattr", ["+i", agents]);
    undo.push(() => execFileSync("chattr", ["-i", agents], { stdio: "pipe" }));
    await expect(writeFile(join(agents, "probe.md"), "x"), "agents/ should be immutable").rejects.toMatchObject({ code: "EPERM" });
    const server = await spawnServer(["--root", root]);
    await expectUnwritable(server, root, "update_agent_memory", ALL_WRITES[4]![1]);
    await expectUnwritable(server, root, "update_agent_memory", { section: "notes", content: "first save", agent_id: "bravo" });
    // The board is not affected.
    expect((await call(server.client, "claim_item", ALL_WRITES[1]![1])).data).toMatchObject({ success: true });
  });
});
