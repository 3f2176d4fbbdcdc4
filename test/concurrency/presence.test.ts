import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/commands/index.js";
import { call, type SpawnedServer, spawnServer } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";

/**
 * Presence and reclaiming across real server processes: a holder killed with SIGKILL shows offline at once
 * where its pid can be judged (this host, boot and PID namespace) and after the heartbeat timeout elsewhere (a
 * server in another PID namespace stands for another host); claims are taken only after --reclaim-after-minutes,
 * never from a holder that is online, however old the claim.
 */

// Presence records touched every 100 ms: a heartbeat counts as fresh for 3 of them (300 ms).
const INTERVAL_MS = 100;
const TIMEOUT_MS = 3 * INTERVAL_MS;
const ENV = { HFS_PRESENCE_INTERVAL_MS: String(INTERVAL_MS) };
// 0.02 min: 1.2 s.
const RECLAIM_MINUTES = "0.02";
const RECLAIM_MS = 1_200;
const BOARD = "# Board\n\n- [ ] Build auth\n- [ ] Write docs\n- [ ] Deploy\n- [ ] Free task\n";
const UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "--"];
const canUnshare = spawnSync("unshare", [...UNSHARE, "true"]).status === 0;

const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`FIGURES presence: ${figures.join("; ")}`);
});

async function boardRoot(): Promise<string> {
  const root = await tempRoot();
  await mkdir(join(root, ".hfs"));
  await writeFile(join(root, ".hfs", "state.md"), BOARD);
  return root;
}

function server(root: string, agent: string, extra: string[] = [], wrap?: string[]): Promise<SpawnedServer> {
  return spawnServer(["--root", root, "--agent-id", agent, ...extra], ENV, wrap ? { wrap } : {});
}

async function holderOf(observer: SpawnedServer, description: string): Promise<Record<string, any>> {
  const listed = await call(observer.client, "get_work_items", { status: "in_progress" });
  return listed.data.items.find((item: { description: string }) => item.description === description);
}

/** Polls until `description`'s holder reads offline; returns how long that took from `since`. */
async function offlineAfter(observer: SpawnedServer, description: string, since: number, withinMs = 10_000): Promise<number> {
  for (;;) {
    const item = await holderOf(observer, description);
    if (item?.holder_online === false) return performance.now() - since;
    if (performance.now() - since > withinMs) throw new Error(`${description}: holder still ${item?.holder_online} after ${withinMs} ms`);
    await sleep(20);
  }
}

describe("presence across server processes", () => {
  it("shows a running holder online, a holder killed with SIGKILL offline at once (same host and PID namespace)", async () => {
    const root = await boardRoot();
    const alpha = await server(root, "alpha");
    const bravo = await server(root, "bravo");
    expect((await call(alpha.client, "claim_item", { description: "Build auth" })).isError).toBe(false);
    // A second server of the same agent: alpha stays online while either runs.
    const alphaAgain = await server(root, "alpha");
    expect(await holderOf(bravo, "Build auth")).toMatchObject({ claimed_by: "alpha", holder_online: true, holder_offline_since: null });
    process.kill(alpha.pid!, "SIGKILL");
    await sleep(TIMEOUT_MS * 2);
    expect((await holderOf(bravo, "Build auth")).holder_online).toBe(true);
    const killedAt = performance.now();
    process.kill(alphaAgain.pid!, "SIGKILL");
    const took = await offlineAfter(bravo, "Build auth", killedAt);
    figures.push(`offline after SIGKILL, same namespace: ${took.toFixed(0)} ms`);
    expect(took).toBeLessThan(1_000);
    const item = await holderOf(bravo, "Build auth");
    expect(Date.now() - Date.parse(item.holder_offline_since)).toBeLessThan(TIMEOUT_MS + 2_000);
    const status = await runCommand(["status", "--root", root], ENV, "/");
    expect(status.text).toMatch(/L3 {2}alpha {2}held under a minute {2}offline under a minute \(since \S+\) {2}Build auth/);
  });

  it.skipIf(!canUnshare)(
    "shows a holder judged only by its heartbeat (another PID namespace) offline within 3 intervals of a SIGKILL",
    async () => {
      const root = await boardRoot();
      const alpha = await server(root, "alpha", [], UNSHARE);
      const bravo = await server(root, "bravo");
      await call(alpha.client, "claim_item", { description: "Build auth" });
      await sleep(TIMEOUT_MS * 2); // beating: online although its pid means nothing here
      expect((await holderOf(bravo, "Build auth")).holder_online).toBe(true);
      const killedAt = performance.now();
      process.kill(alpha.pid!, "SIGKILL"); // unshare --kill-child takes the server with it
      const took = await offlineAfter(bravo, "Build auth", killedAt);
      figures.push(`offline after SIGKILL, other PID namespace: ${took.toFixed(0)} ms (timeout ${TIMEOUT_MS} ms)`);
      expect(took).toBeLessThan(TIMEOUT_MS + 1_500);
    },
  );

  it("a graceful stop leaves <agent>.left: offline since the stop; an agent that never ran a server here is unknown", async () => {
    const root = await boardRoot();
    await writeFile(join(root, ".hfs", "state.md"), BOARD.replace("- [ ] Write docs", "- [ ] Write docs [IP:carol]"));
    const alpha = await server(root, "alpha");
    const bravo = await server(root, "bravo");
    await call(alpha.client, "claim_item", { description: "Build auth" });
    const stopped = Date.now();
    await alpha.client.close(); // stdin closes: the server stops and exits 0
    await sleep(300);
    expect((await readdir(join(root, ".hfs", "presence"))).filter((name) => name.startsWith("alpha"))).toEqual(["alpha.left"]);
    const item = await holderOf(bravo, "Build auth");
    expect(item.holder_online).toBe(false);
    expect(Math.abs(Date.parse(item.holder_offline_since) - stopped)).toBeLessThan(2_000);
    expect(await holderOf(bravo, "Write docs")).toMatchObject({ claimed_by: "carol", holder_online: null, holder_offline_since: null });
  });
});

describe("reclaiming with --reclaim-after-minutes", () => {
  it("takes an item from a killed holder only once it has been offline N minutes, and logs who took it from whom and why", async () => {
    const root = await boardRoot();
    const alpha = await server(root, "alpha");
    const bravo = await server(root, "bravo", ["--reclaim-after-minutes", RECLAIM_MINUTES]);
    await call(alpha.client, "claim_item", { description: "Build auth" });
    await call(alpha.client, "claim_item", { description: "Deploy" });
    process.kill(alpha.pid!, "SIGKILL");
    await offlineAfter(bravo, "Build auth", performance.now());
    const early = await call(bravo.client, "claim_item", { description: "Build auth" });
    expect(early.data).toMatchObject({ success: false, reason: "not_available", claimed_by: "alpha" });
    const since = Date.parse((await holderOf(bravo, "Build auth")).holder_offline_since);
    await sleep(Math.max(0, since + RECLAIM_MS - Date.now() + 100));
    const before = Date.now();
    const taken = await call(bravo.client, "claim_item", { description: "Build auth" });
    expect(taken.data).toEqual({
      success: true,
      description: "Build auth",
      status: "in_progress",
      claimed_by: "bravo",
      line: 3,
      reclaimed_from: "alpha",
    });
    expect(taken.text).toContain("taken from alpha");
    // claim_next reclaims too: once Write docs is taken, Deploy (alpha's) comes before Free task in file order.
    await call(bravo.client, "claim_item", { description: "Write docs" });
    expect((await call(bravo.client, "claim_next")).data).toMatchObject({ description: "Deploy", reclaimed_from: "alpha" });
    const text = await readFile(join(root, ".hfs", "state.md"), "utf8");
    expect(text).toBe(
      BOARD.replace("- [ ] Build auth", "- [ ] Build auth [IP:bravo]")
        .replace("- [ ] Write docs", "- [ ] Write docs [IP:bravo]")
        .replace("- [ ] Deploy", "- [ ] Deploy [IP:bravo]"),
    );
    const log = await readFile(join(root, ".hfs", "log.md"), "utf8");
    expect(log).toMatch(/^- \S+ bravo reclaim "Build auth" from alpha because "alpha offline since \S+ \(over 0\.02 min\)"$/m);
    const item = await holderOf(bravo, "Build auth");
    expect(item).toMatchObject({ claimed_by: "bravo", holder_online: true });
    expect(Date.parse(item.claimed_at)).toBeGreaterThanOrEqual(before - 5);
  });

  it("never reclaims from a holder that is online, however old its claim: a live but paused server, another host's fresh heartbeat", async () => {
    const root = await boardRoot();
    const hfs = join(root, ".hfs");
    // Claims made long ago (the log says a day), held by agents that are present.
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    await writeFile(
      join(hfs, "state.md"),
      BOARD.replace("- [ ] Build auth", "- [ ] Build auth [IP:alpha]").replace("- [ ] Write docs", "- [ ] Write docs [IP:dora]"),
    );
    await writeFile(join(hfs, "log.md"), `# HFS Log\n\n- ${dayAgo} alpha claim "Build auth"\n- ${dayAgo} dora claim "Write docs"\n`);
    const alpha = await server(root, "alpha");
    // dora's server runs on another host: only its heartbeat says so, kept fresh by this test.
    await mkdir(join(hfs, "presence"), { recursive: true });
    const doraRecord = join(hfs, "presence", `dora~4242~other-host.invalid~${"d".repeat(16)}`);
    await writeFile(doraRecord, "");
    const beat = setInterval(() => void utimes(doraRecord, new Date(), new Date()).catch(() => undefined), INTERVAL_MS);
    try {
      process.kill(alpha.pid!, "SIGSTOP"); // alive, but its heartbeat stops
      const bravo = await server(root, "bravo", ["--reclaim-after-minutes", RECLAIM_MINUTES]);
      await sleep(RECLAIM_MS + TIMEOUT_MS * 2);
      for (const description of ["Build auth", "Write docs"]) {
        expect((await holderOf(bravo, description)).holder_online, description).toBe(true);
        const refused = await call(bravo.client, "claim_item", { description });
        expect(refused.data, description).toMatchObject({ success: false, reason: "not_available" });
      }
      expect((await call(bravo.client, "claim_next")).data.description).toBe("Deploy");
      expect((await call(bravo.client, "claim_next")).data.description).toBe("Free task");
      expect((await call(bravo.client, "claim_next")).data.reason).toBe("none_available");
      // dora's heartbeat stops: offline now, and reclaimable N minutes after its last beat.
      clearInterval(beat);
      await offlineAfter(bravo, "Write docs", performance.now());
      await sleep(RECLAIM_MS + 100);
      expect((await call(bravo.client, "claim_item", { description: "Write docs" })).data).toMatchObject({
        success: true,
        reclaimed_from: "dora",
      });
      expect(await readFile(join(hfs, "state.md"), "utf8")).toContain("- [ ] Build auth [IP:alpha]");
    } finally {
      clearInterval(beat);
      process.kill(alpha.pid!, "SIGCONT");
    }
  });

  it("does not reclaim without the flag, and never from a holder whose presence is unknown", async () => {
    const root = await boardRoot();
    await writeFile(join(root, ".hfs", "state.md"), BOARD.replace("- [ ] Write docs", "- [ ] Write docs [IP:carol]"));
    const alpha = await server(root, "alpha");
    const plain = await server(root, "bravo");
    const reclaiming = await server(root, "charlie", ["--reclaim-after-minutes", RECLAIM_MINUTES]);
    await call(alpha.client, "claim_item", { description: "Build auth" });
    process.kill(alpha.pid!, "SIGKILL");
    await offlineAfter(plain, "Build auth", performance.now());
    await sleep(RECLAIM_MS + 200);
    expect((await call(plain.client, "claim_item", { description: "Build auth" })).data.reason).toBe("not_available");
    // carol typed by hand, no server of hers ever ran here: unknown, kept.
    expect((await call(reclaiming.client, "claim_item", { description: "Write docs" })).data.reason).toBe("not_available");
    expect((await call(reclaiming.client, "claim_item", { description: "Build auth" })).data).toMatchObject({ reclaimed_from: "alpha" });
  });
});
