import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { request } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach } from "vitest";
import { CLI_PATH } from "../../helpers/clients.js";

export interface HttpServerProcess {
  /** e.g. http://127.0.0.1:41234/mcp, as the server printed it. */
  url: string;
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

const running = new Set<HttpServerProcess>();
const clients = new Set<Client>();

afterEach(async () => {
  await Promise.all([...clients].map((client) => client.close().catch(() => undefined)));
  clients.clear();
  for (const server of running) server.child.kill("SIGKILL");
  await Promise.all([...running].map((server) => server.exited));
  running.clear();
});

/**
 * The built CLI in HTTP mode, in its own process, with exactly this environment. Resolves once it prints the
 * URL it serves (always ask for port 0: the system picks a free port, and the server prints it).
 */
export function startHttpServer(args: string[], env: Record<string, string> = {}): Promise<HttpServerProcess> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const server = { child, stderr: () => stderr, exited, url: "" };
  running.add(server);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hfs-mcp ${args.join(" ")} did not start within 15 s; stderr: ${stderr}`)), 15_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = / at (http:\/\/\S+\/mcp) /.exec(stderr)?.[1];
      if (url && server.url === "") {
        clearTimeout(timer);
        server.url = url;
        resolve(server);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hfs-mcp ${args.join(" ")} exited with ${code} before serving; stderr: ${stderr}`));
    });
  });
}

/** An SDK client connected over Streamable HTTP, sending `token` as a bearer token when given. */
export async function httpClient(url: string, token?: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "hfs-mcp-http-test", version: "0.0.0" });
  clients.add(client);
  await client.connect(transport);
  await client.listTools(); // as real clients do; it also arms the client's output-schema validation
  return { client, transport };
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (node:http lets a test set `Host`, which fetch does not). */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} got no answer within 10 s`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** An `initialize` request as a client sends it, with the headers Streamable HTTP requires. */
export function initialize(url: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return rawRequest(
    url,
    "POST",
    { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    },
  );
}

/** The token the server made up and printed, when started without one. */
export function printedToken(stderr: string): string {
  const token = /made up for this run: (\S+)/.exec(stderr)?.[1];
  if (!token) throw new Error(`no generated token in stderr: ${stderr}`);
  return token;
}

/** Tokens for tests: long enough to be accepted (16+ characters), and obviously not secrets. */
export const ALPHA_TOKEN = "alpha-token-0123456789abcdef";
export const BRAVO_TOKEN = "bravo-token-0123456789abcdef";
export const NAMELESS_TOKEN = "nameless-token-0123456789abcdef";
