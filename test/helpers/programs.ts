import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { afterEachTest } from "./cleanup.js";
import { lockOwners } from "./lock-names.js";

/** The fixture program that takes the `.hfs` lock (from dist/), prints `held`, and holds it until killed. */
export const HOLD_LOCK = fileURLToPath(new URL("../fixtures/programs/hold-lock.mjs", import.meta.url));

/** A fixture program the test talks to line by line. */
export interface Program {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Resolves with the next stdout line; rejects if the program exits first. */
  nextLine(): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const started: Program[] = [];

afterEachTest("processes", async () => {
  for (const program of started.splice(0)) {
    if (program.child.exitCode === null && program.child.signalCode === null) program.child.kill("SIGKILL");
    await program.exited;
  }
});

/** Start `<command> <path> <args>` (node by default); it is killed after the test if still running. */
export function runProgram(path: string, args: string[], command = process.execPath): Program {
  const child = spawn(command, [path, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`could not start \`${path}\``);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on("error", () => undefined); // writing to a program that already exited: nextLine says so
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else lines.push(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const program: Program = {
    child,
    pid: child.pid,
    nextLine: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : Promise.race([
            new Promise<string>((resolve) => waiting.push(resolve)),
            exited.then(({ code }) => {
              throw new Error(`\`${path}\` exited (code ${code}) before printing a line; stderr: ${stderr}`);
            }),
          ]),
    exited,
    stderr: () => stderr,
  };
  started.push(program);
  return program;
}

/** A separate process holding the lock on `hfsDir`, checked to be the lock's owner. */
export async function holdLock(hfsDir: string): Promise<Program> {
  const holder = runProgram(HOLD_LOCK, [hfsDir]);
  expect(await holder.nextLine()).toBe("held");
  expect(await lockOwners(hfsDir)).toEqual([expect.stringMatching(new RegExp(`^owner~${holder.pid}~`))]);
  return holder;
}

/** How a program run to its end finished. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** The whole environment (nothing inherited but what is given). */
  env?: Record<string, string>;
  /** Killed, and the run rejected, after this long. */
  timeoutMs?: number;
  /** Closes the program's stdin at once (a server exits when it does). */
  closeStdin?: boolean;
}

/** Run `command args` to its end, collecting its output; rejects if it runs past `timeoutMs`. */
export function runToEnd(command: string, args: string[], options: RunOptions = {}): Promise<Finished> {
  const { timeoutMs = 30_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`\`${[command, ...args].join(" ")}\` did not finish within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.closeStdin) child.stdin.end();
  });
}
