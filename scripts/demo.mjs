#!/usr/bin/env node
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
// Three agents, three server processes, one board: watch them split the work without doing anything twice.
// Each agent is a real MCP client (the SDK's Client) talking to its own `hfs-mcp` over stdio, exactly as
// Claude Desktop, Claude Code or Cursor would start it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const root = fileURLToPath(new URL("../.demo/", import.meta.url));
const agents = ["alpha", "bravo", "charlie"];
const work = [
  "Design the database schema",
  "Build the login endpoint",
  "Write API documentation",
  "Add rate limiting",
  "Set up CI pipeline",
  "Write integration tests",
];

if (!existsSync(cli)) {
  console.error("dist/cli.js is missing: run `npm install` (which builds) or `npm run build` first.");
  process.exit(1);
}

await rm(root, { recursive: true, force: true });
await mkdir(root, { recursive: true });
console.log(`Demo root: ${root}\n`);

const clients = await Promise.all(agents.map(connect));
const [alpha, bravo, charlie] = clients;

// 1. Two agents fill the board.
for (const [i, description] of work.entries()) await call(i % 2 ? bravo : alpha, "add_item", { description });
const added = await call(alpha, "get_work_items");
console.log(`Added ${added.items.length} items (alpha and bravo).\n`);

// 2. Everyone races for everything at once, each in its own order. Exactly one agent wins each item.
const attempts = agents.flatMap((agent, a) =>
  shuffle(work).map(async (description) => ({ agent, description, reply: await call(clients[a], "claim_item", { description }, true) })),
);
const results = await Promise.all(attempts);
const winners = new Map(results.filter((r) => r.reply.success).map((r) => [r.description, r.agent]));
const refused = results.filter((r) => !r.reply.success);
console.log(
  `Race: ${results.length} claim attempts by ${agents.length} processes -> ${winners.size} wins, ${refused.length} refused (${[...new Set(refused.map((r) => r.reply.reason))].join(", ")}).`,
);
console.log("| item | won by |\n|---|---|");
for (const description of work) console.log(`| ${description} | ${winners.get(description)} |`);

// 3. Each agent finishes its first item, gives back any third one, and writes down what it did.
for (const [a, agent] of agents.entries()) {
  const mine = work.filter((d) => winners.get(d) === agent);
  if (mine[0]) await call(clients[a], "complete_item", { description: mine[0] });
  if (mine[2]) await call(clients[a], "release_item", { description: mine[2] });
  await call(clients[a], "update_agent_memory", {
    section: "notes",
    content: `Won ${mine.length} item(s). Completed: ${mine[0] ?? "none"}.${mine[2] ? ` Released: ${mine[2]}.` : ""}`,
  });
}

// 4. A loser tries to complete someone else's work: refused, with a reason and a hint.
const held = (await call(alpha, "get_work_items", { status: "in_progress" })).items;
const someoneElses = held.find((item) => item.claimed_by !== "charlie");
if (someoneElses) {
  const reply = await call(charlie, "complete_item", { description: someoneElses.description }, true);
  console.log(
    `\ncharlie tries to complete "${someoneElses.description}" (held by ${someoneElses.claimed_by}): ${reply.reason} — ${reply.hint}`,
  );
}

const counts = (await call(alpha, "get_work_items")).counts;
console.log(`\nBoard: ${counts.available} available, ${counts.in_progress} in progress, ${counts.completed} completed.`);
console.log("\n--- .demo/.hfs/state.md ---");
console.log(await readFile(`${root}.hfs/state.md`, "utf8"));
console.log("--- .demo/.hfs/agents/bravo.md ---");
console.log(await readFile(`${root}.hfs/agents/bravo.md`, "utf8"));

await Promise.all(clients.map((client) => client.close()));

async function connect(agent) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, "--root", root, "--agent-id", agent],
    stderr: "ignore",
  });
  const client = new Client({ name: `demo-${agent}`, version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function call(client, name, args = {}, allowFailure = false) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError && !allowFailure) throw new Error(`${name} failed: ${result.content[0]?.text}`);
  return result.structuredContent;
}

function shuffle(list) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
