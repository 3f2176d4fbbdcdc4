import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

export type ObjectFormat = "sha1" | "sha256";

/** One entry of a tree object: `mode` exactly as git wrote it (`100644`, `40000`, …). */
export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

export const TREE_MODE = "40000";
export const FILE_MODE = "100644";

/**
 * Writes git objects (blobs, trees, commits) as loose object files, in-process: `<type> <size>\0<body>`,
 * zlib-deflated, named by its hash. This is git's own stable on-disk format, and what `git hash-object -w`,
 * `git write-tree` and `git commit-tree` write; doing it here spares a commit the five processes of the
 * temporary-index route (hash-object, read-tree, update-index, write-tree, commit-tree), which on a loaded
 * machine were most of a write's time and widened the window in which another writer's push makes ours lose.
 *
 * Like git by default (`core.fsync` leaves loose objects out), objects are not fsynced: nothing is acknowledged
 * before the remote holds the objects anyway. An object written twice is the same bytes under the same name.
 */
export class ObjectWriter {
  constructor(
    private readonly objectsDir: string,
    private readonly format: ObjectFormat,
  ) {}

  write(type: "blob" | "tree" | "commit", body: Buffer): string {
    const raw = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
    const oid = createHash(this.format).update(raw).digest("hex");
    const dir = join(this.objectsDir, oid.slice(0, 2));
    const path = join(dir, oid.slice(2));
    if (existsSync(path)) return oid;
    mkdirSync(dir, { recursive: true });
    // git's own temp name for objects (`git prune` removes stale ones): never a half-written object under its name.
    const temp = join(dir, `tmp_obj_${randomBytes(6).toString("hex")}`);
    try {
      writeFileSync(temp, deflateSync(raw), { mode: 0o444, flag: "wx" });
      renameSync(temp, path);
    } finally {
      rmSync(temp, { force: true });
    }
    return oid;
  }

  /** A tree object's body, its entries in git's order (a tree's name sorts as if it ended in `/`). */
  tree(entries: readonly TreeEntry[]): Buffer {
    const key = (entry: TreeEntry) => Buffer.from(entry.mode === TREE_MODE ? `${entry.name}/` : entry.name);
    const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)));
    return Buffer.concat(sorted.flatMap((entry) => [Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.oid, "hex")]));
  }

  /** A commit object's body. Names and emails lose what git itself strips from them (`<`, `>`, newlines). */
  commit(input: { tree: string; parents: readonly string[]; name: string; email: string; message: string; at?: Date }): Buffer {
    const seconds = Math.floor((input.at ?? new Date()).getTime() / 1000);
    const who = `${clean(input.name) || "hfs-mcp"} <${clean(input.email)}> ${seconds} +0000`;
    const lines = [`tree ${input.tree}`, ...input.parents.map((parent) => `parent ${parent}`), `author ${who}`, `committer ${who}`];
    return Buffer.from(`${lines.join("\n")}\n\n${input.message}`);
  }
}

/** The entries of a tree object's body. */
export function parseTree(body: Buffer, format: ObjectFormat): TreeEntry[] {
  const oidBytes = format === "sha1" ? 20 : 32;
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(32, at);
    const nul = body.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 1 + oidBytes > body.length) throw new Error("a malformed git tree object");
    entries.push({
      mode: body.subarray(at, space).toString("latin1"),
      name: body.subarray(space + 1, nul).toString("utf8"),
      oid: body.subarray(nul + 1, nul + 1 + oidBytes).toString("hex"),
    });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

function clean(text: string): string {
  return text.replace(/[<>\n\r\0]/g, "").trim();
}
