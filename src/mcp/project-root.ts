import { join, parse, resolve } from "node:path";

/**
 * The file system's root (`/`, or `C:\` on Windows). It is never a project: a board there would be `/.hfs/`,
 * beside the system's own folders, shared by every program that happens to start a server in `/` (Claude
 * Desktop starts servers there, and Claude Code started in `/` offers `file:///` as its root).
 */
export function isFileSystemRoot(path: string): boolean {
  const absolute = resolve(path);
  return parse(absolute).root === absolute;
}

/**
 * The one message for refusing the file system's root, wherever it came from (`source`: "given by --root",
 * "the working directory", "the client's root `file:///`", …), so a user sees the same advice from every door.
 */
export function notAProject(root: string, source: string): string {
  return (
    `hfs-mcp will not serve \`${root}\` (${source}): it is the file system's root, not a project, ` +
    `and the board would be written to \`${join(root, ".hfs")}\`. Pass the project folder: --root /path/to/project (or set HFS_ROOT).`
  );
}
