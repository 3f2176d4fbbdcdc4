import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { CLI_PATH } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { startLockScript } from "./lock-script.js";
import { pick } from "./scale.js";

// ~1 MiB board so that each write takes measurable time. Long lines rather than many: parsing costs per item,
// and 2,300 items parse in about a second here where 11,000 short ones took several.
const ITEMS = 2_300;
const FILLER = "then reconcile the ledger entries, re-run the nightly export, compare totals with the bank feed, ".repeat(4);
const WRITES = pick(24, 60);
// Upper bound of the stream scenario's claims (distinct items).
const STREAM_MAX = 2_000;
const ROUNDS = pick(1, 3);
const AGENT = "agent-1";
const TEMP = /\.hfs-tmp$/;

/**
 * The built server spoken to over raw JSON-RPC lines, so the test (not an SDK transport, whose close() sends
 * its own signals) decides exactly how the process is stopped.
 */
interface RawServer {
  child: ChildProcessWithoutNullStreams;
  send(message: object): void;
  reply(id: number): Promise<Record<string, any>>;
  replied(): number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const running: RawServer[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
    await server.exited;
  }
});

function startRaw(root: string): RawServer {
  const child = spawn(process.execPath, [CLI_PATH, "--root", root, "--agent-id", AGENT], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on("error", () => undefined); // writing after the server went away is the test's business
  const replies = new Map<number, Record<string, any>>();
  const waiting = new Map<number, (message: Record<string, any>) => void>();
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as Record<string, any>;
    if (typeof message.id !== "number") return;
    replies.set(message.id, message);
    waiting.get(message.id)?.(message);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const server: RawServer = {
    child,
    send: (message) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`),
    reply: (id) =>
      replies.has(id)
        ? Promise.resolve(replies.get(id)!)
        : Promise.race([
            new Promise<Record<string, any>>((resolve) => waiting.set(id, resolve)),
            exited.then(({ code, signal }) => {
              throw new Error(`the server exited (code ${code}, signal ${signal}) before answering request ${id}; stderr: ${stderr}`);
            }),
          ]),
    replied: () => [...replies.keys()],
    exited,
    stderr: () => stderr,
  };
  running.push(server);
  return server;
}

function bigBoard(): { text: string; descriptions: string[]; lineOf: Map<string, number> } {
  const lines = ["# Shared State", "", "## Available Work Items", ""];
  const descriptions: string[] = [];
  const lineOf = new Map<string, number>();
  for (let n = 1; n <= ITEMS; n++) {
    const description = `Item ${String(n).padStart(5, "0")}: migrate the billing réconciliation job for shard ${n % 97}, ${FILLER}done`;
    lines.push(`- [ ] ${description}`);
    descriptions.push(description);
    lineOf.set(description, lines.length);
  }
  lines.push("", "## In Progress", "", "## Completed", "");
  return { text: lines.join("\n"), descriptions, lineOf };
}

/**
 * Which of the claimed lines the file holds, asserting that it is a complete version: the original with each
 * target line either untouched or carrying exactly the claim's marker, every other byte as it was.
 */
function claimsIn(text: string, original: string, targets: Map<string, number>): Set<string> {
  const lines = text.split("\n");
  const before = original.split("\n");
  expect(lines.length, "the file has the original's line count").toBe(before.length);
  const present = new Set<string>();
  const targetLines = new Map([...targets].map(([description, line]) => [line - 1, description]));
  for (let i = 0; i < before.length; i++) {
    const description = targetLines.get(i);
    if (description !== undefined && lines[i] === `${before[i]} [IP:${AGENT}]`) present.add(description);
    else expect(lines[i], `line ${i + 1}`).toBe(before[i]);
  }
  return present;
}

function countClaims(text: string): number {
  let count = 0;
  for (let at = text.indexOf(`[IP:${AGENT}]`); at >= 0; at = text.indexOf(`[IP:${AGENT}]`, at + 1)) count++;
  return count;
}

type Stop = "SIGTERM" | "SIGINT" | "stdin closing";

function stop(server: RawServer, how: Stop): void {
  if (how === "stdin closing") server.child.stdin.end();
  else server.child.kill(how);
}

describe("graceful stop with writes queued and in flight", () => {
  const { text: original, descriptions, lineOf } = bigBoard();
  const bootMs: number[] = [];

  /** A fresh project holding the big board, and the built server on it, initialized and with the board parsed. */
  async function boot(): Promise<{ hfsDir: string; stateFile: string; server: RawServer }> {
    const root = await tempRoot();
    const hfsDir = join(root, ".hfs");
    const stateFile = join(hfsDir, "state.md");
    await mkdir(hfsDir);
    await writeFile(stateFile, original);
    expect(Buffer.byteLength(original)).toBeGreaterThan(1_000_000);
    const server = startRaw(root);
    const booting = performance.now();
    server.send({
      id: 0,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "graceful-stop", version: "0" } },
    });
    expect((await server.reply(0)).result?.serverInfo?.name).toBeTypeOf("string");
    server.send({ method: "notifications/initialized" });
    // The first call parses the 1 MiB board; after it each write is a read, a one-line splice and a write.
    server.send({ id: 1, method: "tools/call", params: { name: "get_work_items", arguments: { status: "completed" } } });
    expect((await server.reply(1)).result?.structuredContent?.counts).toEqual({
      available: ITEMS,
      in_progress: 0,
      completed: 0,
      ready: ITEMS,
    });
    bootMs.push(performance.now() - booting);
    return { hfsDir, stateFile, server };
  }

  /** Request ids 100, 101, ... claim distinct items spread over the board (7919 is prime to ITEMS). */
  const target = (k: number) => descriptions[(k * 7919) % ITEMS]!;
  const claimRequest = (k: number) => ({
    id: 100 + k,
    method: "tools/call",
    params: { name: "claim_item", arguments: { description: target(k) } },
  });

  /**
   * After the process exited: exit 0, no lock or temp file left, the board a complete version (each claim whole
   * or absent), every answered claim a success and in the file. Returns the claims in the file and the answered ones.
   */
  async function checkAfterExit(server: RawServer, how: Stop, hfsDir: string, stateFile: string, sent: number) {
    const exit = await server.exited;
    expect(exit, `exit after ${how}; stderr:\n${server.stderr()}`).toEqual({ code: 0, signal: null });
    expect(server.stderr()).not.toMatch(/fatal|internal|Error/);
    const entries = await readdir(hfsDir);
    const leftovers = entries.filter((name) => name === ".lock" || TEMP.test(name)).length;
    // The presence records its agent leaves (`<agent>.left`) stay: they say when it stopped.
    expect(entries.sort(), "a lock dir or temp files left behind").toEqual(["log.md", "presence", "state.md"]);
    const targets = new Map(Array.from({ length: sent }, (_, k) => [target(k), lineOf.get(target(k))!] as const));
    const present = claimsIn(await readFile(stateFile, "utf8"), original, targets);
    const answered = server.replied().filter((id) => id >= 100);
    for (const id of answered) {
      const description = target(id - 100);
      expect((await server.reply(id)).result?.structuredContent, `reply ${id}`).toEqual({
        success: true,
        description,
        status: "in_progress",
        claimed_by: AGENT,
        line: lineOf.get(description),
      });
      expect(present.has(description), `answered claim of \`${description}\` is in the file`).toBe(true);
    }
    return { present: present.size, answered: answered.length, leftovers };
  }

  // SIGINT takes the same path as SIGTERM; the reduced run leaves it to the full one.
  for (const how of pick<Stop[]>(["SIGTERM", "stdin closing"], ["SIGTERM", "stdin closing", "SIGINT"])) {
    it(
      `${how} while writes wait behind another process's lock: exits 0 only after writing every queued one, whole`,
      async () => {
        const figures: string[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const { hfsDir, stateFile, server } = await boot();
          const script = startLockScript(hfsDir);
          expect(await script.nextLine()).toBe("held");
          for (let k = 0; k < WRITES; k++) server.send(claimRequest(k));
          // A read sent after the claims answers once they are all dispatched (reads take no lock): all queued.
          server.send({ id: 2, method: "tools/call", params: { name: "get_work_items", arguments: { status: "in_progress" } } });
          expect((await server.reply(2)).result?.structuredContent?.counts).toEqual({
            available: ITEMS,
            in_progress: 0,
            completed: 0,
            ready: ITEMS,
          });

          stop(server, how);
          await sleep(300);
          expect(server.child.exitCode, "exited with writes still queued").toBeNull();
          expect(server.replied().filter((id) => id >= 100)).toEqual([]);
          expect(await readFile(stateFile, "utf8")).toBe(original);
          const releasedAt = performance.now();
          await script.release();
          const { present, answered, leftovers } = await checkAfterExit(server, how, hfsDir, stateFile, WRITES);
          const exitMs = performance.now() - releasedAt;
          // Every write queued before the stop was finished, not dropped.
          expect(present).toBe(WRITES);
          figures.push(
            `round ${round + 1}: ${present}/${WRITES} written after the stop, ${answered} answered, ${leftovers} leftovers, exit 0 ${exitMs.toFixed(0)} ms after the lock was freed`,
          );
        }
        console.log(
          `FIGURES graceful-stop (${how}, writes queued behind a lock): board ${(Buffer.byteLength(original) / 2 ** 20).toFixed(2)} MiB, ` +
            `${WRITES} claims queued, half-written files 0 (checked line by line), server start + first parse ${bootMs.at(-1)!.toFixed(0)} ms; ${figures.join("; ")}`,
        );
      },
      pick(60_000, 180_000),
    );

    it(
      `${how} amid a stream of writes: exits 0, every write whole or absent, answered ones kept, no lock or temp file left`,
      async () => {
        const figures: string[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const { hfsDir, stateFile, server } = await boot();
          // A claim every 2 ms until the process is gone (or stdin is closed): some are always queued or in flight.
          let sent = 0;
          let streaming = true;
          const stream = (async () => {
            while (streaming && server.child.exitCode === null && sent < STREAM_MAX) {
              server.send(claimRequest(sent++));
              await sleep(2);
            }
          })();
          const started = performance.now();
          let committedAtStop = 0;
          while (committedAtStop === 0) {
            if (performance.now() - started > 30_000) throw new Error(`no write committed within 30 s; stderr: ${server.stderr()}`);
            committedAtStop = countClaims(readFileSync(stateFile, "utf8"));
            if (committedAtStop === 0) await sleep(1);
          }
          if (how === "stdin closing") streaming = false;
          await Promise.resolve();
          stop(server, how);
          const stopAt = performance.now();
          await server.exited;
          const stopMs = performance.now() - stopAt;
          streaming = false;
          await stream;
          const { present, answered, leftovers } = await checkAfterExit(server, how, hfsDir, stateFile, sent);
          expect(present).toBeGreaterThanOrEqual(committedAtStop);
          figures.push(
            `round ${round + 1}: ${sent} sent, ${committedAtStop} committed at the stop, ${present} in the file at exit, ` +
              `${answered} answered, ${leftovers} leftovers, exit 0 after ${stopMs.toFixed(0)} ms`,
          );
        }
        console.log(
          `FIGURES graceful-stop (${how}, stream of writes): board ${(Buffer.byteLength(original) / 2 ** 20).toFixed(2)} MiB, ` +
            `half-written files 0 (checked line by line); ${figures.join("; ")}`,
        );
      },
      pick(60_000, 180_000),
    );
  }
});
