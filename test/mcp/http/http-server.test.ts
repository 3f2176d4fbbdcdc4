import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_PATH, call } from "../../helpers/clients.js";
import { runToEnd } from "../../helpers/programs.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { eventually } from "../resources/support.js";
import { holdLock } from "../tools/support.js";
import { ALPHA_TOKEN, BRAVO_TOKEN, httpClient, initialize, NAMELESS_TOKEN, printedToken, rawRequest, startHttpServer } from "./support.js";

// These tests run the built server as users do (`npm test` builds first; alone: `npm run build`).
beforeAll(() => {
  if (!existsSync(CLI_PATH)) throw new Error(`\`${CLI_PATH}\` does not exist: run \`npm run build\` before these tests`);
});

const TWO_AGENTS = { HFS_TOKENS: `${ALPHA_TOKEN}=alpha,${BRAVO_TOKEN}=bravo` };

async function boardWith(items: string[]): Promise<string> {
  const root = await tempRoot();
  await mkdir(join(root, ".hfs"));
  await writeFile(
    join(root, ".hfs", "state.md"),
    `# Shared State\n\n## Available Work Items\n\n${items.map((item) => `- [ ] ${item}\n`).join("")}`,
  );
  return root;
}

function readState(root: string): Promise<string> {
  return readFile(join(root, ".hfs", "state.md"), "utf8");
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

describe("hfs-mcp --http: bearer tokens", () => {
  it("answers 401 without a token or with a wrong one, and serves the right one", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--token", ALPHA_TOKEN, "--agent-id", "alpha"]);

    const none = await initialize(server.url);
    expect(none.status).toBe(401);
    const metadataUrl = `${new URL(server.url).origin}/.well-known/oauth-protected-resource/mcp`;
    expect(none.headers["www-authenticate"]).toBe(`Bearer realm="hfs-mcp", resource_metadata="${metadataUrl}"`);
    expect(JSON.parse(none.body)).toMatchObject({
      jsonrpc: "2.0",
      error: { message: expect.stringContaining("a bearer token is required: pass `Authorization: Bearer <token>`") },
      id: null,
    });

    const wrong = await initialize(server.url, bearer("not-the-token-0123456789"));
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toContain('error="invalid_token"');
    expect((await initialize(server.url, { Authorization: `Basic ${ALPHA_TOKEN}` })).status).toBe(401);

    await expect(httpClient(server.url)).rejects.toThrow(/401|Unauthorized/);
    await expect(httpClient(server.url, BRAVO_TOKEN)).rejects.toThrow(/401|Unauthorized/);

    const { client } = await httpClient(server.url, ALPHA_TOKEN);
    expect((await call(client, "add_item", { description: "Build auth" })).isError).toBe(false);
    expect((await call(client, "claim_item", { description: "Build auth" })).data).toMatchObject({ success: true, claimed_by: "alpha" });
    expect(await readState(root)).toContain("- [ ] Build auth [IP:alpha]\n");
  });

  it("answers OAuth discovery so that clients show that a bearer token is required (RFC 9728, 8414, 7591)", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--token", ALPHA_TOKEN, "--agent-id", "alpha"]);
    const origin = new URL(server.url).origin;
    const get = (path: string, headers: Record<string, string> = {}) => rawRequest(`${origin}${path}`, "GET", headers);

    // Protected Resource Metadata: bearer tokens in the header, and no authorization server to sign in with.
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const reply = await get(path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(reply.body)).toEqual({
        resource: server.url,
        bearer_methods_supported: ["header"],
        resource_name: "hfs-mcp (bearer token required; no authorization server)",
      });
    }
    // Every place a client looks for authorization server metadata: none, said in an OAuth error body.
    for (const path of [
      "/.well-known/oauth-authorization-server",
      "/.well-known/oauth-authorization-server/mcp",
      "/.well-known/openid-configuration",
      "/.well-known/openid-configuration/mcp",
      "/mcp/.well-known/openid-configuration",
    ]) {
      const reply = await get(path);
      expect(reply.status, path).toBe(404);
      expect(JSON.parse(reply.body), path).toEqual({
        error: "invalid_request",
        error_description: expect.stringContaining("a bearer token is required: pass `Authorization: Bearer <token>`"),
      });
    }
    // Dynamic client registration, where clients end up: refused as RFC 7591 refuses, with the message.
    const registration = await rawRequest(`${origin}/register`, "POST", { "Content-Type": "application/json" }, { redirect_uris: [] });
    expect(registration.status).toBe(400);
    const refused = JSON.parse(registration.body) as { error: string; error_description: string };
    expect(refused.error).toBe("invalid_client_metadata");
    expect(refused.error_description).toContain(`--header 'Authorization: Bearer <token>'`);
    expect(refused.error_description).not.toMatch(/["\\\n]/); // RFC 6749's character set for error_description
    for (const path of ["/authorize", "/token"]) expect((await get(path)).status, path).toBe(400);
    // Anything else is still 404, and the Host check still comes first.
    expect((await get("/.well-known/other")).status).toBe(404);
    expect((await get("/.well-known/oauth-protected-resource", { Host: "evil.example.com" })).status).toBe(403);
    expect(server.stderr()).not.toContain("failed unexpectedly");
  });

  it("without any token configured, makes one up, prints it to stderr, and accepts only it", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "0", "--root", root]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/); // loopback unless told otherwise
    const token = printedToken(server.stderr());
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits, base64url

    expect((await initialize(server.url)).status).toBe(401);
    const { client } = await httpClient(server.url, token);
    expect((await call(client, "get_work_items")).isError).toBe(false);

    // A second start makes up another token: the first one is worthless there.
    const again = await startHttpServer(["--http", "0", "--root", root]);
    expect(printedToken(again.stderr())).not.toBe(token);
    expect((await initialize(again.url, bearer(token))).status).toBe(401);
  });
});

describe("hfs-mcp --http: Host and Origin (DNS rebinding)", () => {
  it("refuses a Host or Origin that does not name this server with 403, before looking at the token", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--token", ALPHA_TOKEN]);
    const port = new URL(server.url).port;
    const auth = bearer(ALPHA_TOKEN);

    for (const host of [`evil.example.com:${port}`, "evil.example.com", `127.0.0.1.nip.io:${port}`, `192.168.1.10:${port}`]) {
      const reply = await initialize(server.url, { ...auth, Host: host });
      expect(reply.status, host).toBe(403);
      expect(JSON.parse(reply.body).error.message, host).toContain("Invalid Host");
      expect((await initialize(server.url, { Host: host })).status, `${host} without a token`).toBe(403);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await initialize(server.url, { ...auth, Host: host })).status, host).toBe(200);
    }

    for (const origin of ["http://evil.example.com", `http://evil.example.com:${port}`, "null", "file://", `ftp://localhost:${port}`]) {
      const reply = await initialize(server.url, { ...auth, Origin: origin });
      expect(reply.status, origin).toBe(403);
      expect(JSON.parse(reply.body).error.message, origin).toContain("Invalid Origin");
    }
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, "https://localhost"]) {
      expect((await initialize(server.url, { ...auth, Origin: origin })).status, origin).toBe(200);
    }
  });

  it("accepts the names given with --allowed-hosts", async () => {
    const root = await tempRoot();
    const server = await startHttpServer([
      "--http",
      "127.0.0.1:0",
      "--root",
      root,
      "--token",
      ALPHA_TOKEN,
      "--allowed-hosts",
      "board.example.test",
    ]);
    const auth = bearer(ALPHA_TOKEN);
    expect((await initialize(server.url, { ...auth, Host: "board.example.test:8080", Origin: "https://board.example.test" })).status).toBe(
      200,
    );
    expect((await initialize(server.url, { ...auth, Host: "other.example.test" })).status).toBe(403);
  });
});

describe("hfs-mcp --http: sessions and agents", () => {
  it("two sessions as two agents (a token each) racing for the same items: exactly one wins each", async () => {
    const items = Array.from({ length: 12 }, (_, i) => `Task ${i + 1}`);
    const root = await boardWith(items);
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root], TWO_AGENTS);
    const alpha = (await httpClient(server.url, ALPHA_TOKEN)).client;
    const bravo = (await httpClient(server.url, BRAVO_TOKEN)).client;

    const winners = new Map<string, string>();
    for (const description of items) {
      const [a, b] = await Promise.all([call(alpha, "claim_item", { description }), call(bravo, "claim_item", { description })]);
      const won = [a, b].filter((reply) => !reply.isError);
      expect(won, description).toHaveLength(1);
      const winner = won[0]!.data.claimed_by as string;
      const loser = a.isError ? a : b;
      expect(loser.data, description).toMatchObject({ success: false, reason: "not_available", claimed_by: winner });
      winners.set(description, winner);
    }

    const state = await readState(root);
    for (const [description, winner] of winners) expect(state, description).toContain(`- [ ] ${description} [IP:${winner}]\n`);
    expect(state.match(/\[IP:/g)).toHaveLength(items.length);
    // The history names who claimed: the token's agent, not a shared server id.
    const log = await readFile(join(root, ".hfs", "log.md"), "utf8");
    for (const [description, winner] of winners) expect(log).toContain(` ${winner} claim "${description}"\n`);
  });

  it("takes each session's agent from its token, with the rules of --agent-id", async () => {
    const root = await boardWith(["Build auth", "Write docs"]);
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root], TWO_AGENTS);
    const alpha = (await httpClient(server.url, ALPHA_TOKEN)).client;
    const bravo = (await httpClient(server.url, BRAVO_TOKEN)).client;
    const logged: string[] = [];
    alpha.setNotificationHandler(LoggingMessageNotificationSchema, ({ params }) => void logged.push(String(params.data)));

    // Naming another agent is refused; naming yourself is allowed.
    const posing = await call(alpha, "claim_item", { description: "Build auth", agent_id: "bravo" });
    expect(posing.data).toMatchObject({ success: false, reason: "agent_mismatch" });
    expect(posing.data.message).toContain("alpha");
    expect((await call(alpha, "claim_item", { description: "Build auth", agent_id: "alpha" })).data).toMatchObject({ claimed_by: "alpha" });
    expect((await call(bravo, "claim_next", {})).data).toMatchObject({ description: "Write docs", claimed_by: "bravo" });

    // Holder rules follow the token: bravo cannot complete alpha's item; alpha can.
    expect((await call(bravo, "complete_item", { description: "Build auth" })).data).toMatchObject({
      reason: "not_owner",
      claimed_by: "alpha",
    });
    expect((await call(alpha, "complete_item", { description: "Build auth" })).isError).toBe(false);

    // Memory is per agent.
    await call(alpha, "update_agent_memory", { section: "notes", content: "alpha was here" });
    await call(bravo, "update_agent_memory", { section: "notes", content: "bravo was here" });
    expect((await call(alpha, "get_agent_memory")).data).toMatchObject({ agent_id: "alpha", sections: { notes: "alpha was here" } });
    expect((await call(bravo, "get_agent_memory")).data).toMatchObject({ agent_id: "bravo", sections: { notes: "bravo was here" } });
    expect((await call(bravo, "get_agent_memory", { agent_id: "alpha" })).data).toMatchObject({ reason: "agent_mismatch" });
    expect(await readFile(join(root, ".hfs", "agents", "alpha.md"), "utf8")).toContain("alpha was here");

    // Log messages name the session's agent, add_item's too. (They come on the session's event stream, which
    // may deliver them after the calls' answers.)
    await call(alpha, "add_item", { description: "Review PR" });
    for (const until = Date.now() + 5_000; logged.length < 4 && Date.now() < until; ) await sleep(20);
    expect(logged).toEqual([
      'alpha claimed "Build auth"',
      'alpha completed "Build auth"',
      'alpha updated the "notes" section of its memory',
      'alpha added "Review PR" to "Available Work Items"',
    ]);

    // Resources read the one shared board.
    const { contents } = await bravo.readResource({ uri: "hfs://state" });
    expect(contents[0]).toMatchObject({ text: await readState(root) });
  });

  it("a token without an agent: each call names its agent with agent_id, as without --agent-id", async () => {
    const root = await boardWith(["Build auth"]);
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root], {
      HFS_TOKENS: `${ALPHA_TOKEN}=alpha,${NAMELESS_TOKEN}`,
    });
    const nameless = (await httpClient(server.url, NAMELESS_TOKEN)).client;
    expect((await call(nameless, "claim_item", { description: "Build auth" })).data).toMatchObject({ reason: "agent_id_required" });
    expect((await call(nameless, "claim_item", { description: "Build auth", agent_id: "charlie" })).data).toMatchObject({
      claimed_by: "charlie",
    });
    expect(await readState(root)).toContain("- [ ] Build auth [IP:charlie]\n");
  });

  it("a session answers only to the token that opened it; an unknown session is 404", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root], TWO_AGENTS);
    const { transport } = await httpClient(server.url, ALPHA_TOKEN);
    const sessionId = transport.sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    const listTools = (headers: Record<string, string>) =>
      rawRequest(
        server.url,
        "POST",
        {
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
          "Mcp-Protocol-Version": "2025-06-18",
          ...headers,
        },
        { jsonrpc: "2.0", id: 7, method: "tools/list" },
      );
    expect((await listTools({ ...bearer(ALPHA_TOKEN), "Mcp-Session-Id": sessionId })).status).toBe(200);
    const hijack = await listTools({ ...bearer(BRAVO_TOKEN), "Mcp-Session-Id": sessionId });
    expect(hijack.status).toBe(403);
    expect(JSON.parse(hijack.body).error.message).toContain("another token");
    expect((await listTools({ "Mcp-Session-Id": sessionId })).status).toBe(401);
    const unknown = await listTools({ ...bearer(ALPHA_TOKEN), "Mcp-Session-Id": "00000000-0000-0000-0000-000000000000" });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe(-32001);
    // Without a session, only `initialize` opens one.
    expect((await listTools(bearer(ALPHA_TOKEN))).status).toBe(400);
    expect((await rawRequest(server.url, "GET", { ...bearer(ALPHA_TOKEN), Accept: "text/event-stream" })).status).toBe(400);
    expect((await rawRequest(server.url.replace(/\/mcp$/, "/other"), "POST", bearer(ALPHA_TOKEN))).status).toBe(404);

    // DELETE ends the session.
    await transport.terminateSession();
    expect((await listTools({ ...bearer(ALPHA_TOKEN), "Mcp-Session-Id": sessionId })).status).toBe(404);
  });

  it("--no-auth on loopback: no token, every session acts for --agent-id", async () => {
    const root = await boardWith(["Build auth"]);
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--no-auth", "--agent-id", "alpha"]);
    expect(server.stderr()).toContain("no token (--no-auth, loopback only)");
    const { client } = await httpClient(server.url);
    expect((await call(client, "claim_item", { description: "Build auth", agent_id: "bravo" })).data).toMatchObject({
      reason: "agent_mismatch",
    });
    expect((await call(client, "claim_item", { description: "Build auth" })).data).toMatchObject({ claimed_by: "alpha" });
    // The Host check still applies without a token.
    expect((await initialize(server.url, { Host: "evil.example.com" })).status).toBe(403);
    // Without tokens there is nothing to discover.
    expect((await rawRequest(`${new URL(server.url).origin}/.well-known/oauth-protected-resource`, "GET", {})).status).toBe(404);
  });

  it("--session-idle-minutes: a client that left without closing its session has it expire; a live SDK client keeps its own", async () => {
    const root = await boardWith(["Build auth"]);
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--no-auth", "--session-idle-minutes", "0.01"]);
    expect(server.stderr()).toContain("sessions idle 0.6 s are closed");
    // An SDK client holds its GET event stream open: its session is in use, however long it waits between calls.
    const live = await httpClient(server.url);
    // This one goes away as clients do, without DELETE: its streams close, and its session goes idle.
    const gone = await httpClient(server.url);
    const goneId = gone.transport.sessionId!;
    await gone.client.close();
    await eventually(() =>
      expect(server.stderr()).toContain(`session ${goneId.slice(0, 8)} closed after 0.6 s idle (--session-idle-minutes) (1 open)`),
    );
    const expired = await rawRequest(
      server.url,
      "POST",
      { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "Mcp-Session-Id": goneId },
      { jsonrpc: "2.0", id: 9, method: "ping" },
    );
    expect(expired.status).toBe(404); // the transport spec's answer: the client starts a new session
    await sleep(1_500);
    expect((await call(live.client, "get_work_items")).data).toMatchObject({ success: true, counts: { available: 1 } });
    expect(server.stderr()).not.toContain(`session ${live.transport.sessionId!.slice(0, 8)} closed`);
  });

  it("refuses --no-auth on an address other machines can reach, exiting 2 without listening", async () => {
    const root = await tempRoot();
    const started = startHttpServer(["--http", "0.0.0.0:0", "--root", root, "--no-auth"]);
    await expect(started).rejects.toThrow(/exited with 2 before serving[\s\S]*--no-auth is refused on `0\.0\.0\.0`/);
  });
});

describe("hfs-mcp --http: with other clients", () => {
  it("a session subscribed to hfs://state hears of another agent's claim", async () => {
    const root = await boardWith(["Build auth"]);
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root], TWO_AGENTS);
    const alpha = (await httpClient(server.url, ALPHA_TOKEN)).client;
    const bravo = (await httpClient(server.url, BRAVO_TOKEN)).client;
    const updates: string[] = [];
    alpha.setNotificationHandler(ResourceUpdatedNotificationSchema, ({ params }) => void updates.push(params.uri));
    await alpha.subscribeResource({ uri: "hfs://state" });
    await call(bravo, "claim_item", { description: "Build auth" });
    for (const until = Date.now() + 5_000; updates.length === 0 && Date.now() < until; ) await sleep(20);
    expect(updates).toEqual(["hfs://state"]);
  });

  it("works with the MCP Inspector's --cli, a token passed with --header (the README's command)", async () => {
    const root = await tempRoot();
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--token", ALPHA_TOKEN, "--agent-id", "alpha"]);
    const inspectorDir = fileURLToPath(new URL("../../../node_modules/@modelcontextprotocol/inspector/", import.meta.url));
    const pkg = JSON.parse(await readFile(join(inspectorDir, "package.json"), "utf8")) as { bin: Record<string, string> };
    const home = await tempRoot(); // the Inspector keeps a catalog in HOME
    const run = (...args: string[]) =>
      runToEnd(process.execPath, [join(inspectorDir, pkg.bin.inspector!), "--cli", server.url, ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: home },
      });
    const added = await run(
      "--header",
      `Authorization: Bearer ${ALPHA_TOKEN}`,
      "--method",
      "tools/call",
      "--tool-name",
      "add_item",
      "--tool-arg",
      "description=Build auth",
    );
    expect(added.code, added.stdout).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ structuredContent: { success: true, description: "Build auth" } });
    expect(await readState(root)).toContain("- [ ] Build auth\n");
  });
});

describe("hfs-mcp --http: graceful stop", () => {
  it("on SIGTERM, refuses new work, answers the call under way once its write is done, and exits 0", async () => {
    const root = await boardWith(["Build auth"]);
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--token", ALPHA_TOKEN, "--agent-id", "alpha"]);
    const { client } = await httpClient(server.url, ALPHA_TOKEN);
    const release = await holdLock(root); // the claim below waits for this lock
    const claiming = call(client, "claim_item", { description: "Build auth" });
    await sleep(300);
    server.child.kill("SIGTERM");
    await sleep(300);
    // Stopping: no new session can be opened (the listener is closed, or the server answers 503).
    const late = await initialize(server.url, bearer(ALPHA_TOKEN)).catch((error: Error) => error);
    expect(late instanceof Error ? late.message : late.status).toMatch(/ECONNREFUSED|503/);
    expect(server.child.exitCode).toBeNull(); // still finishing the claim
    await release();
    expect((await claiming).data).toMatchObject({ success: true, claimed_by: "alpha" });
    expect(await server.exited).toBe(0);
    expect(await readState(root)).toContain("- [ ] Build auth [IP:alpha]\n");
    expect(server.stderr()).toContain("stopping");
  });
});
