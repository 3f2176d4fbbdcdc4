import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The description of item `i` (0-based): unique, realistic length, never a prefix of another. */
export function itemDescription(i) {
  return `Task ${String(i + 1).padStart(5, "0")}: implement the ${TOPICS[i % TOPICS.length]} module and its tests`;
}

const TOPICS = ["auth", "billing", "search", "export", "import", "metrics", "cache", "parser", "scheduler", "audit"];

/**
 * A board in the template's shape with `count` items. By default every item is available (claim benchmarks);
 * `mixed` puts 10% in progress (held by `someone-else`) and 10% completed, in their sections, as long projects look.
 * Returns the text and, for each item, its description and status.
 */
export function generateBoard(count, { mixed = false } = {}) {
  const available = [];
  const inProgress = [];
  const completed = [];
  const items = [];
  for (let i = 0; i < count; i++) {
    const description = itemDescription(i);
    if (mixed && i % 10 === 3) {
      inProgress.push(`- [ ] ${description} [IP:someone-else]`);
      items.push({ description, status: "in_progress" });
    } else if (mixed && i % 10 === 7) {
      completed.push(`- [x] ${description}`);
      items.push({ description, status: "completed" });
    } else {
      available.push(`- [ ] ${description}`);
      items.push({ description, status: "available" });
    }
  }
  const lines = ["# Shared State", "", "## Available Work Items", "", ...available, "", "## In Progress", ""];
  lines.push(...inProgress, ...(inProgress.length ? [""] : []), "## Completed", "", ...completed);
  return { text: `${lines.join("\n")}\n`, items };
}

const roots = new Set();

/** A fresh project folder with `.hfs/state.md` holding `text`. */
export async function makeRoot(text, label = "root") {
  const root = await mkdtemp(join(tmpdir(), `hfs-bench-${label}-`));
  roots.add(root);
  await mkdir(join(root, ".hfs"), { recursive: true });
  if (text !== undefined) await writeFile(join(root, ".hfs", "state.md"), text);
  return root;
}

export function statePath(root) {
  return join(root, ".hfs", "state.md");
}

export async function removeRoots() {
  await Promise.all([...roots].map((root) => rm(root, { recursive: true, force: true })));
  roots.clear();
}
