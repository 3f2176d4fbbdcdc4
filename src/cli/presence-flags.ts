import { DEFAULT_PRESENCE_INTERVAL_MS } from "../board/index.js";

/** The shortest touch interval accepted (for tests): below it, timers on a busy machine miss beats. */
const MIN_PRESENCE_INTERVAL_MS = 50;
/** Longer than anyone means: a holder offline for a year is still "offline since". */
const MAX_RECLAIM_MINUTES = 365 * 24 * 60;

export interface PresenceOptions {
  /** How often a server touches its presence records (HFS_PRESENCE_INTERVAL_MS, for tests). */
  presenceIntervalMs: number;
  /** Claims of a holder offline this long may be taken (--reclaim-after-minutes); absent: never. */
  reclaimAfterMs?: number;
}

/**
 * `--reclaim-after-minutes N` (else HFS_RECLAIM_AFTER_MINUTES) and HFS_PRESENCE_INTERVAL_MS, or the message to
 * exit with. N may have a fraction (0.5: 30 s) and must be more than 0: without the flag claims never lapse.
 */
export function parsePresenceOptions(input: { reclaimAfterMinutes?: string; presenceIntervalMs?: string }): PresenceOptions | string {
  let presenceIntervalMs = DEFAULT_PRESENCE_INTERVAL_MS;
  if (input.presenceIntervalMs !== undefined) {
    presenceIntervalMs = Number(input.presenceIntervalMs);
    if (!Number.isInteger(presenceIntervalMs) || presenceIntervalMs < MIN_PRESENCE_INTERVAL_MS) {
      return `HFS_PRESENCE_INTERVAL_MS \`${input.presenceIntervalMs}\` is not a whole number of milliseconds of at least ${MIN_PRESENCE_INTERVAL_MS}.`;
    }
  }
  const text = input.reclaimAfterMinutes;
  if (text === undefined) return { presenceIntervalMs };
  const minutes = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(minutes > 0 && minutes <= MAX_RECLAIM_MINUTES)) {
    return `--reclaim-after-minutes \`${text}\` is not a number of minutes above 0 (e.g. 30, or 0.5); leave it out to keep claims until released.`;
  }
  return { presenceIntervalMs, reclaimAfterMs: Math.round(minutes * 60_000) };
}
