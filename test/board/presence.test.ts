import { describe, expect, it } from "vitest";
import { mayReclaim, PresenceView } from "../../src/board/presence.js";
import { parseName } from "../../src/store/lock-owner.js";
import type { PresenceRecord } from "../../src/store/presence-records.js";
import { formatScope, thisProcess } from "../../src/store/process-identity.js";
import { deadPid } from "../helpers/processes.js";

const NOW = Date.parse("2026-12-01T12:00:00.000Z");
const TIMEOUT = 15_000;
const self = thisProcess();
const scope = formatScope(self.scope);

function serverRecord(agent: string, pid: number, host: string, mtimeMs: number, withScope = true): PresenceRecord {
  const name = `${agent}~${pid}~${host}~${"0".repeat(16)}${withScope && scope ? `~${scope}` : ""}`;
  return { agent, server: parseName(name, `${agent}~`)!, mtimeMs };
}

describe("PresenceView", () => {
  it("online: a record of a live process of this host and namespace, however old its heartbeat", () => {
    const view = new PresenceView([serverRecord("alpha", process.pid, self.host, NOW - 3_600_000)], NOW, TIMEOUT);
    expect(view.of("alpha")).toEqual({ online: true, offlineSince: null });
  });

  it.skipIf(self.scope === undefined)("offline at once: a record of a dead process here, since its last heartbeat", () => {
    const view = new PresenceView([serverRecord("alpha", deadPid(), self.host, NOW - 1_000)], NOW, TIMEOUT);
    expect(view.of("alpha")).toEqual({ online: false, offlineSince: new Date(NOW - 1_000).toISOString() });
  });

  it("a process that cannot be checked (another host, or no scope): online while its heartbeat is fresh", () => {
    const fresh = new PresenceView([serverRecord("alpha", 4242, "other-host.invalid", NOW - TIMEOUT)], NOW, TIMEOUT);
    expect(fresh.of("alpha")).toEqual({ online: true, offlineSince: null });
    const stale = new PresenceView([serverRecord("alpha", 4242, "other-host.invalid", NOW - TIMEOUT - 1)], NOW, TIMEOUT);
    expect(stale.of("alpha")).toEqual({ online: false, offlineSince: new Date(NOW - TIMEOUT - 1).toISOString() });
    const unscoped = new PresenceView([serverRecord("alpha", process.pid, self.host, NOW - 60_000, false)], NOW, TIMEOUT);
    expect(unscoped.of("alpha").online).toBe(false);
  });

  it("offline since the latest of its records (a graceful stop's .left, dead servers' heartbeats); unknown without any", () => {
    const view = new PresenceView(
      [
        { agent: "alpha", mtimeMs: NOW - 600_000 },
        serverRecord("alpha", 4242, "other-host.invalid", NOW - 300_000),
        serverRecord("bravo", 4243, "other-host.invalid", NOW - 1_000),
      ],
      NOW,
      TIMEOUT,
    );
    expect(view.of("alpha")).toEqual({ online: false, offlineSince: new Date(NOW - 300_000).toISOString() });
    expect(view.of("bravo")).toEqual({ online: true, offlineSince: null });
    expect(view.of("carol")).toEqual({ online: null, offlineSince: null });
  });

  it("one live server among dead ones and a .left: online", () => {
    const view = new PresenceView(
      [
        { agent: "alpha", mtimeMs: NOW },
        serverRecord("alpha", 4242, "other-host.invalid", NOW - 600_000),
        serverRecord("alpha", process.pid, self.host, NOW),
      ],
      NOW,
      TIMEOUT,
    );
    expect(view.of("alpha").online).toBe(true);
  });
});

describe("mayReclaim", () => {
  it("only from a holder known offline for at least the time given; never online or unknown", () => {
    const since = (ms: number) => ({ online: false, offlineSince: new Date(NOW - ms).toISOString() });
    expect(mayReclaim(since(60_000), 60_000, NOW)).toBe(true);
    expect(mayReclaim(since(59_999), 60_000, NOW)).toBe(false);
    expect(mayReclaim({ online: true, offlineSince: null }, 0, NOW)).toBe(false);
    expect(mayReclaim({ online: null, offlineSince: null }, 0, NOW)).toBe(false);
  });
});
