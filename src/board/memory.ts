import type { MemorySection } from "../markdown/index.js";
import { type BoardContext, loadMarkdown } from "./board-context.js";
import { failure, type Outcome } from "./failure.js";
import { guard } from "./guard.js";
import { checkMemoryContent } from "./validate.js";

/**
 * The most of a memory file one get_agent_memory reply carries. Why a bound at all: the SDK's stdio transports
 * drop the connection on a message over 10 MiB, and a memory file grown to 4 MiB through allowed appends made a
 * reply of ~3× its size (content, sections, text) that killed the client. 128 Ki characters, three times and
 * JSON-escaped, stay far under the server's 4 MiB reply limit; longer files are read page by page.
 */
export const MEMORY_PAGE_CHARS = 128 * 1024;
/** When a file is read in pages, each section is shown up to this many characters. */
const PAGED_SECTION_CHARS = 32 * 1024;

export interface Memory {
  success: true;
  agent_id: string;
  content: string;
  sections: Record<MemorySection, string>;
  /** Present when the file is longer than one page: `content` holds only part of it (from `offset`). */
  truncated?: true;
  /** Where the next page starts: pass it as `offset`. */
  next_offset?: number;
  /** The whole file's length in characters, when truncated. */
  total_chars?: number;
}

/** An agent's memory file, or the empty template when it has none yet (nothing is created). */
export async function getMemory(ctx: BoardContext, input: { agentId?: string; offset?: number } = {}): Promise<Outcome<Memory>> {
  const agent = ctx.agent(input.agentId);
  if (typeof agent !== "string") return agent;
  const offset = input.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) {
    return failure(
      "invalid_input",
      `offset \`${offset}\` is not a position in the file`,
      "Pass `next_offset` from the previous reply, or omit it.",
      {
        field: "offset",
      },
    );
  }
  return guard(async () => {
    const md = await loadMarkdown();
    const text = (await ctx.store.read(ctx.store.paths.agentFile(agent))) ?? md.memoryTemplate(agent);
    const sections = ctx.memorySections(md, text);
    if (text.length <= MEMORY_PAGE_CHARS && offset === 0) return { success: true as const, agent_id: agent, content: text, sections };
    if (offset > text.length) {
      return failure(
        "invalid_input",
        `offset \`${offset}\` is past the end of the file (${text.length} characters)`,
        "Pass `next_offset` from the previous reply, or omit it.",
        {
          field: "offset",
        },
      );
    }
    const end = pageEnd(text, offset);
    const cut = (section: string) => (section.length > PAGED_SECTION_CHARS ? `${section.slice(0, PAGED_SECTION_CHARS)}…` : section);
    return {
      success: true as const,
      agent_id: agent,
      content: text.slice(offset, end),
      sections: { scratchpad: cut(sections.scratchpad), subtasks: cut(sections.subtasks), notes: cut(sections.notes) },
      truncated: true as const,
      ...(end < text.length ? { next_offset: end } : {}),
      total_chars: text.length,
    };
  });
}

/** Replace (or append to) one section of the agent's memory file, keeping every other byte. */
export async function updateMemory(
  ctx: BoardContext,
  input: { section: MemorySection; content: string; append?: boolean; agentId?: string },
): Promise<Outcome<{ success: true; agent_id: string; section: MemorySection; preview: string }>> {
  const agent = ctx.agent(input.agentId);
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
    ctx.store.update<Outcome<{ success: true; agent_id: string; section: MemorySection; preview: string }>>(
      ctx.store.paths.agentFile(agent),
      (current) => {
        const text = current ?? md.memoryTemplate(agent);
        const updated = md.writeMemorySectionChecked(text, input.section, input.content, input.append ?? false);
        if (updated === undefined) {
          return {
            result: failure(
              "invalid_input",
              "the memory file would not read back as written: this content, or the file as it is, opens a code fence or an HTML block (e.g. `<!--`) that is not closed, which swallows the sections after it",
              `Close every \`\`\` fence and HTML comment or block in the content; if the file itself is broken, ask a person to fix .hfs/agents/${agent}.md (nothing was written).`,
              { field: "content" },
            ),
          };
        }
        const preview = md.readMemorySections(updated)[input.section].slice(0, 200);
        const result = { success: true as const, agent_id: agent, section: input.section, preview };
        return updated === current ? { result } : { result, write: updated };
      },
    ),
  );
}

// A page ends at a line break when one falls in its second half, so a page rarely cuts a line in two.
function pageEnd(text: string, offset: number): number {
  const limit = offset + MEMORY_PAGE_CHARS;
  if (limit >= text.length) return text.length;
  const lineEnd = text.lastIndexOf("\n", limit - 1) + 1;
  if (lineEnd > offset + MEMORY_PAGE_CHARS / 2) return lineEnd;
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit; // never half a surrogate pair
}
