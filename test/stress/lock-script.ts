import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

/** `take-lock.sh`: the README's lock protocol in bash, as a person's script would take the lock. */
export const TAKE_LOCK = fileURLToPath(new URL("../fixtures/programs/take-lock.sh", import.meta.url));

export interface LockScript {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** The next line the script prints (`held`, `released`); rejects if it exits first. */
  nextLine(): Promise<string>;
  /** Close its stdin (its signal to let go) and wait for it to say `released` and exit 0. */
  release(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const running: LockScript[] = [];

afterEach(async () => {
  for (const script of running.splice(0)) {
    if (script.child.exitCode === null && script.child.signalCode === null) script.child.kill("SIGKILL");
    await script.exited;
  }
});

/** Start take-lock.sh on `hfsDir`; it prints `held` once it has the lock (see `nextLine`). */
export function startLockScript(hfsDir: string, signalFile?: string): LockScript {
  const child = spawn("bash", [TAKE_LOCK, hfsDir, ...(signalFile ? [signalFile] : [])], { stdio: ["pipe", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`could not start \`${TAKE_LOCK}\``);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on("error", () => undefined);
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
  const nextLine = () =>
    lines.length > 0
      ? Promise.resolve(lines.shift()!)
      : Promise.race([
          new Promise<string>((resolve) => waiting.push(resolve)),
          exited.then(({ code }) => {
            throw new Error(`take-lock.sh exited (code ${code}) before printing a line; stderr: ${stderr}`);
          }),
        ]);
  const script: LockScript = {
    child,
    pid: child.pid,
    nextLine,
    async release() {
      child.stdin.end();
      const line = await nextLine();
      if (line !== "released") throw new Error(`take-lock.sh said \`${line}\` instead of \`released\`; stderr: ${stderr}`);
      const exit = await exited;
      if (exit.code !== 0) throw new Error(`take-lock.sh exited with ${JSON.stringify(exit)}; stderr: ${stderr}`);
    },
    exited,
    stderr: () => stderr,
  };
  running.push(script);
  return script;
}
