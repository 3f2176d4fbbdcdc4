// Straight from the modules (the store's index is the store's to change; presence is no part of its interface).
import { type PresenceRecord, readPresenceRecords } from "../store/presence-records.js";
import { liveness } from "../store/process-identity.js";

/**
 * Whether the agent holding a claim is still around, from the records its servers keep in `.hfs/presence/`
 * (store/presence-records.ts), judged the way the lock judges its holders:
 *
 * - **online**: some server record of the agent belongs to a process that is alive (checked by pid where that
 *   means something: same host, boot and PID namespace), or, where it cannot be checked, whose heartbeat is
 *   fresher than the timeout (3 touch intervals: 15 s by default);
 * - **offline since T**: records exist, but each one's process is dead or its heartbeat older than the timeout,
 *   and T is the latest of their times (a graceful stop's `.left` record, or the last heartbeat);
 * - **unknown** (null): no record at all: an agent that never ran a server here, or a marker typed by hand.
 */

/** How often a server touches its records; HFS_PRESENCE_INTERVAL_MS changes it, for tests. */
export const DEFAULT_PRESENCE_INTERVAL_MS = 5_000;
/** How many intervals a heartbeat may miss before its server counts as gone (a busy machine delays timers). */
export const MISSED_BEATS = 3;

export interface HolderPresence {
  online: boolean | null;
  /** When an offline holder was last seen (ISO time); null unless `online` is false. */
  offlineSince: string | null;
}

const UNKNOWN: HolderPresence = { online: null, offlineSince: null };

/** The presence of every agent, as the records read at one moment show it. */
export class PresenceView {
  private readonly byAgent = new Map<string, PresenceRecord[]>();
  /** Judged once per agent: a listing asks about the same few holders for many items. */
  private readonly judged = new Map<string, HolderPresence>();

  constructor(
    records: readonly PresenceRecord[],
    private readonly now: number,
    private readonly timeoutMs: number,
  ) {
    for (const record of records) {
      const list = this.byAgent.get(record.agent);
      if (list) list.push(record);
      else this.byAgent.set(record.agent, [record]);
    }
  }

  of(agent: string): HolderPresence {
    let presence = this.judged.get(agent);
    if (presence === undefined) {
      presence = this.judge(agent);
      this.judged.set(agent, presence);
    }
    return presence;
  }

  private judge(agent: string): HolderPresence {
    const records = this.byAgent.get(agent);
    if (!records) return UNKNOWN;
    let lastSeen = 0;
    for (const record of records) {
      if (record.server !== undefined) {
        const alive = liveness(record.server);
        if (alive === "alive") return { online: true, offlineSince: null };
        if (alive === "unknown" && this.now - record.mtimeMs <= this.timeoutMs) return { online: true, offlineSince: null };
      }
      lastSeen = Math.max(lastSeen, record.mtimeMs);
    }
    return { online: false, offlineSince: new Date(lastSeen).toISOString() };
  }
}

/** The records in `hfsDir` as a view; a folder that cannot be read gives a view where every agent is unknown. */
export function readPresence(hfsDir: string, timeoutMs: number, now = Date.now()): PresenceView {
  let records: PresenceRecord[];
  try {
    records = readPresenceRecords(hfsDir);
  } catch {
    records = [];
  }
  return new PresenceView(records, now, timeoutMs);
}

/**
 * Whether a claim held by an agent with this presence may be taken over by another: only a holder known to be
 * offline, since at least `afterMs` ago. Online or unknown: never.
 */
export function mayReclaim(presence: HolderPresence, afterMs: number, now: number): boolean {
  if (presence.online !== false || presence.offlineSince === null) return false;
  return now - Date.parse(presence.offlineSince) >= afterMs;
}
