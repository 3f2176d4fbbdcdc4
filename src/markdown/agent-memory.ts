import { detectLineEnding, endsWithLineBreak, type LineEnding, lineSpan, lineStarts } from "./lines.js";
import { parseMarkdown } from "./parse-markdown.js";
import { scanBoard } from "./scan-board.js";
import { type BoardHeading, collectHeadings, findSection } from "./sections.js";

export const MEMORY_SECTIONS = { scratchpad: "Scratchpad", subtasks: "Subtasks", notes: "Notes" } as const;
export type MemorySection = keyof typeof MEMORY_SECTIONS;

/** The memory file written the first time an agent saves something. */
export function memoryTemplate(agentId: string): string {
  return [`# Agent Memory: ${agentId}`, "", "## Scratchpad", "", "## Subtasks", "", "## Notes", ""].join("\n");
}

/** The text of each known section, without the blank lines around it ("" when a section is missing). */
export function readMemorySections(text: string): Record<MemorySection, string> {
  const starts = lineStarts(text);
  const headings = memoryHeadings(text);
  const read = (key: MemorySection): string => {
    const range = bodyRange(text, starts, headings, MEMORY_SECTIONS[key]);
    return range ? trimBlankLines(text.slice(range.start, range.end)) : "";
  };
  return { scratchpad: read("scratchpad"), subtasks: read("subtasks"), notes: read("notes") };
}

/**
 * Replace one section's body (or append to it), keeping every other byte — other sections, including ones a
 * person added, and the file's line endings. A missing section is added at the end of the file.
 */
export function writeMemorySection(text: string, key: MemorySection, content: string, append: boolean): string {
  return placeSection(text, key, content, append).text;
}

/**
 * writeMemorySection, checked: the new file must read back with that section holding exactly what was written
 * and every other section as it was. Content that opens a code fence or an HTML block it does not close would
 * swallow the sections after it (get_agent_memory then showed them empty, and every later replace of a
 * swallowed section appended another copy of its heading); a file a person broke that way cannot take the write
 * either. Returns the new text, or undefined when the write would not read back.
 */
export function writeMemorySectionChecked(text: string, key: MemorySection, content: string, append: boolean): string | undefined {
  const { text: updated, body } = placeSection(text, key, content, append);
  const before = readMemorySections(text);
  const after = readMemorySections(updated);
  if (after[key] !== trimBlankLines(body)) return undefined;
  for (const other of Object.keys(MEMORY_SECTIONS) as MemorySection[]) {
    if (other !== key && after[other] !== before[other]) return undefined;
  }
  return updated;
}

function placeSection(text: string, key: MemorySection, content: string, append: boolean): { text: string; body: string } {
  const eol = detectLineEnding(text);
  const incoming = normaliseContent(content, eol);
  const starts = lineStarts(text);
  const headings = memoryHeadings(text);
  const title = MEMORY_SECTIONS[key];
  const range = bodyRange(text, starts, headings, title);
  const finalBreak = endsWithLineBreak(text);
  if (!range) {
    const lead = text.replace(/^\uFEFF/, "").length === 0 ? "" : finalBreak ? eol : eol + eol;
    const body = incoming ? `${eol}${eol}${incoming}` : "";
    return { text: `${text}${lead}## ${title}${body}${finalBreak || text.length === 0 ? eol : ""}`, body: incoming };
  }
  const existing = trimBlankLines(text.slice(range.start, range.end));
  const body = append && existing ? appended(existing, incoming, eol) : incoming;
  const lead = range.headingHasBreak ? "" : eol;
  const replacement = range.followedByHeading
    ? `${lead}${body ? `${eol}${body}${eol}` : ""}${eol}`
    : `${lead}${body ? `${eol}${body}` : ""}${finalBreak ? eol : ""}`;
  return { text: text.slice(0, range.start) + replacement + text.slice(range.end), body };
}

/** True when content would end its section early: it holds a level-1 or level-2 heading. */
export function breaksSections(content: string): boolean {
  // Cheap screen first: parsing is only needed when something heading-like is present.
  if (!/^ {0,3}(#{1,2}([ \t]|$)|=+[ \t]*$|-+[ \t]*$)/m.test(content)) return false;
  return collectHeadings(parseMarkdown(content)).some((heading) => heading.depth <= 2);
}

interface BodyRange {
  start: number;
  end: number;
  headingHasBreak: boolean;
  followedByHeading: boolean;
}

function bodyRange(text: string, starts: number[], headings: BoardHeading[], title: string): BodyRange | undefined {
  const section = findSection(headings, title, starts.length);
  if (!section) return undefined;
  const headingLine = lineSpan(text, starts, section.heading.endLine);
  if (!headingLine) return undefined;
  const next = headings.find((h) => h.line > section.lastLine);
  const nextStart = next ? starts[next.line - 1] : undefined;
  return {
    start: headingLine.next,
    end: nextStart ?? text.length,
    headingHasBreak: headingLine.next !== headingLine.end,
    followedByHeading: nextStart !== undefined,
  };
}

// The block scanner finds the same headings as mdast in linear time (a long memory file is read page by page,
// each page a call); mdast, within its limits, where the scanner declines.
function memoryHeadings(text: string): BoardHeading[] {
  let scanned: BoardHeading[] | undefined;
  try {
    scanned = scanBoard(text)?.headings;
  } catch {
    scanned = undefined;
  }
  return scanned ?? collectHeadings(parseMarkdown(text));
}

// Appended text starts on the next line, unless that would turn the old last line into a setext heading
// (content starting with `---` or `===`): then a blank line keeps the two apart.
function appended(existing: string, incoming: string, eol: LineEnding): string {
  const joined = `${existing}${eol}${incoming}`;
  return breaksSections(joined) ? `${existing}${eol}${eol}${incoming}` : joined;
}

function normaliseContent(content: string, eol: LineEnding): string {
  return content.replace(/\r\n?/g, "\n").replace(/\s+$/, "").replace(/\n/g, eol);
}

function trimBlankLines(body: string): string {
  return body.replace(/^(?:[ \t]*\r?\n)+/, "").replace(/\s+$/, "");
}
