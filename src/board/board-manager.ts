import type { Board, BoardItem, ItemStatus, MemorySection } from "../markdown/index.js";
import { looseKey } from "../markdown/loose-key.js";
import { MarkdownLimitError } from "../markdown/parse-limits.js";
import { SyncUnavailableError } from "../store/git/index.js";
import { type BoardStore, ConcurrentEditError, FileError, LockTimeoutError, Store } from "../store/index.js";
import { type Failure, failure, isFailure, type Outcome } from "./failure.js";
import { findItem, stripClaimMarker } from "./find-item.js";
import { ClaimTimes, historyLine } from "./history.js";
import { resolveAgent } from "./identity.js";
import { checkCutoff, checkDescription, checkLine, checkMemoryContent, checkPage, checkSectionTitle } from "./validate.js";

export interface BoardManagerOptions {
  root: string;
  /** The agent this server acts for; when absent, each call names itself with `agent_id`. */
  agentId?: string;
  lockTimeoutMs?: number;
  lockStaleMs?: number;
  /** Where the board lives; by default the local store of `root`'s `.hfs/`. */
  store?: BoardStore;
}

export interface WorkItem {
  description: string;
  status: ItemStatus;
  claimed_by: string | null;
  /** When the current holder claimed it, from `.hfs/log.md`; null when unknown (a marker typed by hand). */
  claimed_at: string | null;
  line: number;
  section: string | null;
}

export interface StatusCounts {
  available: number;
  in_progress: number;
  completed: number;
}

export interface ListQuery {
  status?: ItemStatus;
  claimedBy?: string;
  /** Orphan review: only in-progress items claimed before this ISO time (or at an unknown time). */
  claimedBefore?: string;
  /** Orphan review: only in-progress items claimed more than this many minutes ago (or at an unknown time). */
  olderThanMinutes?: number;
  limit?: number;
  /** `next_cursor` from the previous page. */
  cursor?: string;
}

export interface ItemRef {
  description: string;
  line?: number;
  agentId?: string;
}

export interface ItemChange {
  success: true;
  description: string;
  status: ItemStatus;
  line: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

type Markdown = typeof import("../markdown/index.js");
let markdownModule: Promise<Markdown> | undefined;

// The markdown parser is the heaviest part of the server; load it with the first call, not at start-up.
function loadMarkdown(): Promise<Markdown> {
  markdownModule ??= import("../markdown/index.js");
  return markdownModule;
}

/**
 * The shared board's rules: who may claim, complete and release what, how items are added and how agents keep
 * memory. Knows nothing of MCP; every change is decided inside the store's lock on the file as it is on disk.
 */
export class BoardManager {
  readonly store: BoardStore;
  readonly agentId: string | undefined;
  private lastParse: { text: string; board: Board } | undefined;
  private readonly claimTimes: ClaimTimes;

  constructor(options: BoardManagerOptions) {
    this.agentId = options.agentId;
    this.store =
      options.store ??
      new Store({
        root: options.root,
        lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        lockStaleMs: options.lockStaleMs,
      });
    this.claimTimes = new ClaimTimes(this.store);
  }

  /**
   * The board's items in file order, filtered, one page at a time (`limit`, default 100, at most 1,000) so a
   * large board never floods an agent's context; `next_cursor` continues after the last item returned.
   */
  async listItems(
    query: ListQuery = {},
  ): Promise<Outcome<{ success: true; items: WorkItem[]; counts: StatusCounts; next_cursor?: string; synced_at?: string | null }>> {
    const page = checkPage(query.limit, query.cursor);
    if (isFailure(page)) return page;
    const cutoff = checkCutoff(query.claimedBefore, query.olderThanMinutes);
    if (typeof cutoff === "object") return cutoff;
    return guard(async () => {
      const md = await loadMarkdown();
      const text = await this.store.read(this.store.paths.stateFile);
      const all = text === null ? [] : this.parse(md, text).items;
      this.claimTimes.refresh();
      const counts: StatusCounts = { available: 0, in_progress: 0, completed: 0 };
      const items: WorkItem[] = [];
      let more = false;
      for (const item of all) {
        counts[item.status]++;
        if (item.line <= page.afterLine) continue;
        if (query.status !== undefined && item.status !== query.status) continue;
        if (query.claimedBy !== undefined && item.claimedBy !== query.claimedBy) continue;
        const claimedAt = item.claimedBy === null ? null : this.claimTimes.claimedAt(item.description, item.claimedBy);
        if (cutoff !== undefined && (item.status !== "in_progress" || (claimedAt !== null && Date.parse(claimedAt) >= cutoff))) continue;
        if (items.length < page.limit) items.push(toWorkItem(item, claimedAt));
        else more = true;
      }
      const last = items.at(-1);
      const synced = this.store.freshness?.(); // a store that syncs from elsewhere says how fresh its copy is
      const cursor = more && last ? { next_cursor: `after:${last.line}` } : {};
      return { success: true as const, items, counts, ...cursor, ...(synced ? { synced_at: synced.syncedAt } : {}) };
    });
  }

  /** Take an available item. Claiming an item you already hold succeeds again, so retries are safe. */
  async claim(ref: ItemRef): Promise<Outcome<ItemChange & { claimed_by: string }>> {
    return this.changeItem(ref, (md, item, agent, text, board) => {
      if (item.status === "completed") return alreadyComplete(item);
      if (item.status === "in_progress" && item.claimedBy !== agent) {
        return failure(
          "not_available",
          `\`${item.description}\` is already claimed by \`${item.claimedBy}\``,
          "Pick another item: get_work_items with status `available`.",
          { status: item.status, claimed_by: item.claimedBy },
        );
      }
      return claimed(md, text, board, item, agent);
    });
  }

  /**
   * Claim the first available item (in file order) in a section and/or whose description contains `query`,
   * choosing and claiming in one locked step: unlike get_work_items then claim_item, it cannot lose a race.
   */
  async claimNext(input: { section?: string; query?: string; agentId?: string }): Promise<Outcome<ItemChange & { claimed_by: string }>> {
    const agent = resolveAgent(this.agentId, input.agentId);
    if (typeof agent !== "string") return agent;
    const section = input.section === undefined ? undefined : checkSectionTitle(input.section);
    if (typeof section === "object") return section;
    const query = input.query === undefined ? undefined : checkDescription(input.query, "query");
    if (typeof query === "object") return query;
    const md = await loadMarkdown();
    return guard(() =>
      this.store.update<Outcome<ItemChange & { claimed_by: string }>>(this.store.paths.stateFile, (current) => {
        const board = this.parse(md, current ?? "");
        const range = section === undefined ? undefined : md.findSection(board.headings, section, board.starts.length);
        const needle = query === undefined ? undefined : looseKey(query);
        const item = board.items.find(
          (it) =>
            it.status === "available" &&
            (section === undefined || (range !== undefined && it.line >= range.firstLine && it.line <= range.lastLine)) &&
            (needle === undefined || looseKey(it.description).includes(needle)),
        );
        if (!item) {
          const where = [
            section === undefined ? "" : ` in section \`${section}\``,
            query === undefined ? "" : ` matching \`${query}\``,
          ].join("");
          return {
            result: failure(
              "none_available",
              `no available item${where}${section !== undefined && range === undefined ? " (the board has no such section)" : ""}`,
              "Everything there is claimed or done: call get_work_items to see the board, or widen section/query.",
            ),
          };
        }
        return claimed(md, current ?? "", board, item, agent);
      }),
    );
  }

  /** Mark an item you hold as done. */
  async complete(ref: ItemRef): Promise<Outcome<ItemChange>> {
    return this.changeItem(ref, (md, item, agent, text, board) => {
      if (item.status === "completed") return alreadyComplete(item);
      const notYours = notOwner(item, agent, "complete");
      if (notYours) return notYours;
      return {
        result: { success: true as const, description: item.description, status: "completed" as const, line: item.line },
        write: md.completeItem(text, board, item),
        log: [historyLine({ agent, action: "complete", description: item.description })],
      };
    });
  }

  /** Give back an item you hold, unfinished, so another agent can take it. */
  async release(ref: ItemRef & { force?: boolean; reason?: string }): Promise<Outcome<ItemChange & { previous_holder: string }>> {
    const reason = ref.reason === undefined ? undefined : checkDescription(ref.reason, "reason");
    if (typeof reason === "object") return reason;
    if (ref.force && reason === undefined) {
      return failure(
        "invalid_input",
        "a forced release needs a reason",
        "Pass `reason`: why this claim is being taken away (it goes in .hfs/log.md).",
        {
          field: "reason",
        },
      );
    }
    return this.changeItem(ref, (md, item, agent, text, board) => {
      if (item.status === "completed") return alreadyComplete(item);
      const holder = item.claimedBy;
      // Only the holder may release, unless forced (orphan review); nobody can release what nobody holds.
      if (holder === null || (holder !== agent && !ref.force)) return notOwner(item, agent, "release")!;
      const forced = holder !== agent;
      return {
        result: {
          success: true as const,
          description: item.description,
          status: "available" as const,
          line: item.line,
          previous_holder: holder,
        },
        write: md.releaseItem(text, board, item),
        log: [
          forced
            ? historyLine({ agent, action: "force-release", description: item.description, from: holder, reason })
            : historyLine({ agent, action: "release", description: item.description }),
        ],
      };
    });
  }

  /** Append a new available item to a section (created at the end of the board if missing). */
  async add(input: { description: string; section?: string; agentId?: string }): Promise<Outcome<ItemChange & { section: string }>> {
    const description = checkDescription(input.description);
    if (typeof description !== "string") return description;
    const md = await loadMarkdown();
    const section = checkSectionTitle(input.section ?? md.DEFAULT_SECTION);
    if (typeof section !== "string") return section;
    return guard(() =>
      this.store.update<Outcome<ItemChange & { section: string }>>(this.store.paths.stateFile, (current) => {
        const text = current ?? md.boardTemplate();
        const board = this.parse(md, text);
        const key = looseKey(description);
        const twin = board.items.find((item) => item.status !== "completed" && looseKey(item.description) === key);
        if (twin) {
          return {
            result: failure(
              "duplicate",
              `\`${twin.description}\` is already on the board (line ${twin.line}, ${twin.status})`,
              "Do not add it again; claim the existing item, or add a more specific description.",
              { status: twin.status, claimed_by: twin.claimedBy },
            ),
          };
        }
        const inserted = md.addItem(text, board, section, description);
        const added = this.parse(md, inserted.text).items.find((item) => item.line === inserted.line);
        return {
          result: {
            success: true as const,
            description,
            status: "available" as const,
            line: inserted.line,
            section: added?.section ?? section,
          },
          write: inserted.text,
          log: [historyLine({ agent: input.agentId ?? this.agentId ?? "-", action: "add", description })],
        };
      }),
    );
  }

  async getMemory(
    input: { agentId?: string } = {},
  ): Promise<Outcome<{ success: true; agent_id: string; content: string; sections: Record<MemorySection, string> }>> {
    const agent = resolveAgent(this.agentId, input.agentId);
    if (typeof agent !== "string") return agent;
    return guard(async () => {
      const md = await loadMarkdown();
      const content = (await this.store.read(this.store.paths.agentFile(agent))) ?? md.memoryTemplate(agent);
      return { success: true as const, agent_id: agent, content, sections: md.readMemorySections(content) };
    });
  }

  async updateMemory(input: {
    section: MemorySection;
    content: string;
    append?: boolean;
    agentId?: string;
  }): Promise<Outcome<{ success: true; agent_id: string; section: MemorySection; preview: string }>> {
    const agent = resolveAgent(this.agentId, input.agentId);
    if (typeof agent !== "string") return agent;
    const md = await loadMarkdown();
    if (!Object.hasOwn(md.MEMORY_SECTIONS, input.section)) {
      return failure("invalid_input", `section \`${input.section}\` is not a memory section`, "Use `scratchpad`, `subtasks` or `notes`.", {
        field: "section",
      });
    }
    const tooBig = checkMemoryContent(input.content);
    if (tooBig) return tooBig;
    if (md.breaksSections(input.content)) {
      return failure(
        "invalid_input",
        "content contains a level-1 or level-2 heading, which would split your memory file's sections",
        "Use `###` or deeper headings inside a section.",
        { field: "content" },
      );
    }
    return guard(() =>
      this.store.update(this.store.paths.agentFile(agent), (current) => {
        const text = current ?? md.memoryTemplate(agent);
        const updated = md.writeMemorySection(text, input.section, input.content, input.append ?? false);
        const preview = md.readMemorySections(updated)[input.section].slice(0, 200);
        const result = { success: true as const, agent_id: agent, section: input.section, preview };
        return updated === current ? { result } : { result, write: updated };
      }),
    );
  }

  private async changeItem<T extends { success: true }>(
    ref: ItemRef,
    decide: (
      md: Markdown,
      item: BoardItem,
      agent: string,
      text: string,
      board: Board,
    ) => Failure | { result: T; write?: string; log?: string[] },
  ): Promise<Outcome<T>> {
    const agent = resolveAgent(this.agentId, ref.agentId);
    if (typeof agent !== "string") return agent;
    // A description copied with its claim marker is still a way to name the item; only add_item refuses `[IP:`.
    const description = checkDescription(stripClaimMarker(ref.description));
    if (typeof description !== "string") return description;
    const badLine = checkLine(ref.line);
    if (badLine) return badLine;
    const md = await loadMarkdown();
    return guard(() =>
      this.store.update<Outcome<T>>(this.store.paths.stateFile, (current) => {
        const board = this.parse(md, current ?? "");
        const item = findItem(board.items, description, ref.line);
        if (isFailure(item)) return { result: item };
        const decision = decide(md, item, agent, current ?? "", board);
        return "result" in decision ? decision : { result: decision };
      }),
    );
  }

  // Parsing is the expensive step: each file version is parsed at most once, and a version that differs from
  // the last one only inside one item line (a claim, release or completion, by anyone) is patched, not parsed.
  private parse(md: Markdown, text: string): Board {
    const last = this.lastParse;
    if (last?.text === text) return last.board;
    const board = (last && md.patchBoard(last.text, last.board, text)) ?? md.parseBoard(text);
    this.lastParse = { text, board };
    return board;
  }
}

function toWorkItem(item: BoardItem, claimedAt: string | null): WorkItem {
  return {
    description: item.description,
    status: item.status,
    claimed_by: item.claimedBy,
    claimed_at: claimedAt,
    line: item.line,
    section: item.section,
  };
}

// `agent` takes `item`: the reply, and unless it already holds the item, the one-line edit and its log line.
function claimed(md: Markdown, text: string, board: Board, item: BoardItem, agent: string) {
  const result = {
    success: true as const,
    description: item.description,
    status: "in_progress" as const,
    claimed_by: agent,
    line: item.line,
  };
  if (item.status === "in_progress") return { result };
  return {
    result,
    write: md.claimItem(text, board, item, agent),
    log: [historyLine({ agent, action: "claim", description: item.description })],
  };
}

function alreadyComplete(item: BoardItem): Failure {
  return failure("already_complete", `\`${item.description}\` is already completed`, "Nothing to do; pick another item.", {
    status: item.status,
  });
}

function notOwner(item: BoardItem, agent: string, verb: "complete" | "release"): Failure | undefined {
  if (item.claimedBy === agent) return undefined;
  if (item.claimedBy === null) {
    return failure(
      "not_owner",
      `\`${item.description}\` is not claimed by anyone`,
      verb === "complete" ? "Claim it with claim_item first, then complete it." : "Nothing to release: it is already available.",
      { status: item.status, claimed_by: null },
    );
  }
  return failure(
    "not_owner",
    `\`${item.description}\` is claimed by \`${item.claimedBy}\`, not by \`${agent}\``,
    `Only \`${item.claimedBy}\` may ${verb} it; work on items you claimed.`,
    { status: item.status, claimed_by: item.claimedBy },
  );
}

/** Turn the store's errors into reasons an agent can act on; nothing was written when these happen. */
async function guard<T extends { success: true }>(run: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SyncUnavailableError) {
      return failure("sync_unavailable", error.message, error.hint);
    }
    if (error instanceof LockTimeoutError) {
      return failure("lock_timeout", error.message, "Another process holds the .hfs lock; wait a little and retry the same call.");
    }
    if (error instanceof ConcurrentEditError) {
      return failure("file_error", error.message, "Someone keeps saving the file; retry the call in a moment.");
    }
    if (error instanceof MarkdownLimitError) {
      return failure(
        "file_error",
        `the file is too complex to parse safely: ${error.message}`,
        "Ask a person to split the board or move finished items out of it (nothing was written), then retry.",
      );
    }
    if (error instanceof FileError) {
      return failure("file_error", error.message, "Ask a person to fix the file (nothing was written), then retry.");
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === "string") {
      return failure(
        "file_error",
        `file system error ${code}: ${(error as Error).message}`,
        "Nothing was written. Check disk space and permissions, then retry.",
      );
    }
    throw error;
  }
}
