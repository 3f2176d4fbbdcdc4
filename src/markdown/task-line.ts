/**
 * The anatomy of one task-list line: `<container prefix>[ ]<rest>`, where the rest may end in a claim marker
 * `[IP:<agent-id>]`, and the text before the marker may end in a dependency suffix `(after: <item>; <item>)`.
 * The markdown parser decides *whether* a line holds a task item; this module only takes an item's line apart
 * and puts it back together, so edits touch the checkbox and marker and nothing else (the suffix is kept as it
 * was, byte for byte).
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
  /** The text, trimmed, without the dependency suffix: what the tools address the item by. */
  description: string;
  /** The items named by a trailing `(after: …)` suffix, as written (trimmed, empty ones dropped); [] without one. */
  after: string[];
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
  const trimmed = text.trim();
  const suffix = afterSuffix(trimmed);
  return {
    prefix,
    check,
    rest,
    text,
    marker,
    claimedBy,
    description: suffix ? suffix.description : trimmed,
    after: suffix ? suffix.after : [],
    status: checked ? "completed" : claimedBy ? "in_progress" : "available",
  };
}

const AFTER = /\(after:/gi;

/**
 * A trailing `(after: A; B)` of a trimmed text, split into the description before it and the names inside it.
 * Recognised only at the very end (before any claim marker), after whitespace, with a non-empty description in
 * front and balanced parentheses inside (`(after: Fix the bug (urgent))` names `Fix the bug (urgent)`), so a
 * description that merely mentions "(after:" earlier keeps its text. Names are split at `;`: descriptions hold
 * commas far more often than semicolons.
 */
export function afterSuffix(text: string): { description: string; after: string[] } | undefined {
  if (!text.endsWith(")")) return undefined;
  for (const match of text.matchAll(AFTER)) {
    const at = match.index;
    const inside = text.slice(at + match[0].length, -1);
    if (!balanced(inside)) continue;
    const description = text.slice(0, at);
    if (description.trim() === "" || !/\s$/.test(description)) continue;
    const after = inside
      .split(";")
      .map((name) => name.trim())
      .filter((name) => name !== "");
    return { description: description.trim(), after };
  }
  return undefined;
}

// Every `(` closed, never a `)` before its `(`: the suffix's own closing parenthesis is the line's last one.
function balanced(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (char === "(") depth++;
    else if (char === ")" && --depth < 0) return false;
  }
  return depth === 0;
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

/**
 * The line claimed by `agentId` instead of its holder: only the id inside the marker changes, so the whitespace
 * around the marker stays as it was (a reclaim followed by a release gives the same bytes as a release would).
 */
export function reclaimedLine(task: TaskLine, agentId: string): string {
  const head = `${task.prefix}[${task.check}]${task.text}`;
  return head + task.marker.replace(/\[IP:[^\]\s]+\]/, `[IP:${agentId}]`);
}

/** The line checked off (`[x]`) and without its claim marker. */
export function completedLine(task: TaskLine): string {
  const released = releasedLine(task);
  return `${released.slice(0, task.prefix.length)}[x]${released.slice(task.prefix.length + 3)}`;
}
