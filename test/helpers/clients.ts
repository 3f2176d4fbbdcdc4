import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type CallToolResult, ListRootsRequestSchema, type Root } from "@modelcontextprotocol/sdk/types.js";
import { createServer, type ServerOptions } from "../../src/mcp/server.js";
import { afterEachTest } from "./cleanup.js";

/**
 * The built CLI, as users run it (`npm test` builds before testing). HFS_TEST_CLI points the suites at another
 * build — an older release's `dist/cli.js`, to watch a reproduction fail there before the fix.
 */
export const CLI_PATH = process.env.HFS_TEST_CLI || fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

const open: Client[] = [];

afterEachTest("processes", () => Promise.all(open.splice(0).map((client) => client.close().catch(() => undefined))));

/** An SDK client talking to an in-process server through linked in-memory transports. */
export async function inMemoryClient(options: ServerOptions): Promise<Client> {
  const server = createServer({ log: () => undefined, ...options });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "hfs-mcp-test", version: "0.0.0" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  await client.listTools(); // as real clients do; it also arms the client's output-schema validation
  open.push(client);
  return client;
}

export interface SpawnedServer {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
  pid: number | null;
}

export interface SpawnOptions {
  /** The server's working directory. */
  cwd?: string;
  /** Roots the client offers (declaring the roots capability); none when absent. */
  roots?: Root[];
  /** A command the server runs under, e.g. `["unshare", "--pid", "--fork", "--"]`: then `<wrap> node cli.js …`. */
  wrap?: string[];
}

/** An SDK client talking to the built server in its own OS process over stdio. */
export async function spawnServer(args: string[], env: Record<string, string> = {}, options: SpawnOptions = {}): Promise<SpawnedServer> {
  const [command = process.execPath, ...prefix] = options.wrap ? [...options.wrap, process.execPath] : [];
  const transport = new StdioClientTransport({
    command,
    args: [...prefix, CLI_PATH, ...args],
    env: { PATH: process.env.PATH ?? "", ...env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const { roots } = options;
  const client = new Client({ name: "hfs-mcp-test", version: "0.0.0" }, roots ? { capabilities: { roots: {} } } : {});
  if (roots) client.setRequestHandler(ListRootsRequestSchema, () => ({ roots }));
  await client.connect(transport);
  await client.listTools();
  open.push(client);
  return { client, transport, stderr: () => stderr, pid: transport.pid };
}

export interface ToolReply {
  isError: boolean;
  data: Record<string, any>;
  text: string;
}

/** Call a tool and return its structured result, whether it succeeded or failed. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolReply> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  return {
    isError: result.isError === true,
    data: (result.structuredContent ?? {}) as Record<string, any>,
    text: first?.type === "text" ? first.text : "",
  };
}
