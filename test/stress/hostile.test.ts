import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { CLI_PATH, type SpawnedServer, spawnServer, type ToolReply } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { snapshotTree } from "../mcp/tools/support.js";
import { leftovers, withoutParkedLocks } from "./hfs-leftovers.js";

/**
 * Item 6 of issue 4: hostile input and hostile files, through spawned servers as agents meet them. For each:
 * the right `reason`, every file under the project *and beside it* unchanged (each case lays out
 * `<base>/project` and a sibling `<base>/outside` holding the files a link points at, and snapshots `<base>`),
 * no temp file or held lock left, every reply within CALL_BOUND_MS, and the server still answering afterwards.
 *
 * Boards of pathological shape may be refused (`file_error`) or served — but served correctly, and either way
 * the reply comes within the bound: a parse that takes minutes blocks every call of that server.
 */

const CALL_BOUND_MS = 10_000;
const NORMAL_BOARD =
  "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n- [ ] Write tests [IP:alpha]\n\n## In Progress\n\n## Completed\n";
const ALPHA_MEMORY = "# Agent Memory: alpha\n\n## Scratchpad\n\n## Subtasks\n\n## Notes\n\nkeep me\n";

const figures = { cases: 0, calls: 0, wrongReason: 0, filesChanged: 0, overBound: 0, maxCallMs: 0 };

afterAll(() => {
  console.log(
    `FIGURES hostile: cases=${figures.cases} calls=${figures.calls} wrong_reason=${figures.wrongReason} ` +
      `files_changed=${figures.filesChanged} replies_over_${CALL_BOUND_MS / 1000}s=${figures.overBound} ` +
      `slowest_reply_ms=${figures.maxCallMs.toFixed(0)}`,
  );
});

// Servers stuck in a system call cannot run their SIGTERM handler: SIGKILL them before the client helper's
// clean-up waits on a graceful stop.
const spawned: SpawnedServer[] = [];
afterEach(() => {
  for (const server of spawned.splice(0)) {
    try {
      process.kill(server.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

async function server(root: string, agentId?: string): Promise<SpawnedServer> {
  const started = await spawnServer(["--root", root, ...(agentId ? ["--agent-id", agentId] : [])]);
  spawned.push(started);
  return started;
}

interface Layout {
  base: string;
  root: string;
  hfs: string;
  outside: string;
}

/** `<base>/project/.hfs/` (empty) and `<base>/outside/` holding a board, a memory file and an agents folder. */
async function layout(): Promise<Layout> {
  const base = await tempRoot();
  const root = join(base, "project");
  const hfs = join(root, ".hfs");
  const outside = join(base, "outside");
  await mkdir(hfs, { recursive: true });
  await mkdir(join(outside, "hfs", "agents"), { recursive: true });
  await mkdir(join(outside, "agents"), { recursive: true });
  await writeFile(join(outside, "board.md"), NORMAL_BOARD);
  await writeFile(join(outside, "memory.md"), ALPHA_MEMORY);
  await writeFile(join(outside, "hfs", "state.md"), NORMAL_BOARD);
  await writeFile(join(outside, "hfs", "agents", "alpha.md"), ALPHA_MEMORY);
  await writeFile(join(outside, "agents", "alpha.md"), ALPHA_MEMORY);
  return { base, root, hfs, outside };
}

/** A tool call that must be answered within the bound; a timeout or a dropped connection is reported, not thrown. */
async function timedCall(
  client: Client,
  tool: string,
  args: Record<string, unknown>,
): Promise<{ reply?: ToolReply; error?: string; ms: number }> {
  const started = performance.now();
  try {
    const result = (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: CALL_BOUND_MS })) as CallToolResult;
    const first = result.content[0];
    const reply: ToolReply = {
      isError: result.isError === true,
      data: (result.structuredContent ?? {}) as Record<string, any>,
      text: first?.type === "text" ? first.text : "",
    };
    return { reply, ms: record(performance.now() - started) };
  } catch (error) {
    return { error: String(error), ms: record(performance.now() - started) };
  }
}

function record(ms: number): number {
  figures.calls++;
  figures.maxCallMs = Math.max(figures.maxCallMs, ms);
  if (ms >= CALL_BOUND_MS) figures.overBound++;
  return ms;
}

function describeCall(tool: string, args: Record<string, unknown>): string {
  return `${tool}(${JSON.stringify(args, (_key, value: unknown) => (typeof value === "string" && value.length > 60 ? `${value.slice(0, 40)}…(${value.length} chars)` : value))})`;
}

/** The call must fail with `reason` (and `field`) within the bound, changing nothing anywhere under `base`. */
async function expectRefused(
  srv: SpawnedServer,
  base: string,
  tool: string,
  args: Record<string, unknown>,
  reason: string,
  field?: string,
): Promise<void> {
  const live = [srv.pid!];
  const before = withoutParkedLocks(await snapshotTree(base), live);
  const { reply, error, ms } = await timedCall(srv.client, tool, args);
  const context = `${describeCall(tool, args)} → ${error ?? JSON.stringify(reply?.data).slice(0, 300)} in ${ms.toFixed(0)} ms`;
  expect(error, context).toBeUndefined();
  if (reply!.data.reason !== reason) figures.wrongReason++;
  const after = withoutParkedLocks(await snapshotTree(base), live);
  if (JSON.stringify(after) !== JSON.stringify(before)) figures.filesChanged++;
  expect(ms, context).toBeLessThan(CALL_BOUND_MS);
  expect(reply!.isError, context).toBe(true);
  expect(reply!.data.success, context).toBe(false);
  expect(reply!.data.reason, context).toBe(reason);
  if (field !== undefined) expect(reply!.data.field, context).toBe(field);
  expect(String(reply!.data.hint ?? "").trim(), context).not.toBe("");
  expect(after, `files changed by ${context}`).toEqual(before);
  for (const hfs of await hfsDirs(base)) {
    expect(await leftovers(hfs, live), `leftovers of ${context}`).toMatchObject({ temps: [], lockHeld: false });
  }
}

async function hfsDirs(base: string): Promise<string[]> {
  return [join(base, "project", ".hfs"), join(base, "outside", "hfs")].filter((dir) => existsSync(dir));
}

/**
 * The server still works: it answers a ping within the bound, and once the project holds a normal board again
 * (the hostile files removed), lists it correctly within the bound.
 */
async function expectStillServing(srv: SpawnedServer, root: string): Promise<void> {
  const started = performance.now();
  await srv.client.ping({ timeout: CALL_BOUND_MS });
  expect(record(performance.now() - started), "ping after the hostile call").toBeLessThan(CALL_BOUND_MS);
  await rm(join(root, ".hfs"), { recursive: true, force: true });
  await mkdir(join(root, ".hfs"));
  await writeFile(join(root, ".hfs", "state.md"), NORMAL_BOARD);
  const { reply, error, ms } = await timedCall(srv.client, "get_work_items", {});
  expect(error, "get_work_items on a normal board afterwards").toBeUndefined();
  expect(ms).toBeLessThan(CALL_BOUND_MS);
  expect(reply!.data).toMatchObject({ success: true, counts: { available: 1, in_progress: 1, completed: 0 } });
}

// ---------------------------------------------------------------------------------------------------------------

describe("hostile files: links and special files in .hfs/, through a spawned server", () => {
  const cases: { name: string; make(l: Layout): Promise<void>; calls: [string, Record<string, unknown>][]; absent?: string }[] = [
    {
      name: ".hfs is a symlink to a folder outside the project",
      make: async (l) => {
        await rm(l.hfs, { recursive: true });
        await symlink(join(l.outside, "hfs"), l.hfs);
      },
      calls: [
        ["get_work_items", {}],
        ["claim_item", { description: "Build auth", agent_id: "alpha" }],
        ["complete_item", { description: "Write tests", agent_id: "alpha" }],
        ["add_item", { description: "Injected" }],
        ["update_agent_memory", { section: "notes", content: "pwned", agent_id: "alpha" }],
        ["get_agent_memory", { agent_id: "alpha" }],
      ],
    },
    {
      name: "state.md is a symlink to a board outside the project",
      make: (l) => symlink(join(l.outside, "board.md"), join(l.hfs, "state.md")),
      calls: [
        ["get_work_items", {}],
        ["claim_item", { description: "Build auth", agent_id: "alpha" }],
        ["complete_item", { description: "Write tests", agent_id: "alpha" }],
        ["release_item", { description: "Write tests", agent_id: "alpha" }],
        ["add_item", { description: "Injected" }],
      ],
    },
    {
      name: "state.md is a dangling symlink: a write must not create its target",
      make: (l) => symlink(join(l.outside, "new-board.md"), join(l.hfs, "state.md")),
      calls: [
        ["get_work_items", {}],
        ["add_item", { description: "Injected" }],
        ["claim_item", { description: "Build auth", agent_id: "alpha" }],
      ],
      absent: "new-board.md",
    },
    {
      name: "agents/alpha.md is a symlink to a file outside the project",
      make: async (l) => {
        await writeFile(join(l.hfs, "state.md"), NORMAL_BOARD);
        await mkdir(join(l.hfs, "agents"));
        await symlink(join(l.outside, "memory.md"), join(l.hfs, "agents", "alpha.md"));
      },
      calls: [
        ["update_agent_memory", { section: "notes", content: "pwned", agent_id: "alpha" }],
        ["update_agent_memory", { section: "notes", content: "pwned", append: true, agent_id: "alpha" }],
        ["get_agent_memory", { agent_id: "alpha" }],
      ],
    },
    {
      name: "agents/alpha.md is a dangling symlink: a memory save must not create its target",
      make: async (l) => {
        await mkdir(join(l.hfs, "agents"));
        await symlink(join(l.outside, "new-memory.md"), join(l.hfs, "agents", "alpha.md"));
      },
      calls: [
        ["update_agent_memory", { section: "notes", content: "pwned", agent_id: "alpha" }],
        ["get_agent_memory", { agent_id: "alpha" }],
      ],
      absent: "new-memory.md",
    },
    {
      name: "agents/ is a symlink to a folder outside the project",
      make: async (l) => {
        await writeFile(join(l.hfs, "state.md"), NORMAL_BOARD);
        await symlink(join(l.outside, "agents"), join(l.hfs, "agents"));
      },
      calls: [
        ["update_agent_memory", { section: "notes", content: "pwned", agent_id: "alpha" }],
        ["update_agent_memory", { section: "notes", content: "first save", agent_id: "bravo" }],
        ["get_agent_memory", { agent_id: "alpha" }],
      ],
    },
    {
      name: "state.md is a named pipe (opening it for reading would block until someone writes)",
      make: async (l) => {
        execFileSync("mkfifo", [join(l.hfs, "state.md")]);
      },
      calls: [
        ["get_work_items", {}],
        ["claim_item", { description: "Build auth", agent_id: "alpha" }],
        ["add_item", { description: "Injected" }],
      ],
    },
    {
      name: "agents/alpha.md is a named pipe",
      make: async (l) => {
        await writeFile(join(l.hfs, "state.md"), NORMAL_BOARD);
        await mkdir(join(l.hfs, "agents"));
        execFileSync("mkfifo", [join(l.hfs, "agents", "alpha.md")]);
      },
      calls: [
        ["get_agent_memory", { agent_id: "alpha" }],
        ["update_agent_memory", { section: "notes", content: "x", agent_id: "alpha" }],
      ],
    },
    {
      name: "state.md is a character device (a copy of /dev/zero, made with mknod)",
      make: async (l) => {
        execFileSync("mknod", [join(l.hfs, "state.md"), "c", "1", "5"]);
      },
      calls: [
        ["get_work_items", {}],
        ["claim_item", { description: "Build auth", agent_id: "alpha" }],
        ["add_item", { description: "Injected" }],
      ],
    },
  ];

  for (const testCase of cases) {
    it(`${testCase.name}: file_error, nothing written inside or outside, the server still serving`, async () => {
      figures.cases++;
      const l = await layout();
      await testCase.make(l);
      const srv = await server(l.root);
      for (const [tool, args] of testCase.calls) await expectRefused(srv, l.base, tool, args, "file_error");
      if (testCase.absent) expect(existsSync(join(l.outside, testCase.absent)), `${testCase.absent} was created`).toBe(false);
      await expectStillServing(srv, l.root);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe("hostile files: someone deletes .hfs/ or its temp-named entries while a server runs", () => {
  for (const [name, remove] of [
    ["the whole .hfs/ folder is deleted and recreated", (hfs: string) => rm(hfs, { recursive: true, force: true })],
    [
      "every *.hfs-tmp entry in .hfs/ is deleted (a person tidying up)",
      async (hfs: string) => {
        for (const entry of await readdir(hfs))
          if (entry.endsWith(".hfs-tmp")) await rm(join(hfs, entry), { recursive: true, force: true });
      },
    ],
  ] as const) {
    it(`${name}: the server's next writes still work`, async () => {
      figures.cases++;
      const l = await layout();
      await writeFile(join(l.hfs, "state.md"), NORMAL_BOARD);
      const srv = await server(l.root, "alpha");
      const first = await timedCall(srv.client, "claim_item", { description: "Build auth" });
      expect(first.reply?.data).toMatchObject({ success: true });
      await remove(l.hfs);
      await mkdir(l.hfs, { recursive: true });
      await writeFile(join(l.hfs, "state.md"), NORMAL_BOARD);
      for (const [tool, args] of [
        ["claim_item", { description: "Build auth" }],
        ["complete_item", { description: "Build auth" }],
        ["update_agent_memory", { section: "notes", content: "still here" }],
      ] as const) {
        const { reply, error, ms } = await timedCall(srv.client, tool, args);
        const context = `${describeCall(tool, args)} → ${error ?? JSON.stringify(reply?.data).slice(0, 300)}`;
        expect(ms, context).toBeLessThan(CALL_BOUND_MS);
        expect(reply?.data, context).toMatchObject({ success: true });
      }
      expect(await readFile(join(l.hfs, "state.md"), "utf8")).toBe(NORMAL_BOARD.replace("- [ ] Build auth", "- [x] Build auth"));
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Boards of every hostile shape. `strict`: must be refused with file_error. Otherwise the server may refuse the
// board (file_error) or serve it — correctly: the listed items, and a claim that changes exactly one line.

interface Shape {
  name: string;
  bytes(): Buffer;
  strict?: boolean;
  /** For boards that may be served: how many items, and one to claim (description, 1-based line). */
  items?: number;
  claim?: { description: string; line: number };
}

function lines(count: number, line: (i: number) => string): string {
  return `${Array.from({ length: count }, (_, i) => line(i)).join("\n")}\n`;
}

const MiB = 1024 * 1024;
const SHAPES: Shape[] = [
  { name: "empty (0 bytes)", bytes: () => Buffer.alloc(0), items: 0 },
  {
    name: "binary (a PNG header and random bytes)",
    bytes: () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64 * 1024)]),
    strict: true,
  },
  { name: "not UTF-8 (Latin-1 `Café`)", bytes: () => Buffer.from(`${NORMAL_BOARD}- [ ] Caf\xe9\n`, "latin1"), strict: true },
  {
    name: "UTF-16 with a BOM",
    bytes: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(NORMAL_BOARD, "utf16le")]),
    strict: true,
  },
  {
    name: "6 MiB (over the 5 MiB limit)",
    bytes: () =>
      Buffer.from(NORMAL_BOARD + lines((6 * MiB) / 64, (i) => `- [ ] filler item ${String(i).padStart(8, "0")} ${"z".repeat(35)}`)),
    strict: true,
  },
  {
    name: "valid UTF-8 garbage: 64 KiB of random ASCII control and text bytes, NULs included",
    bytes: () => Buffer.from(randomBytes(64 * 1024).map((b) => b & 0x7f)),
  },
  {
    name: "a single 1 MiB line (a paragraph) below the items",
    bytes: () => Buffer.from(`${NORMAL_BOARD}\n${"word ".repeat(MiB / 5)}\n`),
    items: 2,
    claim: { description: "Build auth", line: 5 },
  },
  {
    name: "a single 1 MiB item line",
    bytes: () => Buffer.from(`${NORMAL_BOARD}\n- [ ] ${"y".repeat(MiB)}\n`),
    items: 3,
    claim: { description: "Build auth", line: 5 },
  },
  {
    name: "a list nested 1,000 levels deep",
    bytes: () => Buffer.from(lines(1000, (i) => `${"  ".repeat(i)}- [ ] n${i}`)),
    items: 1000,
    claim: { description: "n999", line: 1000 },
  },
  {
    name: "a list nested 1,000 levels deep on one line (`- - - … [ ] x`)",
    bytes: () => Buffer.from(`${"- ".repeat(1000)}[ ] deepest\n- [ ] Build auth\n`),
  },
  {
    name: "blockquotes nested 1,000 levels deep",
    bytes: () => Buffer.from(lines(1000, (i) => `${"> ".repeat(i + 1)}- [ ] q${i}`)),
    items: 1000,
    claim: { description: "q999", line: 1000 },
  },
  {
    name: "5,000 headings, each with an item",
    bytes: () => Buffer.from(lines(5000, (i) => `## Heading ${i}\n\n- [ ] h${i}\n`)),
    items: 5000,
    claim: { description: "h4999", line: 5000 * 4 - 1 },
  },
  {
    name: "400 lists nested 60 levels deep each (24,000 lines, under a per-line nesting limit)",
    bytes: () => Buffer.from(lines(400, (list) => lines(60, (i) => `${"  ".repeat(i)}- [ ] l${list} n${i}`))),
    items: 24_000,
    claim: { description: "l399 n59", line: 399 * 61 + 60 },
  },
  {
    name: "40,000 unclosed link openers `[a](` in a paragraph (160 KB)",
    bytes: () => Buffer.from(`${NORMAL_BOARD}\n${"[a](".repeat(40_000)}\n`),
    items: 2,
    claim: { description: "Build auth", line: 5 },
  },
  {
    name: "4 MiB of blank lines",
    bytes: () => Buffer.from(`- [ ] Build auth\n${"\n".repeat(4 * MiB)}`),
    items: 1,
    claim: { description: "Build auth", line: 1 },
  },
];

describe("hostile boards, through a spawned server: refused with file_error or served correctly, always within the bound", () => {
  for (const shape of SHAPES) {
    it(`${shape.name}`, async () => {
      figures.cases++;
      const l = await layout();
      const bytes = shape.bytes();
      const board = join(l.hfs, "state.md");
      await writeFile(board, bytes);
      const srv = await server(l.root, "alpha");
      const live = [srv.pid!];

      // get_work_items
      const listed = await timedCall(srv.client, "get_work_items", {});
      let context = `get_work_items → ${listed.error ?? JSON.stringify(listed.reply?.data).slice(0, 300)} in ${listed.ms.toFixed(0)} ms`;
      expect(listed.error, context).toBeUndefined();
      expect(listed.ms, context).toBeLessThan(CALL_BOUND_MS);
      const refused = listed.reply!.data.reason === "file_error";
      if (shape.strict) expect(listed.reply!.data.reason, context).toBe("file_error");
      else if (!refused) {
        expect(listed.reply!.data.success, context).toBe(true);
        if (shape.items !== undefined) {
          const counts = listed.reply!.data.counts as { available: number; in_progress: number; completed: number };
          expect(counts.available + counts.in_progress + counts.completed, context).toBe(shape.items);
        }
      }
      expect((await readFile(board)).equals(bytes), "a read changed the board").toBe(true);

      // A claim: refused and nothing written, or exactly one line gains ` [IP:alpha]`.
      const claim = shape.claim ?? { description: "Build auth", line: undefined };
      const before = withoutParkedLocks(await snapshotTree(l.base), live);
      const claimed = await timedCall(srv.client, "claim_item", { description: claim.description });
      context = `claim_item(${claim.description}) → ${claimed.error ?? JSON.stringify(claimed.reply?.data).slice(0, 300)} in ${claimed.ms.toFixed(0)} ms`;
      expect(claimed.error, context).toBeUndefined();
      expect(claimed.ms, context).toBeLessThan(CALL_BOUND_MS);
      if (claimed.reply!.data.success === true) {
        expect(shape.strict, context).not.toBe(true);
        expect(claimed.reply!.data, context).toMatchObject({ claimed_by: "alpha", ...(claim.line ? { line: claim.line } : {}) });
        const was = bytes.toString("utf8").split("\n");
        const now = (await readFile(board, "utf8")).split("\n");
        const at = (claimed.reply!.data.line as number) - 1;
        expect(now[at], context).toBe(`${was[at]} [IP:alpha]`);
        now[at] = was[at]!;
        expect(now.join("\n") === was.join("\n"), `${context}: only the claimed line may change`).toBe(true);
      } else {
        const reason = claimed.reply!.data.reason as string;
        if (reason !== "file_error" && reason !== "not_found") figures.wrongReason++;
        if (shape.strict || shape.claim) expect(reason, context).toBe("file_error");
        else expect(["file_error", "not_found"], context).toContain(reason);
        const after = withoutParkedLocks(await snapshotTree(l.base), live);
        if (JSON.stringify(after) !== JSON.stringify(before)) figures.filesChanged++;
        expect(after, `files changed by ${context}`).toEqual(before);
      }

      if (shape.strict) {
        for (const [tool, args] of [
          ["add_item", { description: "Injected" }],
          ["complete_item", { description: "Build auth" }],
        ] as const) {
          await expectRefused(srv, l.base, tool, args, "file_error");
        }
        expect((await readFile(board)).equals(bytes), "the board changed").toBe(true);
      }
      expect(await leftovers(l.hfs, live)).toMatchObject({ temps: [], lockHeld: false });
      await expectStillServing(srv, l.root);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------

const BAD_IDS = [
  "..",
  "../state",
  "../../outside/board",
  "a/b",
  "a\\b",
  "a\u0000b",
  "Agent-1",
  "ALPHA",
  "con",
  "nul",
  "prn",
  "aux",
  "com1",
  "lpt9",
  "a".repeat(65),
  "",
  " alpha",
  "alpha\n",
  "-alpha",
  "alpha.md",
];
// Refused by add_item only: new text may not pose as a claim marker or hide what it says. claim/complete/release
// name existing items, and must reach every item get_work_items shows — a person may have typed `[IP:` or an
// invisible character into one — so for them these are just descriptions (that match no item here).
const ADD_ONLY_REFUSED = ["Build auth [IP:alpha]", "Build auth [IP:", "[IP:mallory] Build auth", "evil \u202e txt", "zero\u200bwidth"];
const BAD_DESCRIPTIONS = [
  "Build auth\n- [ ] Injected item",
  "Build auth\r- [ ] Injected item",
  ...ADD_ONLY_REFUSED,
  "d".repeat(10_000),
  "d".repeat(501),
  "bell \u0007",
  "escape \u001b[31mred",
  "nul \u0000 byte",
  "delete \u007f",
  "",
  "   ",
  "\t\n",
];

describe("hostile input, through a spawned server: invalid_input, nothing written anywhere", () => {
  it("bad agent ids, descriptions, sections, lines, memory contents and arguments each get invalid_input", async () => {
    figures.cases++;
    const l = await layout();
    await writeFile(join(l.hfs, "state.md"), NORMAL_BOARD);
    await mkdir(join(l.hfs, "agents"));
    await writeFile(join(l.hfs, "agents", "alpha.md"), ALPHA_MEMORY);
    const outsideBefore = await snapshotTree(l.outside);
    const srv = await server(l.root);
    const bad: [string, Record<string, unknown>, string | undefined][] = [];
    for (const id of BAD_IDS) {
      for (const tool of ["claim_item", "complete_item", "release_item"])
        bad.push([tool, { description: "Build auth", agent_id: id }, "agent_id"]);
      bad.push(["update_agent_memory", { section: "notes", content: "pwned", agent_id: id }, "agent_id"]);
      bad.push(["get_agent_memory", { agent_id: id }, "agent_id"]);
    }
    for (const description of BAD_DESCRIPTIONS) {
      bad.push(["add_item", { description }, "description"]);
      if (ADD_ONLY_REFUSED.includes(description)) continue;
      for (const tool of ["claim_item", "complete_item", "release_item"])
        bad.push([tool, { description, agent_id: "alpha" }, "description"]);
    }
    for (const section of ["Evil\n## Injected", "", "s".repeat(201), "nul \u0000"])
      bad.push(["add_item", { description: "Fine", section }, "section"]);
    for (const line of [0, -1, 1.5, "5", null]) bad.push(["claim_item", { description: "Build auth", line, agent_id: "alpha" }, "line"]);
    for (const content of [
      "m".repeat(64 * 1024 + 1),
      "é".repeat(32 * 1024 + 1),
      "m".repeat(MiB - 1024),
      "# Heading",
      "intro\n## Injected section",
      "text\n===",
    ]) {
      bad.push(["update_agent_memory", { section: "notes", content, agent_id: "alpha" }, "content"]);
    }
    bad.push(["update_agent_memory", { section: "todo", content: "x", agent_id: "alpha" }, "section"]);
    bad.push(["get_work_items", { status: "bogus" }, "status"]);
    bad.push(["claim_item", { description: 42, agent_id: "alpha" }, "description"]);
    bad.push(["drop_board", {}, undefined]);

    for (const [tool, args, field] of bad) await expectRefused(srv, l.base, tool, args, "invalid_input", field);
    for (const description of ADD_ONLY_REFUSED.filter((text) => !text.endsWith("[IP:alpha]"))) {
      for (const tool of ["claim_item", "complete_item", "release_item"]) {
        await expectRefused(srv, l.base, tool, { description, agent_id: "alpha" }, "not_found", undefined);
      }
    }
    await srv.client.ping({ timeout: CALL_BOUND_MS });

    // The limits' own edges are accepted: a 64-character id, a 500-character description, 64 KiB of memory.
    const longest = "a".repeat(64);
    expect((await timedCall(srv.client, "claim_item", { description: "Build auth", agent_id: longest })).reply?.data).toMatchObject({
      success: true,
      claimed_by: longest,
    });
    expect((await timedCall(srv.client, "add_item", { description: "d".repeat(500) })).reply?.data).toMatchObject({ success: true });
    expect(
      (await timedCall(srv.client, "update_agent_memory", { section: "notes", content: "m".repeat(64 * 1024), agent_id: "alpha" })).reply
        ?.data,
    ).toMatchObject({ success: true });
    expect(await readFile(join(l.hfs, "state.md"), "utf8")).toBe(
      NORMAL_BOARD.replace("- [ ] Build auth\n", `- [ ] Build auth [IP:${longest}]\n`).replace(
        "- [ ] Write tests [IP:alpha]\n",
        `- [ ] Write tests [IP:alpha]\n- [ ] ${"d".repeat(500)}\n`,
      ),
    );
    expect((await readdir(join(l.hfs, "agents"))).sort()).toEqual(["alpha.md"]);
    expect(await snapshotTree(l.outside)).toEqual(outsideBefore);
  });

  it("a bad --agent-id on the command line stops the server with exit code 2, creating nothing", async () => {
    figures.cases++;
    const l = await layout();
    const before = await snapshotTree(l.base);
    for (const id of ["../state", "a/b", "Agent-1", "con", "lpt1", "a".repeat(65), "-x"]) {
      const run = spawnSync(process.execPath, [CLI_PATH, "--root", l.root, `--agent-id=${id}`], { input: "", timeout: CALL_BOUND_MS });
      figures.calls++;
      expect(run.status, `--agent-id ${id}: ${run.stderr}`).toBe(2);
      expect(run.stdout.toString(), "stdout carries the protocol only").toBe("");
      expect(run.stderr.toString()).toMatch(/agent id|agent-id/i);
    }
    expect(await snapshotTree(l.base)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A symlink planted where the temp file will be created. Its name is random, so nobody outside can plant it
// there — unless they could predict it. Make the name predictable (mock the random source) and check that the
// writer refuses to open it (O_EXCL) instead of writing through it.

describe("a symlink planted at the temp file's name (store level, random source mocked)", () => {
  it("the atomic writer fails with EEXIST, writes nothing through the link, and leaves the target as it was", async () => {
    figures.cases++;
    vi.resetModules();
    vi.doMock("node:crypto", async (importOriginal) => ({
      ...(await importOriginal<typeof import("node:crypto")>()),
      randomBytes: (size: number) => Buffer.alloc(size, 0xab),
    }));
    try {
      const { writeFileAtomic } = await import("../../src/store/atomic-write.js");
      const { tempFileName } = await import("../../src/store/temp-files.js");
      const { Store } = await import("../../src/store/store.js");
      const l = await layout();
      const target = join(l.hfs, "state.md");
      await writeFile(target, NORMAL_BOARD);
      const predicted = tempFileName("state.md");
      expect(predicted).toMatch(new RegExp(`^\\.state\\.md\\.${process.pid}\\.abababababab(?:-[0-9a-f]{8})?\\.hfs-tmp$`));

      const planted = join(l.hfs, predicted);
      for (const [what, linkTarget] of [
        ["an existing file outside", join(l.outside, "board.md")],
        ["a file that does not exist yet", join(l.outside, "planted-new.md")],
      ] as const) {
        await rm(planted, { force: true });
        await symlink(linkTarget, planted);
        const outsideBefore = await snapshotTree(l.outside);
        expect(() => writeFileAtomic(target, "pwned\n"), what).toThrow(expect.objectContaining({ code: "EEXIST", path: planted }));
        expect(await readFile(target, "utf8")).toBe(NORMAL_BOARD);
        expect(await snapshotTree(l.outside), `written through a planted link to ${what}`).toEqual(outsideBefore);

        // Through the store's update too, whose temp file goes into its parked lock's work folder (now of a
        // predictable name as well): the update fails, nothing is written anywhere.
        await rm(planted, { force: true });
        // (A lock directory parked by the previous store would have the same, now predictable, name.)
        for (const entry of await readdir(l.hfs)) if (entry.startsWith(".lock.")) await rm(join(l.hfs, entry), { recursive: true });
        const workDir = join(l.hfs, tempFileName(".lock"), "work~abababababababab");
        const plantedInWork = join(workDir, predicted);
        const store = new Store({ root: l.root, lockTimeoutMs: 5000 });
        // The attacker plants the link once the parked lock exists (built on the first write: build it first).
        (store as unknown as { lock: { prepare(): string } }).lock.prepare();
        await symlink(linkTarget, plantedInWork);
        await expect(store.update(target, () => ({ result: 1, write: "pwned\n" }))).rejects.toMatchObject({
          code: "EEXIST",
          path: plantedInWork,
        });
        expect(await readFile(target, "utf8")).toBe(NORMAL_BOARD);
        expect(await snapshotTree(l.outside)).toEqual(outsideBefore);
        expect(existsSync(join(l.hfs, ".lock")), "the lock was released").toBe(false);
      }
      expect(existsSync(join(l.outside, "planted-new.md"))).toBe(false);
    } finally {
      vi.doUnmock("node:crypto");
      vi.resetModules();
    }
  });
});
