import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ParsedCli, parseCli, USAGE } from "../../src/cli/options.js";
import { tempRoot } from "../helpers/temp-root.js";

const VERSION = "9.8.7";

function run(parsed: ParsedCli) {
  if (parsed.kind !== "run") throw new Error(`expected options, got exit ${parsed.code}: ${parsed.message}`);
  return parsed.options;
}

function exit(parsed: ParsedCli) {
  if (parsed.kind !== "exit") throw new Error(`expected an exit, got options ${JSON.stringify(parsed.options)}`);
  return parsed;
}

describe("parseCli", () => {
  it("defaults: the working directory as root, no agent id, a 30 s lock timeout, a 10 s stale timeout", async () => {
    const cwd = await tempRoot();
    expect(run(parseCli([], {}, cwd, VERSION))).toEqual({
      root: cwd,
      agentId: undefined,
      lockTimeoutMs: 30_000,
      lockStaleMs: 10_000,
      presenceIntervalMs: 5_000,
    });
  });

  it("takes the root from --root, else HFS_ROOT, else the working directory", async () => {
    const cwd = await tempRoot();
    const flag = await tempRoot();
    const env = await tempRoot();
    expect(run(parseCli(["--root", flag], { HFS_ROOT: env }, cwd, VERSION)).root).toBe(flag);
    expect(run(parseCli([`--root=${flag}`], {}, cwd, VERSION)).root).toBe(flag);
    expect(run(parseCli([], { HFS_ROOT: env }, cwd, VERSION)).root).toBe(env);
    expect(run(parseCli([], { HFS_ROOT: "" }, cwd, VERSION)).root).toBe(cwd);
  });

  it("resolves a relative root against the working directory", async () => {
    const cwd = await tempRoot();
    await mkdir(join(cwd, "project"));
    expect(run(parseCli(["--root", "project"], {}, cwd, VERSION)).root).toBe(join(cwd, "project"));
    expect(run(parseCli([], { HFS_ROOT: "./project" }, cwd, VERSION)).root).toBe(join(cwd, "project"));
  });

  it("refuses to start in `/` without a root, asking for --root", () => {
    const parsed = exit(parseCli([], {}, "/", VERSION));
    expect(parsed.code).not.toBe(0);
    expect(parsed.message).toContain("--root");
    expect(exit(parseCli([], { HFS_ROOT: "" }, "/", VERSION)).code).not.toBe(0);
  });

  it("refuses `/` as the root from --root and HFS_ROOT, with the same message as for the working directory", () => {
    const fromFlag = exit(parseCli(["--root", "/"], {}, "/tmp", VERSION));
    const fromEnv = exit(parseCli([], { HFS_ROOT: "/" }, "/tmp", VERSION));
    const fromCwd = exit(parseCli([], {}, "/", VERSION));
    expect(fromFlag.message).toBe(
      "hfs-mcp will not serve `/` (given by --root): it is the file system's root, not a project, and the board would be " +
        "written to `/.hfs`. Pass the project folder: --root /path/to/project (or set HFS_ROOT).",
    );
    expect(fromEnv.message).toBe(fromFlag.message.replace("given by --root", "given by HFS_ROOT"));
    expect(fromCwd.message).toBe(fromFlag.message.replace("given by --root", "the working directory; the client offers no roots"));
    for (const parsed of [fromFlag, fromEnv]) {
      expect(parsed.code).toBe(2);
      expect(parsed.unlessClientRoots).toBeUndefined(); // given explicitly: no client root can override it
    }
    // `/` spelled another way is still `/`.
    expect(exit(parseCli(["--root", "/tmp/.."], {}, "/tmp", VERSION)).message).toContain("will not serve `/`");
    expect(exit(parseCli(["--root", "//"], {}, "/tmp", VERSION)).message).toContain("will not serve `/`");
  });

  it("starts from `/` when a root is given", async () => {
    const root = await tempRoot();
    expect(run(parseCli(["--root", root], {}, "/", VERSION)).root).toBe(root);
    expect(run(parseCli([], { HFS_ROOT: root }, "/", VERSION)).root).toBe(root);
  });

  it("refuses a root that is not an existing directory, naming it", async () => {
    const cwd = await tempRoot();
    const missing = join(cwd, "no-such-dir");
    const parsed = exit(parseCli(["--root", missing], {}, cwd, VERSION));
    expect(parsed.code).not.toBe(0);
    expect(parsed.message).toContain(missing);
  });

  it("takes the agent id from --agent-id, else HFS_AGENT_ID", async () => {
    const cwd = await tempRoot();
    expect(run(parseCli(["--agent-id", "bravo"], { HFS_AGENT_ID: "alpha" }, cwd, VERSION)).agentId).toBe("bravo");
    expect(run(parseCli([], { HFS_AGENT_ID: "alpha" }, cwd, VERSION)).agentId).toBe("alpha");
    expect(run(parseCli([], { HFS_AGENT_ID: "" }, cwd, VERSION)).agentId).toBeUndefined();
    expect(run(parseCli(["--agent-id", "a".repeat(64)], {}, cwd, VERSION)).agentId).toBe("a".repeat(64));
  });

  it("refuses an invalid agent id from either source, naming it", async () => {
    const cwd = await tempRoot();
    for (const id of ["Agent-1", "../state", "a/b", "con", "lpt9", "-lead", "a".repeat(65)]) {
      const fromFlag = exit(parseCli([`--agent-id=${id}`], {}, cwd, VERSION));
      expect(fromFlag.code, id).not.toBe(0);
      expect(fromFlag.message, id).toContain(id);
      expect(exit(parseCli([], { HFS_AGENT_ID: id }, cwd, VERSION)).code, id).not.toBe(0);
    }
  });

  it("takes the lock timeout from --lock-timeout-ms, else HFS_LOCK_TIMEOUT_MS", async () => {
    const cwd = await tempRoot();
    expect(run(parseCli(["--lock-timeout-ms", "300"], { HFS_LOCK_TIMEOUT_MS: "5000" }, cwd, VERSION)).lockTimeoutMs).toBe(300);
    expect(run(parseCli([], { HFS_LOCK_TIMEOUT_MS: "5000" }, cwd, VERSION)).lockTimeoutMs).toBe(5000);
    expect(run(parseCli(["--lock-timeout-ms", "0"], {}, cwd, VERSION)).lockTimeoutMs).toBe(0);
  });

  it("refuses a lock timeout that is not a whole number of milliseconds, naming it", async () => {
    const cwd = await tempRoot();
    for (const value of ["abc", "-1", "1.5", "10s"]) {
      const parsed = exit(parseCli([`--lock-timeout-ms=${value}`], {}, cwd, VERSION));
      expect(parsed.code, value).not.toBe(0);
      expect(parsed.message, value).toContain(value);
      expect(exit(parseCli([], { HFS_LOCK_TIMEOUT_MS: value }, cwd, VERSION)).code, value).not.toBe(0);
    }
  });

  it("takes the stale timeout from --lock-stale-ms, else HFS_LOCK_STALE_MS, and refuses one under 500 ms or not a number", async () => {
    const cwd = await tempRoot();
    expect(run(parseCli(["--lock-stale-ms", "2000"], { HFS_LOCK_STALE_MS: "5000" }, cwd, VERSION)).lockStaleMs).toBe(2000);
    expect(run(parseCli([], { HFS_LOCK_STALE_MS: "5000" }, cwd, VERSION)).lockStaleMs).toBe(5000);
    for (const value of ["abc", "499", "-1", "1.5", "10s"]) {
      const parsed = exit(parseCli([`--lock-stale-ms=${value}`], {}, cwd, VERSION));
      expect(parsed.code, value).toBe(2);
      expect(parsed.message, value).toContain(value);
      expect(exit(parseCli([], { HFS_LOCK_STALE_MS: value }, cwd, VERSION)).code, value).toBe(2);
    }
  });

  it("takes --reclaim-after-minutes (fractions allowed), else HFS_RECLAIM_AFTER_MINUTES; off without either", async () => {
    const cwd = await tempRoot();
    expect(run(parseCli([], {}, cwd, VERSION)).reclaimAfterMs).toBeUndefined();
    expect(run(parseCli(["--reclaim-after-minutes", "30"], { HFS_RECLAIM_AFTER_MINUTES: "5" }, cwd, VERSION)).reclaimAfterMs).toBe(
      1_800_000,
    );
    expect(run(parseCli([], { HFS_RECLAIM_AFTER_MINUTES: "0.02" }, cwd, VERSION)).reclaimAfterMs).toBe(1_200);
    expect(run(parseCli(["--http", "0", "--reclaim-after-minutes", "1"], {}, cwd, VERSION)).reclaimAfterMs).toBe(60_000);
    for (const value of ["0", "-1", "abc", "10m", "1e3"]) {
      const parsed = exit(parseCli([`--reclaim-after-minutes=${value}`], {}, cwd, VERSION));
      expect(parsed.code, value).toBe(2);
      expect(parsed.message, value).toContain(`\`${value}\``);
    }
  });

  it("takes the presence interval from HFS_PRESENCE_INTERVAL_MS (for tests), at least 50 ms", async () => {
    const cwd = await tempRoot();
    expect(run(parseCli([], { HFS_PRESENCE_INTERVAL_MS: "200" }, cwd, VERSION)).presenceIntervalMs).toBe(200);
    expect(exit(parseCli([], { HFS_PRESENCE_INTERVAL_MS: "49" }, cwd, VERSION)).code).toBe(2);
  });

  it("prints usage for --help and -h and the version for --version, exiting 0", async () => {
    const cwd = await tempRoot();
    for (const flag of ["--help", "-h"]) expect(parseCli([flag], {}, cwd, VERSION)).toEqual({ kind: "exit", code: 0, message: USAGE });
    expect(parseCli(["--version"], {}, cwd, VERSION)).toEqual({ kind: "exit", code: 0, message: VERSION });
    for (const option of ["--root", "--agent-id", "--lock-timeout-ms", "HFS_ROOT", "HFS_AGENT_ID", "HFS_LOCK_TIMEOUT_MS"]) {
      expect(USAGE).toContain(option);
    }
  });

  it("refuses unknown options and stray arguments with the usage", async () => {
    const cwd = await tempRoot();
    for (const argv of [["--agent", "alpha"], ["project"], ["--root"]]) {
      const parsed = exit(parseCli(argv, {}, cwd, VERSION));
      expect(parsed.code, argv.join(" ")).not.toBe(0);
      expect(parsed.message, argv.join(" ")).toContain(USAGE);
    }
  });
});
