import { fileURLToPath } from "node:url";
import { type Program, runProgram } from "../helpers/programs.js";

/** `take-lock.sh`: the lock protocol of docs/lock-protocol.md in bash, as a person's script would take the lock. */
export const TAKE_LOCK = fileURLToPath(new URL("../fixtures/programs/take-lock.sh", import.meta.url));

/** take-lock.sh running: it prints `held` once it has the lock, and `released` (see `nextLine`). */
export interface LockScript extends Program {
  /** Close its stdin (its signal to let go) and wait for it to say `released` and exit 0. */
  release(): Promise<void>;
}

/** Start take-lock.sh on `hfsDir`; it is killed after the test if still running. */
export function startLockScript(hfsDir: string, signalFile?: string): LockScript {
  const script = runProgram(TAKE_LOCK, [hfsDir, ...(signalFile ? [signalFile] : [])], "bash");
  return {
    ...script,
    async release() {
      script.child.stdin.end();
      const line = await script.nextLine();
      if (line !== "released") throw new Error(`take-lock.sh said \`${line}\` instead of \`released\`; stderr: ${script.stderr()}`);
      const exit = await script.exited;
      if (exit.code !== 0) throw new Error(`take-lock.sh exited with ${JSON.stringify(exit)}; stderr: ${script.stderr()}`);
    },
  };
}
