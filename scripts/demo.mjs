#!/usr/bin/env node
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
// Three agents, three server processes, one board: watch them split the work, each item done exactly once.
// Each agent is a real MCP client (the SDK's Client) talking to its own `hfs-mcp` over stdio, exactly as
// Claude Desktop, Claude Code or Cursor would start it, and works the way the server's instructions say:
// claim_next, do the work, complete_item, again, until nothing is left.
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
  "Add password reset",
  "Set up error tracking",
  "Write the deployment guide",
];
const contested = "Fix the production outage";

if (!existsSync(cli)) {
  console.error("dist/cli.js is missing: run `npm install` (which builds) or `npm run build` first.");
  process.exit(1);
}

await rm(root, { recursive: true, force: true });
await mkdir(root, { recursive: true });
console.log(`Demo root: ${root}`);

const clients = await Promise.all(agents.map(connect));
const started = performance.now();
const at = () => `+${((performance.now() - started) / 1000).toFixed(2)}s`.padStart(7);
const say = (agent, text) => console.log(`${at()}  ${agent.padEnd(7)}  ${text}`);

// 1. One agent writes the plan onto the board.
for (const description of work) await call(clients[0], "add_item", { description });
console.log(`alpha added ${work.length} items. Each agent now loops: claim_next -> work (a random 100-400 ms) -> complete_item.\n`);

// 2. All three work at once, each in its own server process, until the board has nothing left to claim.
const done = new Map(agents.map((agent) => [agent, []]));
await Promise.all(
  agents.map(async (agent, a) => {
    for (;;) {
      const next = await call(clients[a], "claim_next", {}, true);
      if (!next.success) {
        say(agent, `claim_next: ${next.reason} - nothing left, stops`);
        return;
      }
      say(agent, `claimed   ${next.description}`);
      await sleep(100 + Math.random() * 300); // the work itself
      await call(clients[a], "complete_item", { description: next.description });
      say(agent, `completed ${next.description}`);
      done.get(agent).push(next.description);
    }
  }),
);

const completions = [...done.values()].flat();
const twice = completions.filter((description, i) => completions.indexOf(description) !== i);
console.log(
  `\n${completions.length} completions for ${work.length} items: ${twice.length === 0 ? "every item done once, none twice" : `done twice: ${twice.join(", ")}`}.`,
);

// 3. A contested item: all three claim the same item at the same moment. Exactly one wins.
await call(clients[1], "add_item", { description: contested });
console.log(`\nbravo adds "${contested}"; all three claim_item it at the same moment:`);
const race = await Promise.all(clients.map((client) => call(client, "claim_item", { description: contested }, true)));
for (const [a, reply] of race.entries()) {
  console.log(
    `  ${agents[a].padEnd(7)}  ${reply.success ? "won the claim" : `${reply.reason} (held by ${reply.claimed_by}) - ${reply.hint}`}`,
  );
}
const winner = agents[race.findIndex((reply) => reply.success)];
await call(clients[agents.indexOf(winner)], "complete_item", { description: contested });
done.get(winner).push(contested);
await Promise.all(
  agents.map((agent, a) =>
    call(clients[a], "update_agent_memory", { section: "notes", content: `Completed: ${done.get(agent).join("; ") || "nothing"}.` }),
  ),
);

console.log("\n| agent | items done | which |\n|---|---|---|");
for (const agent of agents) console.log(`| ${agent} | ${done.get(agent).length} | ${done.get(agent).join(", ")} |`);

const counts = (await call(clients[0], "get_work_items")).counts;
console.log(`\nBoard: ${counts.available} available, ${counts.in_progress} in progress, ${counts.completed} completed (${at().trim()}).`);
console.log("\n--- .demo/.hfs/state.md ---");
console.log(await readFile(`${root}.hfs/state.md`, "utf8"));
const log = (await readFile(`${root}.hfs/log.md`, "utf8")).trim().split("\n");
const completed = log.filter((line) => / complete "/.test(line)).map((line) => line.replace(/^.* complete /, ""));
console.log(`--- .demo/.hfs/log.md (last 4 of ${log.filter((line) => line.startsWith("- ")).length} entries) ---`);
console.log(log.slice(-4).join("\n"));
console.log(`\nThe log agrees: ${completed.length} completions of ${new Set(completed).size} distinct items.`);

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
