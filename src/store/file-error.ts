/** Why a file under `.hfs/` cannot be used. The board manager turns these into the `file_error` reason. */
export type FileProblem = "too_large" | "not_utf8" | "symlink" | "not_a_file" | "vanished" | "io";

export class FileError extends Error {
  readonly problem: FileProblem;
  readonly path: string;

  constructor(problem: FileProblem, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FileError";
    this.problem = problem;
    this.path = path;
  }
}

/** A path under `.hfs/` that is a symlink: refused, never followed. */
export function symlinkError(path: string): FileError {
  return new FileError("symlink", path, `\`${path}\` is a symlink; hfs-mcp does not follow links`);
}

/** The lock could not be taken within the configured time; nothing was written. */
export class LockTimeoutError extends Error {
  readonly waitedMs: number;

  constructor(waitedMs: number, holder: string | undefined) {
    super(`the .hfs lock was held by ${holder ?? "another process"} for the whole ${waitedMs} ms wait`);
    this.name = "LockTimeoutError";
    this.waitedMs = waitedMs;
  }
}

/** The file kept changing under us (someone saving it repeatedly); nothing was written. */
export class ConcurrentEditError extends Error {
  constructor(path: string, attempts: number) {
    super(`\`${path}\` changed during each of ${attempts} attempts to update it`);
    this.name = "ConcurrentEditError";
  }
}
