import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEachTest } from "./cleanup.js";

const roots: string[] = [];

/** A fresh empty project folder, removed after the test. */
export async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "hfs-mcp-test-"));
  roots.push(root);
  return root;
}

afterEachTest("folders", () => Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true }))));
