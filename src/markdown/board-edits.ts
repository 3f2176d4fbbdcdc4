import { endsWithLineBreak, lineSpan, replaceLineContent, type TextEdit } from "./lines.js";
import type { Board, BoardItem } from "./parse-board.js";
import { parseMarkdown } from "./parse-markdown.js";
import { collectHeadings, findSection } from "./sections.js";
import { claimedLine, completedLine, reclaimedLine, releasedLine } from "./task-line.js";

/**
 * Surgical edits to a board. Each returns the splice that makes the new text (`applyEdit` in lines.ts): one
 * line replaced or inserted at offsets taken from the parse; the rest of the document is never re-serialised.
 */

export function claimItem(text: string, board: Board, item: BoardItem, agentId: string): TextEdit {
  return editLine(text, board, item, (line) => claimedLine(line, agentId));
}

/** The item's claim marker names `agentId` instead of its holder (a claim taken from a holder that is gone). */
export function reclaimItem(text: string, board: Board, item: BoardItem, agentId: string): TextEdit {
  return editLine(text, board, item, () => reclaimedLine(item.task, agentId));
}

export function releaseItem(text: string, board: Board, item: BoardItem): TextEdit {
  return editLine(text, board, item, () => releasedLine(item.task));
}

export function completeItem(text: string, board: Board, item: BoardItem): TextEdit {
  return editLine(text, board, item, () => completedLine(item.task));
}

export interface Insertion {
  edit: TextEdit;
  /** 1-based line of the inserted item. */
  line: number;
  /** The title of the section it landed in, as the board reads it. */
  section: string;
}

/**
 * Add `- [ ] <description>` as the last item directly under a section's heading: below the last such item and
 * its nested lines (and any list item enclosing it), or right under the heading (after a blank line) when the
 * section has no items of its own. A missing section is created
 * at the end of the file. Uses the file's own line ending and keeps its final newline, or its lack of one.
 */
export function addItem(text: string, board: Board, sectionTitle: string, description: string): Insertion {
  const item = `- [ ] ${description}`;
  const section = findSection(board.headings, sectionTitle, board.starts.length);
  if (!section) return appendSection(text, board, sectionTitle, item);
  // Items directly under the heading: a new item must not land inside one of its sub-sections.
  const firstSubsection = board.headings.find((h) => h.line > section.heading.line && h.line <= section.lastLine);
  const lastDirectLine = firstSubsection ? firstSubsection.line - 1 : section.lastLine;
  const inSection = board.items.filter((it) => it.line >= section.firstLine && it.line <= lastDirectLine);
  const title = section.heading.title;
  if (inSection.length === 0) return { ...insertAfterLine(text, board, section.heading.endLine, ["", item]), section: title };
  const lastEnd = Math.max(...inSection.map((it) => it.endLine));
  return { ...insertAfterLine(text, board, lastEnd, [item]), section: title };
}

function editLine(text: string, board: Board, item: BoardItem, edit: (line: string) => string): TextEdit {
  const span = lineSpan(text, board.starts, item.line);
  if (!span) throw new RangeError(`line ${item.line} is outside the board`);
  return replaceLineContent(span, edit(text.slice(span.start, span.end)));
}

function insertAfterLine(text: string, board: Board, line: number, lines: string[]): Omit<Insertion, "section"> {
  const span = lineSpan(text, board.starts, line);
  if (!span) throw new RangeError(`line ${line} is outside the board`);
  const eol = board.lineEnding;
  const inserted = lines.join(eol);
  const isLastWithoutBreak = span.next === span.end;
  const edit = isLastWithoutBreak
    ? { start: span.end, end: span.end, insert: eol + inserted }
    : { start: span.next, end: span.next, insert: inserted + eol };
  return { edit, line: line + lines.length };
}

function appendSection(text: string, board: Board, title: string, item: string): Insertion {
  const eol = board.lineEnding;
  // The heading's text as the board will read it (inline markup in the title is read as markdown, as anywhere).
  const section = collectHeadings(parseMarkdown(`## ${title}`))[0]?.title ?? title;
  const end = text.length;
  if (text.replace(/^\uFEFF/, "").length === 0)
    return { edit: { start: end, end, insert: `## ${title}${eol}${eol}${item}${eol}` }, line: 3, section };
  // One blank line between the old content and the new section; a final newline only if the file had one.
  const hasFinalBreak = endsWithLineBreak(text);
  const lineCount = board.starts.length - (hasFinalBreak ? 1 : 0);
  const added = `${hasFinalBreak ? eol : eol + eol}## ${title}${eol}${eol}${item}${hasFinalBreak ? eol : ""}`;
  return { edit: { start: end, end, insert: added }, line: lineCount + 4, section };
}
