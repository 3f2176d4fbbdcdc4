/**
 * A write that could not be synced with the board's git remote: unreachable, authentication refused, the
 * remote refused the push, or the push's outcome is unknown (the connection was lost after sending). The board
 * manager turns it into the `sync_unavailable` reason. Nothing was acknowledged: either nothing reached the
 * remote, or (`outcomeUnknown`) it may have, and the next sync finds out — retrying the call is safe, since it
 * is decided again on what the remote then holds.
 */
export class SyncUnavailableError extends Error {
  readonly hint: string;
  readonly outcomeUnknown: boolean;

  constructor(message: string, options: { hint?: string; outcomeUnknown?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "SyncUnavailableError";
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.hint =
      options.hint ??
      (this.outcomeUnknown
        ? "The remote may or may not have taken it; retry the same call in a moment: it is decided again on what the remote holds, so it never applies twice."
        : "Nothing was written. Retry when the git remote is reachable; get_work_items still answers from the local mirror.");
  }
}
