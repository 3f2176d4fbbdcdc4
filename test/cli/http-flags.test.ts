import { describe, expect, it } from "vitest";
import { type ParsedCli, parseCli, USAGE } from "../../src/cli/options.js";
import { tempRoot } from "../helpers/temp-root.js";

const VERSION = "9.8.7";
const TOKEN = "0123456789abcdef0123";
const OTHER = "fedcba9876543210fedc";

function http(parsed: ParsedCli) {
  if (parsed.kind !== "run") throw new Error(`expected options, got exit ${parsed.code}: ${parsed.message}`);
  if (!parsed.options.http) throw new Error("expected HTTP options");
  return parsed.options.http;
}

function refusal(parsed: ParsedCli): string {
  if (parsed.kind !== "exit") throw new Error(`expected an exit, got options ${JSON.stringify(parsed.options)}`);
  expect(parsed.code).toBe(2);
  return parsed.message;
}

describe("parseCli --http", () => {
  it("listens on 127.0.0.1 unless a host is given; the port alone, host:port and [IPv6]:port", async () => {
    const cwd = await tempRoot();
    const parse = (listen: string) => http(parseCli(["--http", listen, "--token", TOKEN], {}, cwd, VERSION));
    expect(parse("7777")).toMatchObject({ host: "127.0.0.1", port: 7777, loopback: true });
    expect(parse("0")).toMatchObject({ host: "127.0.0.1", port: 0 });
    expect(parse("0.0.0.0:80")).toMatchObject({ host: "0.0.0.0", port: 80, loopback: false });
    expect(parse("192.168.1.5:7777")).toMatchObject({ host: "192.168.1.5", loopback: false });
    expect(parse("[::1]:7777")).toMatchObject({ host: "::1", loopback: true });
    expect(parse("[0:0:0:0:0:0:0:1]:7777")).toMatchObject({ host: "::1", loopback: true });
    expect(parse("[::]:7777")).toMatchObject({ host: "::", loopback: false });
    expect(parse("localhost:7777")).toMatchObject({ host: "localhost", loopback: true });
    expect(parse("127.0.0.2:7777")).toMatchObject({ loopback: true });
    expect(parse("Board.LAN:7777")).toMatchObject({ host: "board.lan", loopback: false });
  });

  it("refuses a malformed --http, naming it", async () => {
    const cwd = await tempRoot();
    for (const listen of ["", "abc", "7777:host", "65536", "1.2.3.4:", "::1:7777", "[board]:7777", "a b:7777", "-1"]) {
      expect(refusal(parseCli([`--http=${listen}`, "--token", TOKEN], {}, cwd, VERSION)), listen).toContain(`\`${listen}\``);
    }
  });

  it("maps --token (or HFS_TOKEN) to --agent-id, and HFS_TOKENS entries to their agents; the flag wins over HFS_TOKEN", async () => {
    const cwd = await tempRoot();
    expect(http(parseCli(["--http", "0", "--token", TOKEN, "--agent-id", "alpha"], {}, cwd, VERSION)).access).toEqual({
      kind: "tokens",
      tokens: [{ token: TOKEN, agentId: "alpha" }],
    });
    expect(http(parseCli(["--http", "0"], { HFS_TOKEN: TOKEN }, cwd, VERSION)).access).toEqual({
      kind: "tokens",
      tokens: [{ token: TOKEN }],
    });
    expect(http(parseCli(["--http", "0", "--token", OTHER], { HFS_TOKEN: TOKEN }, cwd, VERSION)).access).toEqual({
      kind: "tokens",
      tokens: [{ token: OTHER }],
    });
    expect(http(parseCli(["--http", "0"], { HFS_TOKENS: ` ${TOKEN}=alpha , ${OTHER}=bravo,` }, cwd, VERSION)).access).toEqual({
      kind: "tokens",
      tokens: [
        { token: TOKEN, agentId: "alpha" },
        { token: OTHER, agentId: "bravo" },
      ],
    });
    // A bare token: its sessions name their agent with agent_id.
    expect(http(parseCli(["--http", "0", "--token", TOKEN, "--agent-id", "alpha"], { HFS_TOKENS: OTHER }, cwd, VERSION)).access).toEqual({
      kind: "tokens",
      tokens: [{ token: TOKEN, agentId: "alpha" }, { token: OTHER }],
    });
  });

  it("the agent id belongs to the tokens in HTTP mode, not to the one shared manager", async () => {
    const cwd = await tempRoot();
    const parsed = parseCli(["--http", "0", "--token", TOKEN, "--agent-id", "alpha"], {}, cwd, VERSION);
    if (parsed.kind !== "run") throw new Error(parsed.message);
    expect(parsed.options.agentId).toBeUndefined();
    expect(http(parseCli(["--http", "0"], { HFS_AGENT_ID: "alpha" }, cwd, VERSION)).access).toEqual({ kind: "generate", agentId: "alpha" });
  });

  it("generates a token when none is configured; --no-auth only on loopback, and never with --token", async () => {
    const cwd = await tempRoot();
    expect(http(parseCli(["--http", "0"], {}, cwd, VERSION)).access).toEqual({ kind: "generate" });
    expect(http(parseCli(["--http", "0", "--no-auth", "--agent-id", "alpha"], {}, cwd, VERSION)).access).toEqual({
      kind: "none",
      agentId: "alpha",
    });
    // The flag wins over tokens in the environment.
    expect(http(parseCli(["--http", "[::1]:0", "--no-auth"], { HFS_TOKEN: TOKEN }, cwd, VERSION)).access).toEqual({ kind: "none" });
    for (const listen of ["0.0.0.0:0", "192.168.1.5:7777", "[::]:7777", "board.lan:7777"]) {
      expect(refusal(parseCli(["--http", listen, "--no-auth"], {}, cwd, VERSION)), listen).toContain("--no-auth is refused");
    }
    expect(refusal(parseCli(["--http", "0", "--no-auth", "--token", TOKEN], {}, cwd, VERSION))).toContain("contradict");
  });

  it("refuses weak, malformed and repeated tokens without printing them whole", async () => {
    const cwd = await tempRoot();
    const secret = "short-secret";
    const message = refusal(parseCli(["--http", "0", "--token", secret], {}, cwd, VERSION));
    expect(message).toContain("16-512 characters");
    expect(message).not.toContain(secret);
    expect(refusal(parseCli(["--http", "0"], { HFS_TOKEN: "has spaces in it, 16+ chars" }, cwd, VERSION))).toContain("HFS_TOKEN");
    expect(refusal(parseCli(["--http", "0"], { HFS_TOKENS: `${TOKEN}=Alpha` }, cwd, VERSION))).toContain("`Alpha`");
    expect(refusal(parseCli(["--http", "0"], { HFS_TOKENS: `${TOKEN}=alpha,${TOKEN}=bravo` }, cwd, VERSION))).toContain("twice");
    expect(refusal(parseCli(["--http", "0", "--token", TOKEN], { HFS_TOKENS: `${TOKEN}=bravo` }, cwd, VERSION))).toContain("twice");
    expect(refusal(parseCli(["--http", "0"], { HFS_TOKENS: `${TOKEN}=alpha=beta` }, cwd, VERSION))).toContain("HFS_TOKENS");
  });

  it("refuses --agent-id with only HFS_TOKENS (which token would it be?)", async () => {
    const cwd = await tempRoot();
    expect(refusal(parseCli(["--http", "0", "--agent-id", "alpha"], { HFS_TOKENS: `${TOKEN}=bravo` }, cwd, VERSION))).toContain(
      "--agent-id",
    );
  });

  it("takes extra host names from --allowed-hosts, else HFS_ALLOWED_HOSTS", async () => {
    const cwd = await tempRoot();
    const parse = (argv: string[], env: Record<string, string>) =>
      http(parseCli(["--http", "0", "--token", TOKEN, ...argv], env, cwd, VERSION));
    expect(parse(["--allowed-hosts", "Board.LAN, 10.0.0.5,[fe80::1]"], { HFS_ALLOWED_HOSTS: "x.test" }).allowedHosts).toEqual([
      "board.lan",
      "10.0.0.5",
      "fe80::1",
    ]);
    expect(parse([], { HFS_ALLOWED_HOSTS: "x.test" }).allowedHosts).toEqual(["x.test"]);
    expect(refusal(parseCli(["--http", "0", "--allowed-hosts", "evil.test/path"], {}, cwd, VERSION))).toContain("`evil.test/path`");
  });

  it("refuses the HTTP flags without --http, and `/` without a root (no client roots over HTTP)", async () => {
    const cwd = await tempRoot();
    for (const argv of [["--token", TOKEN], ["--no-auth"], ["--allowed-hosts", "a.test"]]) {
      expect(refusal(parseCli(argv, {}, cwd, VERSION)), argv[0]).toContain("only with --http");
    }
    const rooted = parseCli(["--http", "0", "--no-auth"], {}, "/", VERSION);
    expect(refusal(rooted)).toContain("--root");
    expect(rooted.kind === "exit" && rooted.unlessClientRoots).toBeFalsy();
  });

  it("takes the session idle time from --session-idle-minutes, else HFS_SESSION_IDLE_MINUTES, else 30 minutes", async () => {
    const cwd = await tempRoot();
    const idle = (argv: string[], env: Record<string, string> = {}) =>
      http(parseCli(["--http", "0", "--token", TOKEN, ...argv], env, cwd, VERSION)).sessionIdleMs;
    expect(idle([])).toBe(30 * 60_000);
    expect(idle(["--session-idle-minutes", "5"], { HFS_SESSION_IDLE_MINUTES: "9" })).toBe(5 * 60_000);
    expect(idle([], { HFS_SESSION_IDLE_MINUTES: "9" })).toBe(9 * 60_000);
    expect(idle(["--session-idle-minutes", "0.02"])).toBe(1_200);
    expect(idle(["--session-idle-minutes", "0"])).toBe(0);
    for (const value of ["-1", "abc", "1e3", "10081", "", "5 min"]) {
      expect(refusal(parseCli(["--http", "0", "--token", TOKEN, `--session-idle-minutes=${value}`], {}, cwd, VERSION)), value).toContain(
        `\`${value}\``,
      );
    }
    expect(refusal(parseCli(["--session-idle-minutes", "5"], {}, cwd, VERSION))).toContain("only with --http");
  });

  it("documents the HTTP flags and variables in the usage", () => {
    for (const option of [
      "--http",
      "--token",
      "--no-auth",
      "--allowed-hosts",
      "--session-idle-minutes",
      "HFS_TOKEN",
      "HFS_TOKENS",
      "HFS_ALLOWED_HOSTS",
      "HFS_SESSION_IDLE_MINUTES",
    ]) {
      expect(USAGE).toContain(option);
    }
  });
});
