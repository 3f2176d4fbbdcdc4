import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, expect } from "vitest";
import { LOCK_DIR_NAME } from "../../src/store/index.js";

/** The fixture program that takes the `.hfs` lock (from dist/), prints `held`, and holds it until killed. */
export const HOLD_LOCK = fileURLToPath(new URL("../fixtures/programs/hold-lock.mjs", import.meta.url));

/** A fixture program the test talks to line by line. */
export interface Program {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Resolves with the next stdout line; rejects if the program exits first. */
  nextLine(): Promise<string>;
  exited: Promise<void>;
}

const started: Program[] = [];

afterEach(async () => {
  for (const program of started.splice(0)) {
    if (program.child.exitCode === null && program.child.signalCode === null) program.child.kill("SIGKILL");
    await program.exited;
  }
});

/** Start `node <path> <args>`; it is killed after the test if still running. */
export function runProgram(path: string, args: string[]): Program {
  const child = spawn(process.execPath, [path, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`could not start \`${path}\``);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else lines.push(line);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const program: Program = {
    child,
    pid: child.pid,
    nextLine: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : Promise.race([
            new Promise<string>((resolve) => waiting.push(resolve)),
            exited.then(() => {
              throw new Error(`\`${path}\` exited (code ${child.exitCode}) before printing a line; stderr: ${stderr}`);
            }),
          ]),
    exited,
  };
  started.push(program);
  return program;
}

/** A separate process holding the lock on `hfsDir`, checked to be the lock's owner. */
export async function holdLock(hfsDir: string): Promise<Program> {
  const holder = runProgram(HOLD_LOCK, [hfsDir]);
  expect(await holder.nextLine()).toBe("held");
  expect(await readdir(join(hfsDir, LOCK_DIR_NAME))).toEqual([expect.stringMatching(new RegExp(`^owner~${holder.pid}~`))]);
  return holder;
}
