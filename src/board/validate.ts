import { AGENT_ID } from "../markdown/task-line.js";
import { type Failure, failure } from "./failure.js";

// Names Windows reserves for devices, with or without an extension: `nul.md` cannot be created there.
const DEVICE_NAME = /^(con|nul|prn|aux|com[1-9]|lpt[1-9])$/;
// Unicode format characters (category Cf): bidi controls, zero-width spaces and joiners, soft hyphens, BOMs.
const FORMAT = /\p{Cf}/u;
// C0 controls other than tab, and DEL: they have no business in a one-line description.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export const DESCRIPTION_MAX = 500;
export const SECTION_MAX = 200;
export const MEMORY_CONTENT_MAX_BYTES = 64 * 1024;

export function checkAgentId(id: string, field = "agent_id"): Failure | undefined {
  if (!AGENT_ID.test(id)) {
    return failure(
      "invalid_input",
      `agent id \`${truncate(id)}\` is not valid`,
      "Use 1-64 characters: lowercase letters, digits, `-` or `_`, starting with a letter or digit (e.g. `agent-1`).",
      { field },
    );
  }
  if (DEVICE_NAME.test(id)) {
    return failure("invalid_input", `agent id \`${id}\` is a reserved device name on Windows`, "Pick another id, e.g. `agent-1`.", {
      field,
    });
  }
  return undefined;
}

/**
 * Text an agent gives to name an existing item (or to search: `query`): trimmed, one line, 1-500 characters.
 * Anything a person may have typed into the board is allowed — `[IP:` inside the text, invisible characters —
 * so that every item is addressable by the description get_work_items shows.
 */
export function checkReference(raw: string, field = "description"): Failure | string {
  const text = raw.trim();
  const bad = (why: string, hint: string) => failure("invalid_input", `${field} \`${truncate(raw)}\` ${why}`, hint, { field });
  if (text.length === 0) return bad("is empty", "Give the item's text, e.g. `Build auth`.");
  if (/[\r\n]/.test(text)) return bad("spans several lines", "Use one line; put details in your memory notes.");
  if (CONTROL.test(text)) return bad("contains control characters", "Use plain printable text.");
  if (text.length > DESCRIPTION_MAX)
    return bad(`is ${text.length} characters long`, `Shorten it to at most ${DESCRIPTION_MAX} characters.`);
  return text;
}

/**
 * New text for the board or the log (a new item's description, a forced release's reason): a reference that
 * also cannot pose as a claim marker, and shows what it says — no bidi controls (U+202A–U+202E, U+2066–U+2069)
 * or other invisible format characters, which make a line read differently from what it holds.
 */
export function checkDescription(raw: string, field = "description"): Failure | string {
  const description = checkReference(raw, field);
  if (typeof description !== "string") return description;
  const bad = (why: string, hint: string) => failure("invalid_input", `${field} \`${truncate(raw)}\` ${why}`, hint, { field });
  if (description.includes("[IP:")) {
    return bad("contains `[IP:`", "Leave out claim markers: claim_item adds them. Give the plain description.");
  }
  if (FORMAT.test(description)) {
    return bad("contains invisible formatting characters (bidi controls or zero-width characters)", "Use plain visible text.");
  }
  return description;
}

export function checkSectionTitle(raw: string): Failure | string {
  const title = raw.trim();
  if (title.length === 0 || title.length > SECTION_MAX || CONTROL.test(title) || FORMAT.test(title)) {
    // CONTROL includes \r and \n
    return failure(
      "invalid_input",
      `section \`${truncate(raw)}\` is not a usable heading`,
      `Give a one-line heading text of 1-${SECTION_MAX} characters, e.g. \`Available Work Items\`.`,
      { field: "section" },
    );
  }
  return title.replace(/^#+\s*/, "");
}

export function checkLine(line: number | undefined): Failure | undefined {
  if (line === undefined || (Number.isInteger(line) && line >= 1)) return undefined;
  return failure(
    "invalid_input",
    `line \`${line}\` is not a line number`,
    "Pass the 1-based `line` that get_work_items reported, or omit it.",
    {
      field: "line",
    },
  );
}

export const PAGE_DEFAULT = 100;
export const PAGE_MAX = 1000;

/** `limit` and `cursor` of a listing, resolved to a page size and the line after which it starts. */
export function checkPage(limit: number | undefined, cursor: string | undefined): Failure | { limit: number; afterLine: number } {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= PAGE_MAX)) {
    return failure(
      "invalid_input",
      `limit \`${limit}\` is out of range`,
      `Use a whole number from 1 to ${PAGE_MAX} (default ${PAGE_DEFAULT}).`,
      {
        field: "limit",
      },
    );
  }
  const afterLine = cursor === undefined ? 0 : /^after:(\d{1,9})$/.exec(cursor)?.[1];
  if (afterLine === undefined) {
    return failure(
      "invalid_input",
      `cursor \`${truncate(cursor ?? "")}\` is not one this server gave out`,
      "Pass `next_cursor` from the previous get_work_items reply unchanged, or omit it.",
      {
        field: "cursor",
      },
    );
  }
  return { limit: limit ?? PAGE_DEFAULT, afterLine: Number(afterLine) };
}

/** The orphan-review cutoff (ms since the epoch), from an ISO time or an age in minutes; undefined for none. */
export function checkCutoff(claimedBefore: string | undefined, olderThanMinutes: number | undefined): Failure | number | undefined {
  if (claimedBefore !== undefined && olderThanMinutes !== undefined) {
    return failure("invalid_input", "both claimed_before and older_than_minutes were given", "Pass one of them.", {
      field: "claimed_before",
    });
  }
  if (claimedBefore !== undefined) {
    const at = Date.parse(claimedBefore);
    if (Number.isNaN(at)) {
      return failure(
        "invalid_input",
        `claimed_before \`${truncate(claimedBefore)}\` is not a time`,
        "Use an ISO-8601 time, e.g. `2026-11-27T09:00:00Z`.",
        {
          field: "claimed_before",
        },
      );
    }
    return at;
  }
  if (olderThanMinutes !== undefined) {
    if (!(Number.isFinite(olderThanMinutes) && olderThanMinutes >= 0)) {
      return failure("invalid_input", `older_than_minutes \`${olderThanMinutes}\` is not an age`, "Use a number of minutes, 0 or more.", {
        field: "older_than_minutes",
      });
    }
    return Date.now() - olderThanMinutes * 60_000;
  }
  return undefined;
}

export function checkMemoryContent(content: string): Failure | undefined {
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes <= MEMORY_CONTENT_MAX_BYTES) return undefined;
  return failure(
    "invalid_input",
    `content is ${bytes} bytes, over the ${MEMORY_CONTENT_MAX_BYTES}-byte limit for one call`,
    "Save less at once: summarise, or split it over several calls with append: true.",
    { field: "content" },
  );
}

function truncate(value: string): string {
  const oneLine = JSON.stringify(value).slice(1, -1);
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
