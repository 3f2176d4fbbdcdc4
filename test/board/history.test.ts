import { appendFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClaimTimes, historyLine, parseHistoryLine } from "../../src/board/history.js";
import { LogTail } from "../../src/store/index.js";
import { tempRoot } from "../helpers/temp-root.js";

describe("history lines", () => {
  it("round-trip every action, with quotes and a reason", () => {
    const at = new Date("2026-11-27T18:35:12.345Z");
    const line = historyLine(
      { agent: "bob", action: "force-release", description: 'Say "hi"', from: "alpha", reason: "runner died: \\o/" },
      at,
    );
    expect(line).toBe('- 2026-11-27T18:35:12.345Z bob force-release "Say \\"hi\\"" from alpha because "runner died: \\\\o/"');
    expect(parseHistoryLine(line)).toEqual({
      at: "2026-11-27T18:35:12.345Z",
      agent: "bob",
      action: "force-release",
      description: 'Say "hi"',
      from: "alpha",
      reason: "runner died: \\o/",
    });
    const reclaim = historyLine(
      {
        agent: "bravo",
        action: "reclaim",
        description: "Build auth",
        from: "alpha",
        reason: "alpha offline since 2026-11-27T18:00:00.000Z (over 30 min)",
      },
      at,
    );
    expect(reclaim).toBe(
      '- 2026-11-27T18:35:12.345Z bravo reclaim "Build auth" from alpha because "alpha offline since 2026-11-27T18:00:00.000Z (over 30 min)"',
    );
    expect(parseHistoryLine(reclaim)).toMatchObject({ agent: "bravo", action: "reclaim", from: "alpha" });
    for (const action of ["add", "claim", "complete", "release"] as const) {
      expect(parseHistoryLine(historyLine({ agent: "a", action, description: "x" }, at))).toMatchObject({ action, description: "x" });
    }
  });

  it("ignores what is not an event: the header, notes, torn or malformed lines", () => {
    for (const line of ["# HFS Log", "", "a person's note", '- 2026-11-27T18:35:12.345Z a claim "torn', '- not-a-time a claim "x"']) {
      expect(parseHistoryLine(line)).toBeUndefined();
    }
  });
});

describe("ClaimTimes", () => {
  it("follows the log incrementally, takes the latest claim per holder, and starts over when the log is replaced", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs"));
    const log = join(root, ".hfs", "log.md");
    const tail = new LogTail(log);
    const times = new ClaimTimes({ readHistory: () => tail.read() });
    times.refresh();
    expect(times.claimedAt("Build auth", "alpha")).toBeNull(); // no log yet

    await writeFile(log, `# HFS Log\n\n${historyLine({ agent: "alpha", action: "claim", description: "Build auth" }, new Date(1000))}\n`);
    times.refresh();
    expect(times.claimedAt("build  AUTH", "alpha")).toBe(new Date(1000).toISOString());
    expect(times.claimedAt("Build auth", "bravo")).toBeNull();

    // A later claim wins; a torn last line is not read until it is complete.
    await appendFile(log, `${historyLine({ agent: "alpha", action: "claim", description: "Build auth" }, new Date(2000))}\n- 1970`);
    times.refresh();
    expect(times.claimedAt("Build auth", "alpha")).toBe(new Date(2000).toISOString());

    await rm(log);
    await writeFile(log, `${historyLine({ agent: "bravo", action: "claim", description: "Build auth" }, new Date(3000))}\n`);
    times.refresh();
    expect(times.claimedAt("Build auth", "alpha")).toBeNull();
    expect(times.claimedAt("Build auth", "bravo")).toBe(new Date(3000).toISOString());

    // A reclaim is the reclaimer's claim: its time is when the item changed hands.
    await appendFile(
      log,
      `${historyLine({ agent: "carol", action: "reclaim", description: "Build auth", from: "bravo", reason: "gone" }, new Date(4000))}\n`,
    );
    times.refresh();
    expect(times.claimedAt("Build auth", "carol")).toBe(new Date(4000).toISOString());
  });
});
