import { type ClientRequest, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { BoardManager } from "../../../src/board/index.js";
import { CurrentBoard } from "../../../src/mcp/current-board.js";
import { type RunningHttpServer, startHttpServer } from "../../../src/mcp/http/http-server.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { httpClient, initialize, rawRequest } from "./support.js";

const servers: RunningHttpServer[] = [];
const boards: CurrentBoard[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(boards.splice(0).map((board) => board.close()));
});

/** The HTTP server in this process (no token: loopback), so a test can set its session limit and idle time. */
async function inProcess(
  maxSessions: number,
  more: { sessionIdleMs?: number; log?: (message: string) => void } = {},
): Promise<RunningHttpServer> {
  const root = await tempRoot();
  const board = new CurrentBoard({}, new BoardManager({ root }));
  boards.push(board);
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    loopback: true,
    allowedHosts: [],
    access: { kind: "none" },
    board,
    lockTimeoutMs: 5_000,
    log: () => undefined,
    maxSessions,
    ...more,
  });
  servers.push(server);
  return server;
}

function sessionOf(reply: { status: number; headers: Record<string, unknown> }): string {
  expect(reply.status).toBe(200);
  return reply.headers["mcp-session-id"] as string;
}

function ping(url: string, sessionId: string) {
  return rawRequest(
    url,
    "POST",
    { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "Mcp-Session-Id": sessionId },
    { jsonrpc: "2.0", id: 2, method: "ping" },
  );
}

describe("HTTP sessions", () => {
  it("past the session limit, closes the session idle longest to make room", async () => {
    const server = await inProcess(2);
    const first = sessionOf(await initialize(server.url));
    const second = sessionOf(await initialize(server.url));
    expect((await ping(server.url, first)).status).toBe(200); // now `second` is the one idle longest
    const third = sessionOf(await initialize(server.url));
    expect(server.sessionCount()).toBe(2);
    expect((await ping(server.url, second)).status).toBe(404);
    expect((await ping(server.url, first)).status).toBe(200);
    expect((await ping(server.url, third)).status).toBe(200);
  });

  it("a closed session stops listening to the shared board, so closed sessions are not kept alive by it", async () => {
    const server = await inProcess(2);
    const board = boards.at(-1)!;
    let listening = 0;
    const onSwitch = board.onSwitch.bind(board);
    board.onSwitch = (listener) => {
      listening++;
      const stop = onSwitch(listener);
      return () => {
        listening--;
        stop();
      };
    };
    const first = sessionOf(await initialize(server.url));
    sessionOf(await initialize(server.url));
    expect(listening).toBe(2);
    sessionOf(await initialize(server.url)); // past the limit: the idlest (first) is closed
    expect((await ping(server.url, first)).status).toBe(404);
    expect(listening).toBe(2);
  });

  it("never closes a session with a request open (a client's event stream): refuses a new one with 503 instead", async () => {
    const server = await inProcess(1);
    const listening = sessionOf(await initialize(server.url));
    const stream = await openEventStream(server.url, listening);
    const refused = await initialize(server.url);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.message).toContain("too many open sessions");
    expect((await ping(server.url, listening)).status).toBe(200);

    stream.destroy(); // the stream closed: that session is idle, and makes room once the server has seen it go
    let reply = await initialize(server.url);
    for (const until = Date.now() + 5_000; reply.status === 503 && Date.now() < until; reply = await initialize(server.url)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    sessionOf(reply);
    expect((await ping(server.url, listening)).status).toBe(404);
  });

  it("closes a session idle for --session-idle-minutes; its next request gets 404, and a new session opens", async () => {
    const lines: string[] = [];
    const server = await inProcess(10, { sessionIdleMs: 400, log: (line) => lines.push(line) });
    const idle = sessionOf(await initialize(server.url));
    const busy = sessionOf(await initialize(server.url));
    // `busy` is used every 100 ms, so it never goes 400 ms unused; `idle` is left alone.
    for (let i = 0; i < 10; i++) {
      expect((await ping(server.url, busy)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(server.sessionCount()).toBe(1);
    const expired = await ping(server.url, idle);
    expect(expired.status).toBe(404); // what the transport spec prescribes: the client starts a new session
    expect(JSON.parse(expired.body).error).toMatchObject({ code: -32001, message: expect.stringContaining("start a new session") });
    expect(lines).toContain(`session ${idle.slice(0, 8)} closed after 0.4 s idle (--session-idle-minutes) (1 open)`);
    sessionOf(await initialize(server.url));
    expect(server.sessionCount()).toBe(2);
  });

  it("never expires a session that holds an event stream open, however quiet", async () => {
    const server = await inProcess(10, { sessionIdleMs: 200 });
    const listening = sessionOf(await initialize(server.url));
    const stream = await openEventStream(server.url, listening);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await ping(server.url, listening)).status).toBe(200);
    stream.destroy(); // from now on it is idle
    for (const until = Date.now() + 5_000; server.sessionCount() > 0 && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await ping(server.url, listening)).status).toBe(404);
  });

  it("keeps idle sessions with --session-idle-minutes 0 (only the session limit bounds them)", async () => {
    const server = await inProcess(10, { sessionIdleMs: 0 });
    const session = sessionOf(await initialize(server.url));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await ping(server.url, session)).status).toBe(200);
  });

  it("refuses a request body over 1 MiB with 413, before parsing it", async () => {
    const server = await inProcess(10);
    const session = sessionOf(await initialize(server.url));
    const huge = {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "add_item", arguments: { description: "x".repeat(1024 * 1024) } },
    };
    const reply = await rawRequest(
      server.url,
      "POST",
      { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "Mcp-Session-Id": session },
      huge,
    );
    expect(reply.status).toBe(413);
  });

  it("serves SDK clients end to end", async () => {
    const server = await inProcess(10);
    const { client } = await httpClient(server.url);
    await client.ping();
    expect((await client.listResources()).resources.map((resource) => resource.uri)).toContain("hfs://state");
  });

  it("a request that is not `initialize` opens no session", async () => {
    const server = await inProcess(10);
    const reply = await rawRequest(
      server.url,
      "POST",
      { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
    );
    expect(reply.status).toBe(400);
    expect(server.sessionCount()).toBe(0);
  });
});

/** A session's GET event stream, held open until destroyed; resolves once the server has answered 200. */
function openEventStream(url: string, sessionId: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers: { Accept: "text/event-stream", "Mcp-Session-Id": sessionId } }, (res) => {
      if (res.statusCode === 200) resolve(req);
      else reject(new Error(`GET event stream: HTTP ${res.statusCode}`));
    });
    req.on("error", (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}
