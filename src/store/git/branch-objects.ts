import { join } from "node:path";
import type { Identity, TreeChange } from "./git-remote-branch.js";
import type { ObjectReader } from "./object-reader.js";
import { FILE_MODE, type ObjectFormat, ObjectWriter, parseTree, TREE_MODE, type TreeEntry } from "./object-writer.js";

const KEEP_TREES = 256;

/**
 * The board branch's objects: the files under `.hfs/` of a commit, and new commits built on a parent by
 * replacing some of those files. Trees are read through the long-lived object reader and remembered by id
 * (objects never change), so building a commit on a tip read a moment ago asks git for nothing.
 */
export class BranchObjects {
  private readonly writer: ObjectWriter;
  private readonly trees = new Map<string, TreeEntry[]>();
  private readonly rootTrees = new Map<string, string>();

  constructor(
    private readonly reader: ObjectReader,
    commonDir: string,
    private readonly format: ObjectFormat,
  ) {
    this.writer = new ObjectWriter(join(commonDir, "objects"), format);
  }

  /** Every file under `.hfs/` in a commit, by path (`.hfs/agents/alpha.md`), with its blob id. */
  async listFiles(commit: string): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const hfs = (await this.entries(await this.rootTree(commit))).find((entry) => entry.name === ".hfs" && entry.mode === TREE_MODE);
    if (hfs) await this.walk(hfs.oid, ".hfs", files);
    return files;
  }

  /** The contents of blobs, by id. */
  async readBlobs(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const blobs = new Map<string, Buffer>();
    for (const id of ids) blobs.set(id, (await this.object(id, "blob")).data);
    return blobs;
  }

  /** A new commit: `parent`'s tree (empty when null) with `changes` applied. Only objects are written. */
  async commit(parent: string | null, changes: readonly TreeChange[], message: string, by: Identity): Promise<string> {
    const blobs = changes.map((change) => ({
      path: change.path.split("/"),
      oid: change.text === null ? null : this.writer.write("blob", Buffer.from(change.text, "utf8")),
    }));
    const tree =
      (await this.apply(parent === null ? null : await this.rootTree(parent), blobs)) ?? this.writer.write("tree", Buffer.alloc(0));
    const body = this.writer.commit({ tree, parents: parent === null ? [] : [parent], name: by.name, email: by.email, message });
    return this.writer.write("commit", body);
  }

  // `tree` with blobs set (or removed, null) at their paths; null when nothing is left in it.
  private async apply(tree: string | null, changes: readonly { path: string[]; oid: string | null }[]): Promise<string | null> {
    const entries = new Map((tree === null ? [] : await this.entries(tree)).map((entry) => [entry.name, entry] as const));
    const below = new Map<string, { path: string[]; oid: string | null }[]>();
    for (const change of changes) {
      const [name, ...rest] = change.path as [string, ...string[]];
      if (rest.length > 0) {
        below.set(name, [...(below.get(name) ?? []), { path: rest, oid: change.oid }]);
      } else if (change.oid === null) {
        entries.delete(name);
      } else {
        const mode = entries.get(name)?.mode;
        entries.set(name, { mode: mode === "100755" ? mode : FILE_MODE, name, oid: change.oid });
      }
    }
    for (const [name, inner] of below) {
      const current = entries.get(name);
      const subtree = await this.apply(current?.mode === TREE_MODE ? current.oid : null, inner);
      if (subtree === null) entries.delete(name);
      else entries.set(name, { mode: TREE_MODE, name, oid: subtree });
    }
    if (entries.size === 0) return null;
    const oid = this.writer.write("tree", this.writer.tree([...entries.values()]));
    this.remember(oid, [...entries.values()]);
    return oid;
  }

  private async walk(tree: string, prefix: string, files: Map<string, string>): Promise<void> {
    for (const entry of await this.entries(tree)) {
      const path = `${prefix}/${entry.name}`;
      if (entry.mode === TREE_MODE) await this.walk(entry.oid, path, files);
      else if (entry.mode.startsWith("100")) files.set(path, entry.oid);
    }
  }

  private async rootTree(commit: string): Promise<string> {
    const known = this.rootTrees.get(commit);
    if (known) return known;
    const body = (await this.object(commit, "commit")).data.toString("utf8");
    const tree = /^tree ([0-9a-f]+)$/m.exec(body)?.[1];
    if (!tree) throw new Error(`git commit ${commit} names no tree`);
    this.rootTrees.set(commit, tree);
    if (this.rootTrees.size > KEEP_TREES) this.rootTrees.delete(this.rootTrees.keys().next().value!);
    return tree;
  }

  private async entries(tree: string): Promise<TreeEntry[]> {
    const known = this.trees.get(tree);
    if (known) return known;
    const entries = parseTree((await this.object(tree, "tree")).data, this.format);
    this.remember(tree, entries);
    return entries;
  }

  private remember(tree: string, entries: TreeEntry[]): void {
    this.trees.set(tree, entries);
    if (this.trees.size > KEEP_TREES) this.trees.delete(this.trees.keys().next().value!);
  }

  private async object(oid: string, type: string) {
    const object = await this.reader.read(oid);
    if (object === null) throw new Error(`git object ${oid} is missing`);
    if (object.type !== type) throw new Error(`git object ${oid} is a ${object.type}, not a ${type}`);
    return object;
  }
}
