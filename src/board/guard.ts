import { MarkdownLimitError } from "../markdown/parse-limits.js";
import { SyncUnavailableError } from "../store/git/index.js";
import { ConcurrentEditError, FileError, LockTimeoutError } from "../store/index.js";
import { failure, type Outcome } from "./failure.js";

/** Turn the store's errors into reasons an agent can act on; nothing was written when these happen. */
export async function guard<T extends { success: true }>(run: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LockTimeoutError) {
      return failure("lock_timeout", error.message, "Another process holds the .hfs lock; wait a little and retry the same call.");
    }
    if (error instanceof SyncUnavailableError) return failure("sync_unavailable", error.message, error.hint);
    if (error instanceof ConcurrentEditError) {
      return failure(
        "contention",
        error.message,
        "Nothing was written. Other writers kept changing the board (or this server was paused and lost the lock) on every attempt: retry the same call.",
      );
    }
    if (error instanceof MarkdownLimitError) {
      return failure(
        "file_error",
        `the file is too complex to parse safely: ${error.message}`,
        "Ask a person to split the board or move finished items out of it (nothing was written), then retry.",
      );
    }
    if (error instanceof FileError) {
      if (error.problem === "vanished") {
        return failure(
          "file_error",
          error.message,
          "Retry in a moment (git may be switching branches); if the board was deleted on purpose, a person must start a new one.",
        );
      }
      return failure("file_error", error.message, "Ask a person to fix the file (nothing was written), then retry.");
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === "string") {
      return failure(
        "file_error",
        `file system error ${code}: ${(error as Error).message}`,
        "Nothing was written. Check disk space and permissions, then retry.",
      );
    }
    throw error;
  }
}
