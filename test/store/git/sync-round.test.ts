import { describe, expect, it } from "vitest";
import { waitBeforeAttempt } from "../../../src/store/git/sync-round.js";

describe("waitBeforeAttempt", () => {
  it("waits nothing while the remote is not contended", () => {
    expect(waitBeforeAttempt(1, 0, 10_000)).toBe(0);
    expect(waitBeforeAttempt(1, 1_000, 10_000)).toBe(0);
  });

  it("under contention, lets the writes that have tried longest go first", () => {
    const now = 10_000;
    const waits = (attempt: number) => Array.from({ length: 200 }, () => waitBeforeAttempt(attempt, now - 100, now));
    const fresh = waits(1);
    const older = waits(4);
    expect(Math.min(...fresh)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...fresh)).toBeLessThanOrEqual(140);
    expect(Math.max(...older)).toBeLessThanOrEqual(80);
    expect(Math.max(...older)).toBeLessThan(Math.min(...fresh) + 20);
    expect(waits(8).every((ms) => ms === 0)).toBe(true);
    expect(waits(30).every((ms) => ms === 0)).toBe(true);
  });
});
