import { LockTimeoutError } from "../file-error.js";

/**
 * Other writers kept winning the push for the whole lock timeout: reported as `lock_timeout`, like a local
 * lock held too long, since it is the same situation (the board is busy) with the same remedy (retry).
 */
export class PushContentionError extends LockTimeoutError {
  constructor(waitedMs: number, attempts: number) {
    super(waitedMs, undefined);
    this.name = "PushContentionError";
    this.message = `other writers won the push to the board's branch ${attempts} times in a row, for the whole ${waitedMs} ms`;
  }
}
