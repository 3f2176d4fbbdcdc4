import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect } from "vitest";
import { call } from "../../helpers/clients.js";
import { PARKED_LOCK } from "../../helpers/parked-locks.js";

/** Shared by the tool suites: fixture boards, a whole-tree snapshot, and the checks every failure must pass. */

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export async function fixture(name: string): Promise<Buffer> {
  return readFile(join(FIXTURES, name));
}

export function stateFile(root: string): string {
  return join(root, ".hfs", "state.md");
}

export function agentFile(root: string, id: string): string {
  return join(root, ".hfs", "agents", `${id}.md`);
}

export async function writeBoard(root: string, content: string | Buffer): Promise<void> {
  await mkdir(join(root, ".hfs"), { recursive: true });
  await writeFile(stateFile(root), content);
}

export async function readBoard(root: string): Promise<Buffer> {
  return readFile(stateFile(root));
}

/** Replace exactly one whole line (LF board) and fail loudly if the expectation's anchor is not there once. */
export function replaceLine(text: string, from: string, to: string): string {
  const lines = text.split("\n");
  const at = lines.filter((line) => line === from);
  if (at.length !== 1) throw new Error(`fixture has ${at.length} lines equal to \`${from}\`, expected exactly 1`);
  return lines.map((line) => (line === from ? to : line)).join("\n");
}

/** Ids the spec rejects with `invalid_input` (path tricks, separators, NUL, case, Windows device names, length). */
export const BAD_AGENT_IDS = ["../state", "a/b", "a\\b", "a\u0000b", "Agent-1", "con", "nul", "com1", "lpt9", "a".repeat(65)];

export type TreeEntry = { kind: "dir" } | { kind: "file"; bytes: string } | { kind: "symlink"; target: string } | { kind: "other" };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Every path under `root` (symlinks recorded, not followed) with each file's exact bytes: readable text when it
 * is UTF-8 and small, base64 otherwise, a sha256 for big files. Equal snapshots mean nothing was written,
 * created, removed or renamed. Leaves out one thing: the lock directories a *live* server parks in `.hfs/`
 * between writes (`.lock.<pid>.<hex>.hfs-tmp`, and `.lock-turn.…` once it has waited for a turn; see
 * src/store/dir-lock.ts). They are the server's own bookkeeping, removed when the server exits; not a change
 * to anyone's files.
 */
export async function snapshotTree(root: string): Promise<Record<string, TreeEntry>> {
  const tree: Record<string, TreeEntry> = {};
  const visit = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (prefix === ".hfs" && isLiveParkedLock(name)) continue;
      const path = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const info = await lstat(path);
      if (info.isSymbolicLink()) tree[rel] = { kind: "symlink", target: await readlink(path) };
      else if (info.isDirectory()) {
        tree[rel] = { kind: "dir" };
        await visit(path, rel);
      } else if (info.isFile()) tree[rel] = { kind: "file", bytes: describeBytes(await readFile(path)) };
      else tree[rel] = { kind: "other" };
    }
  };
  await visit(root, "");
  return tree;
}

function isLiveParkedLock(name: string): boolean {
  if (!PARKED_LOCK.test(name)) return false;
  try {
    process.kill(Number(name.split(".")[2]), 0);
    return true;
  } catch {
    return false;
  }
}

function describeBytes(data: Buffer): string {
  if (data.length > 256 * 1024) return `sha256:${createHash("sha256").update(data).digest("hex")} (${data.length} bytes)`;
  try {
    return `utf8:${strictUtf8.decode(data)}`;
  } catch {
    return `base64:${data.toString("base64")}`;
  }
}

/**
 * Make `tool(args)` fail and check everything the spec promises about failures: `isError`, `success: false`,
 * the expected `reason`, a non-empty `hint` and text, every file under the root unchanged byte for byte (and
 * nothing created), and a server that still answers a good call afterwards. Returns the structured failure.
 */
export async function expectFailure(
  client: Client,
  root: string,
  tool: string,
  args: Record<string, unknown>,
  reason: string,
): Promise<Record<string, any>> {
  const before = await snapshotTree(root);
  const reply = await call(client, tool, args);
  const context = `${tool}(${JSON.stringify(args)?.slice(0, 200)}) → ${JSON.stringify(reply.data).slice(0, 400)}`;
  expect(reply.isError, context).toBe(true);
  expect(reply.data.success, context).toBe(false);
  expect(reply.data.reason, context).toBe(reason);
  expect(typeof reply.data.hint, context).toBe("string");
  expect((reply.data.hint as string).trim(), context).not.toBe("");
  expect(reply.text.trim(), context).not.toBe("");
  expect(await snapshotTree(root), `files changed by the failed call ${context}`).toEqual(before);
  await expectStillServing(client, reason !== "file_error");
  expect(await snapshotTree(root), "files changed by a read after the failed call").toEqual(before);
  return reply.data;
}

/**
 * The server survived: it answers a ping and a read-only tool call with a structured reply — a success unless
 * the root's files are themselves broken (file_error cases, where the read fails the same structured way).
 */
export async function expectStillServing(client: Client, expectSuccess = true): Promise<void> {
  await client.ping();
  const reply = await call(client, "get_work_items", {});
  if (expectSuccess) expect(reply.data, "a good call after the failure").toMatchObject({ success: true });
  else expect(typeof reply.data.success, "a structured reply after the failure").toBe("boolean");
}

/**
 * Hold the `.hfs` lock the way docs/lock-protocol.md says another process would: `mkdir .hfs/.lock` and an owner
 * file `owner~<pid>~<host>~<nonce>` naming this live test process, so no server may treat it as stale.
 * Returns the function that releases it.
 */
export async function holdLock(root: string): Promise<() => Promise<void>> {
  const lockDir = join(root, ".hfs", ".lock");
  await mkdir(join(root, ".hfs"), { recursive: true });
  await mkdir(lockDir);
  await writeFile(join(lockDir, `owner~${process.pid}~${hostname()}~${randomBytes(8).toString("hex")}`), "");
  return () => rm(lockDir, { recursive: true, force: true });
}

/** A small board with one available item and one held by `alpha`: every item tool has something to act on. */
export const SMALL_BOARD = "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n- [ ] Write tests [IP:alpha]\n";

/** A valid board that is just over the 5 MiB limit. */
export function oversizedBoard(): Buffer {
  const head = Buffer.from(`${SMALL_BOARD}\n`);
  const body = Buffer.alloc(5 * 1024 * 1024 + 1 - head.length, "a");
  return Buffer.concat([head, body]);
}

/** A board whose item text holds a byte that is not UTF-8 (0xff). */
export function nonUtf8Board(): Buffer {
  return Buffer.concat([Buffer.from(`${SMALL_BOARD}- [ ] Caf`), Buffer.from([0xff]), Buffer.from("\n")]);
}

/**
 * Roots whose board must be refused with `file_error` and left untouched. The symlinked cases point at a
 * valid board inside the root, so the snapshot also proves the link's target was not written through.
 */
export const BROKEN_BOARDS: { name: string; make(root: string): Promise<void> }[] = [
  { name: "state.md is not valid UTF-8", make: (root) => writeBoard(root, nonUtf8Board()) },
  { name: "state.md is over 5 MiB", make: (root) => writeBoard(root, oversizedBoard()) },
  {
    name: "state.md is a symlink",
    make: async (root) => {
      await mkdir(join(root, ".hfs"));
      await writeFile(join(root, "real-board.md"), SMALL_BOARD);
      await symlink(join(root, "real-board.md"), stateFile(root));
    },
  },
  {
    name: ".hfs is a symlink to another directory",
    make: async (root) => {
      await mkdir(join(root, "elsewhere"));
      await writeFile(join(root, "elsewhere", "state.md"), SMALL_BOARD);
      await symlink(join(root, "elsewhere"), join(root, ".hfs"));
    },
  },
  {
    name: "state.md is a directory",
    make: async (root) => {
      await mkdir(stateFile(root), { recursive: true });
    },
  },
];

/** `alpha`'s memory file as the template writes it, with nothing saved yet. */
export const ALPHA_TEMPLATE = "# Agent Memory: alpha\n\n## Scratchpad\n\n## Subtasks\n\n## Notes\n";

/** Roots whose memory file for `alpha` must be refused with `file_error` and left untouched. */
export const BROKEN_MEMORIES: { name: string; make(root: string): Promise<void> }[] = [
  {
    name: "agents/alpha.md is a symlink",
    make: async (root) => {
      await mkdir(join(root, ".hfs", "agents"), { recursive: true });
      await writeFile(join(root, "real-memory.md"), ALPHA_TEMPLATE);
      await symlink(join(root, "real-memory.md"), agentFile(root, "alpha"));
    },
  },
  {
    name: "agents/alpha.md is not valid UTF-8",
    make: async (root) => {
      await mkdir(join(root, ".hfs", "agents"), { recursive: true });
      await writeFile(agentFile(root, "alpha"), Buffer.concat([Buffer.from(`${ALPHA_TEMPLATE}caf`), Buffer.from([0xe9, 0x0a])]));
    },
  },
  {
    name: "agents/alpha.md is over 5 MiB",
    make: async (root) => {
      await mkdir(join(root, ".hfs", "agents"), { recursive: true });
      await writeFile(agentFile(root, "alpha"), Buffer.concat([Buffer.from(ALPHA_TEMPLATE), Buffer.alloc(5 * 1024 * 1024, "n")]));
    },
  },
  {
    name: "the agents directory is a symlink",
    make: async (root) => {
      await mkdir(join(root, ".hfs"));
      await mkdir(join(root, "other-agents"));
      await writeFile(join(root, "other-agents", "alpha.md"), ALPHA_TEMPLATE);
      await symlink(join(root, "other-agents"), join(root, ".hfs", "agents"));
    },
  },
  {
    name: ".hfs is a symlink to another directory",
    make: async (root) => {
      await mkdir(join(root, "elsewhere", "agents"), { recursive: true });
      await writeFile(join(root, "elsewhere", "agents", "alpha.md"), ALPHA_TEMPLATE);
      await symlink(join(root, "elsewhere"), join(root, ".hfs"));
    },
  },
];
