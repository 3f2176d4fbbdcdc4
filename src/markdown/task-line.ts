/**
 * The anatomy of one task-list line: `<container prefix>[ ]<rest>`, where the rest may end in a claim marker
 * `[IP:<agent-id>]`. The markdown parser decides *whether* a line holds a task item; this module only takes an
 * item's line apart and puts it back together, so edits touch the checkbox and marker and nothing else.
 */

export type ItemStatus = "available" | "in_progress" | "completed";

export interface TaskLine {
  /** Everything up to the checkbox's `[`: indentation, blockquote markers, the bullet. */
  prefix: string;
  /** The character inside the checkbox: space, `x` or `X`. */
  check: string;
  /** Everything after the checkbox's `]`, marker included. */
  rest: string;
  /** The rest without the claim marker, untrimmed (keeps a person's trailing spaces). */
  text: string;
  /** The claim marker with the whitespace that precedes it, or "" when unclaimed. */
  marker: string;
  claimedBy: string | null;
  description: string;
  status: ItemStatus;
}

/** What an agent id may be: it becomes a file name (`.hfs/agents/<id>.md`) and the id in claim markers. */
export const AGENT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

// Container syntax only: spaces, tabs, `>` and an optional bullet (`-`, `*`, `+`, `1.`, `1)`).
const CHECKBOX = /^([ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?[ \t]*)\[([ xX])\]/;
// A trailing `[IP:<id>]`; its id is whatever a person typed, up to `]`, without whitespace.
const MARKER = /([ \t]*)\[IP:([^\]\s]+)\]([ \t]*)$/;

/** Take apart a line that the parser reported as a task item; undefined if it has no checkbox. */
export function parseTaskLine(line: string): TaskLine | undefined {
  const head = CHECKBOX.exec(line);
  if (!head) return undefined;
  const prefix = head[1] ?? "";
  const check = head[2] ?? " ";
  const rest = line.slice(head[0].length);
  const found = MARKER.exec(rest);
  const text = found ? rest.slice(0, found.index) : rest;
  const marker = found ? rest.slice(found.index) : "";
  const checked = check !== " ";
  const claimedBy = found && !checked ? holderOf(found[2]!) : null;
  return {
    prefix,
    check,
    rest,
    text,
    marker,
    claimedBy,
    description: text.trim(),
    status: checked ? "completed" : claimedBy ? "in_progress" : "available",
  };
}

/**
 * The holder a marker names. A person may type any id (`[IP:Alpha]`, `alpha` followed by a zero-width space, a
 * Cyrillic `а`): that is still a claim — by a holder no agent can be, since no valid id equals it. It is shown
 * with a leading `?` and every character outside printable ASCII as `\u{…}`, so a person sees it is not `alpha`.
 */
export function holderOf(id: string): string {
  if (AGENT_ID.test(id)) return id;
  return `?${id.replace(/[^\x21-\x7e]/gu, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`)}`;
}

/** The line with ` [IP:<agentId>]` appended after everything it already holds. */
export function claimedLine(line: string, agentId: string): string {
  return `${line} [IP:${agentId}]`;
}

/**
 * The line without its claim marker. The marker and one whitespace character before it go (the one a claim
 * adds); whatever else surrounds it stays, so a claim followed by a release restores the original bytes.
 */
export function releasedLine(task: TaskLine): string {
  const head = `${task.prefix}[${task.check}]${task.text}`;
  const match = MARKER.exec(task.marker);
  if (!match) return head + task.marker;
  const leading = match[1] ?? "";
  const trailing = match[3] ?? "";
  return head + leading.slice(0, -1) + trailing;
}

/** The line checked off (`[x]`) and without its claim marker. */
export function completedLine(task: TaskLine): string {
  const released = releasedLine(task);
  return `${released.slice(0, task.prefix.length)}[x]${released.slice(task.prefix.length + 3)}`;
}
