/**
 * Commit messages on the board's branch. `git log hfs` is the audit log, so the subject reads like one
 * (`alpha claimed "Build auth"`), and every history line of the write is kept verbatim in a trailer,
 *
 *   Hfs-Log: - 2026-11-27T18:35:12.345Z alpha claim "Build auth"
 *
 * so that reading history back (claim times) is exact rather than a parse of prose.
 */

export const LOG_TRAILER = "Hfs-Log: ";

const PAST: Record<string, string> = {
  add: "added",
  claim: "claimed",
  complete: "completed",
  release: "released",
  "force-release": "force-released",
};

// `- <time> <agent> <action> <rest>`, the store's history line (see board/history.ts for the whole grammar).
const HISTORY_LINE = /^- (\S+) (\S+) (\S+) (.*)$/;

export interface CommitText {
  message: string;
  /** Who the commit is by: the agent of its first history line, else of the memory file it changes. */
  author: string | undefined;
}

/** The message for one write: its history lines (`log`) and the repository paths it changes. */
export function commitMessage(log: readonly string[], paths: readonly string[]): CommitText {
  const readable = log.map(readableLine);
  const memory = paths.filter((path) => path !== ".hfs/state.md").map((path) => `${memoryAgent(path) ?? "someone"} updated ${path}`);
  const lines = [...readable, ...memory];
  const subject = lines.length === 0 ? "hfs: update the board" : `${lines[0]}${lines.length > 1 ? ` (+${lines.length - 1} more)` : ""}`;
  const body = lines.length > 1 ? `\n\n${lines.join("\n")}` : "";
  const trailers = log.length > 0 ? `\n\n${log.map((line) => `${LOG_TRAILER}${line}`).join("\n")}` : "";
  const firstAgent = HISTORY_LINE.exec(log[0] ?? "")?.[2] ?? paths.map(memoryAgent).find((agent) => agent !== undefined);
  return { message: `${subject}${body}${trailers}\n`, author: firstAgent };
}

/** The history lines a commit message carries, in order. */
export function historyLinesOf(message: string): string[] {
  return message
    .split("\n")
    .filter((line) => line.startsWith(LOG_TRAILER))
    .map((line) => line.slice(LOG_TRAILER.length));
}

/** `- 2026-… alpha claim "Build auth"` → `alpha claimed "Build auth"`; anything else unchanged. */
export function readableLine(line: string): string {
  const match = HISTORY_LINE.exec(line);
  if (!match) return line;
  const [, , agent, action, rest] = match;
  return `${agent} ${PAST[action!] ?? action} ${rest}`;
}

function memoryAgent(path: string): string | undefined {
  return /^\.hfs\/agents\/([^/]+)\.md$/.exec(path)?.[1];
}
