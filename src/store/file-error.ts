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

/**
 * The board is missing, though its history shows it existed: it is not recreated from nothing. Why: `git
 * checkout` replaces a file by unlinking and recreating it, and a git process descheduled in between leaves the
 * board missing for as long as the machine keeps it waiting; a server that then wrote a new board would have it
 * replace the whole checked-out board (git's exclusive create fails on the file we made). Waiting a second for
 * it to come back covers the common case; refusing covers the rest, and a person who deleted the board on purpose
 * is told how to start anew.
 */
export function vanishedError(file: string): FileError {
  return new FileError(
    "vanished",
    file,
    `\`${file}\` is missing, though .hfs/log.md shows the board existed (a git checkout or an editor may be replacing it); nothing was written. If it was deleted on purpose, create an empty .hfs/state.md (or remove .hfs/log.md) to start a new board`,
  );
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
