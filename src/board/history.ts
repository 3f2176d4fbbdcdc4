import { looseKey } from "../markdown/loose-key.js";
import type { BoardStore } from "../store/index.js";

export type HistoryAction = "add" | "claim" | "reclaim" | "complete" | "release" | "force-release";

export interface HistoryEvent {
  at: string;
  agent: string;
  action: HistoryAction;
  description: string;
  /** For a forced release or a reclaim: whose claim it was. */
  from?: string;
  reason?: string;
}

/**
 * One line of `.hfs/log.md`, readable by people and parseable without ambiguity (descriptions and reasons are
 * JSON strings): `- 2026-11-27T18:35:12.345Z alpha claim "Build auth"`, and for a forced release
 * `- … bob force-release "Build auth" from alpha because "alpha's runner died"`.
 */
export function historyLine(event: Omit<HistoryEvent, "at">, at: Date = new Date()): string {
  const from = event.from === undefined ? "" : ` from ${event.from}`;
  const reason = event.reason === undefined ? "" : ` because ${JSON.stringify(event.reason)}`;
  return `- ${at.toISOString()} ${event.agent} ${event.action} ${JSON.stringify(event.description)}${from}${reason}`;
}

const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
const LINE = new RegExp(
  String.raw`^- (\S+) (\S+) (add|claim|reclaim|complete|release|force-release) (${JSON_STRING})(?: from (\S+))?(?: because (${JSON_STRING}))?$`,
);

/** The event a log line records, or undefined for anything else (the header, a person's note, a torn line). */
export function parseHistoryLine(line: string): HistoryEvent | undefined {
  const match = LINE.exec(line);
  if (!match) return undefined;
  try {
    const event: HistoryEvent = {
      at: match[1]!,
      agent: match[2]!,
      action: match[3] as HistoryAction,
      description: JSON.parse(match[4]!) as string,
    };
    if (match[5] !== undefined) event.from = match[5];
    if (match[6] !== undefined) event.reason = JSON.parse(match[6]) as string;
    return Number.isNaN(Date.parse(event.at)) ? undefined : event;
  } catch {
    return undefined;
  }
}

/**
 * When each agent last claimed each item, from the log, kept current by reading only what was appended since
 * the last call (a call never rescans the whole log). A marker typed by hand, or a deleted log, gives null.
 */
export class ClaimTimes {
  private readonly latest = new Map<string, string>();
  /** Why the history could not be read at the last refresh; then every claim time is unknown. */
  unreadable: string | undefined;

  constructor(private readonly store: Pick<BoardStore, "readHistory">) {}

  /** Take in what was appended since the last refresh; call once per listing, then look up any number. */
  refresh(): void {
    const { lines, restarted, unreadable } = this.store.readHistory();
    this.unreadable = unreadable;
    if (restarted || unreadable) this.latest.clear();
    for (const line of lines) {
      const event = parseHistoryLine(line);
      // A reclaim is the reclaimer's claim: its time is when the item changed hands.
      if (event?.action === "claim" || event?.action === "reclaim") this.latest.set(key(event.description, event.agent), event.at);
    }
  }

  claimedAt(description: string, holder: string): string | null {
    return this.latest.get(key(description, holder)) ?? null;
  }
}

function key(description: string, agent: string): string {
  return `${looseKey(description)}\u0000${agent}`;
}
