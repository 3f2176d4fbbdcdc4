import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type Root, RootsListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { isDirectory } from "../store/index.js";
import type { CurrentBoard } from "./current-board.js";
import { isFileSystemRoot } from "./project-root.js";

/** How long to wait for the client's `roots/list` answer before serving the fallback root. */
const LIST_ROOTS_TIMEOUT_MS = 10_000;

export interface ClientRootsOptions {
  /** Nobody can give a root after all (no usable client root and no fallback): the server cannot serve. */
  onNoRoot?: (why: string) => void;
  log: (message: string) => void;
}

/**
 * Let the client choose the project root when the user did not (no --root, no HFS_ROOT): once initialized, a
 * client that declares `roots` is asked for them and its first `file://` root that is an existing folder is
 * served; `notifications/roots/list_changed` asks again. Calls wait while the answer is pending, so nothing is
 * read from or written to the fallback root (the working directory) by mistake. A client without roots, or
 * without a usable one, leaves the board's fallback root in place; when there is none (started in `/`),
 * `onNoRoot` is called.
 */
export function followClientRoots(server: McpServer, board: CurrentBoard, options: ClientRootsOptions): void {
  let queue = Promise.resolve();
  let pending = 0;
  // Ask again on every change, one at a time, in order: the last answer wins. Calls wait until every
  // question asked so far has its answer.
  const refresh = () => {
    pending++;
    board.hold(); // synchronously, so calls that follow the notification wait for the new answer
    queue = queue
      .then(() => apply(server, board, options))
      .catch((error: unknown) => options.log(`could not follow the client's roots: ${(error as Error)?.stack ?? String(error)}`))
      .finally(() => {
        if (--pending === 0) board.release();
      });
  };

  const previous = server.server.oninitialized;
  server.server.oninitialized = () => {
    previous?.();
    if (server.server.getClientCapabilities()?.roots) refresh();
    else if (board.root === undefined) noRoot(board, options, "the client offers no roots");
  };
  server.server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
    if (server.server.getClientCapabilities()?.roots) refresh();
  });
}

async function apply(server: McpServer, board: CurrentBoard, options: ClientRootsOptions): Promise<void> {
  let roots: Root[] = [];
  try {
    roots = (await server.server.listRoots(undefined, { timeout: LIST_ROOTS_TIMEOUT_MS })).roots;
  } catch (error) {
    options.log(`could not list the client's roots: ${(error as Error).message}`);
  }
  const { root, skipped } = usableRoot(roots);
  for (const { uri, why } of skipped) options.log(`skipping the client's root \`${uri}\`: ${why}`);
  if (root !== undefined) {
    const before = board.root;
    await board.use(root);
    if (before !== root) options.log(`serving ${root} (the client's first file:// root)`);
    return;
  }
  if (board.root !== undefined) {
    options.log(`the client offers no usable file:// root; still serving ${board.root}`);
    return;
  }
  const reasons = skipped.map(({ uri, why }) => `\`${uri}\`, ${why}`);
  noRoot(board, options, reasons.length === 0 ? "the client offers no file:// roots" : `the client's roots: ${reasons.join("; ")}`);
}

function noRoot(board: CurrentBoard, options: ClientRootsOptions, why: string): void {
  board.refuse(`no project root: ${why}`);
  options.onNoRoot?.(why);
}

/**
 * The first `file://` root that is an existing folder other than the file system's root; the ones passed over
 * are logged.
 */
export function firstUsableRoot(roots: readonly Root[], log: (message: string) => void = () => undefined): string | undefined {
  const { root, skipped } = usableRoot(roots);
  for (const { uri, why } of skipped) log(`skipping the client's root \`${uri}\`: ${why}`);
  return root;
}

/** The root to serve, and why each root before it was passed over. */
function usableRoot(roots: readonly Root[]): { root?: string; skipped: Array<{ uri: string; why: string }> } {
  const skipped: Array<{ uri: string; why: string }> = [];
  for (const root of roots) {
    if (!root.uri.startsWith("file://")) continue;
    let path: string;
    try {
      path = fileURLToPath(root.uri);
    } catch {
      skipped.push({ uri: root.uri, why: "not a local file URL" });
      continue;
    }
    if (!isDirectory(path)) {
      skipped.push({ uri: root.uri, why: "not an existing folder" });
      continue;
    }
    // Claude Code started in `/` offers `file:///`: refused as --root / is, so no write lands in /.hfs/.
    if (isFileSystemRoot(path)) {
      skipped.push({ uri: root.uri, why: "the file system's root, not a project" });
      continue;
    }
    return { root: resolve(path), skipped }; // without a trailing slash, as --root would give it
  }
  return { root: undefined, skipped };
}
