import { detectLineEnding, lineSpan, lineStarts } from "./lines.js";
import type { Board, BoardItem } from "./parse-board.js";
import { scanBlocks } from "./scan/block-scanner.js";
import { ScanDeclined } from "./scan/declined.js";
import { headingTitles } from "./scan/heading-titles.js";
import type { BoardHeading } from "./sections.js";
import { parseTaskLine } from "./task-line.js";

/*
 * Measured (commits 6c206d4–135787c, on the shared 2-core machine at load average 8–11, so ± a factor of 2):
 * scanBoard warm (median of 15 runs, three rounds) against one parseBoardWithMdast run; both the same Board.
 *
 *   board                                                 size     mdast      scanner
 *   200 items                                             0.01 MB      97 ms    1–2 ms
 *   10,000 items                                          0.58 MB   2,235 ms    8–9 ms
 *   25,000 items (`- [ ] Task 00001: implement …`)         3.9 MB   5,730 ms   17–38 ms
 *   24,000 items of `*a _b ` runs                          5.2 MB  30,571 ms   23–41 ms
 *   one paragraph of `&amp; &#123; &lt; ` (20,000 lines)   4.7 MB  30,317 ms    2–3 ms
 *   `<a ` × 800,000 in one item                            2.4 MB  10,036 ms   10–14 ms
 *   1,000 headings, an item under each                    0.03 MB     812 ms    4–14 ms
 *   64-deep nesting × 48 (3,120 lines)                    0.24 MB   1,581 ms   20–33 ms
 *   blank-line flood (25,000 lines)                       0.03 MB     338 ms    2–4 ms
 *   20,000 unclosed `[a](` in one item                    0.08 MB     178 ms    < 0.1 ms
 *
 * Cold, in a fresh process: the first scanBoard of the 10,000-item board takes 50–80 ms of CPU with
 * --single-threaded (JIT compilation included); a fresh server (dist/cli.js) answers its first
 * get_work_items on a 10,000-item board in 95–107 ms (after its start-up, 200–214 ms).
 */

/**
 * The Board that `parseBoardWithMdast` gives, found by a hand-written, linear CommonMark block scanner
 * (src/markdown/scan/) instead of micromark's character-by-character tokenizer — or undefined when the text
 * holds something the scanner does not model exactly (then parse with mdast). Parse limits are not checked here.
 */
export function scanBoard(text: string): Board | undefined {
  const starts = lineStarts(text);
  let scan: ReturnType<typeof scanBlocks>;
  try {
    // micromark reads NUL as U+FFFD (spec 2.3); the same length, so every offset still holds.
    scan = scanBlocks(text.includes("\0") ? text.replaceAll("\0", "\uFFFD") : text, starts);
  } catch (error) {
    if (error instanceof ScanDeclined) return undefined;
    throw error;
  }
  const titles = headingTitles(scan.headings);
  if (!titles) return undefined;
  const headings: BoardHeading[] = scan.headings.map((heading, index) => ({
    line: heading.line,
    endLine: heading.endLine,
    depth: heading.depth,
    title: titles[index]!,
  }));

  // From here on exactly parseBoard's assembly, over the scanned items instead of mdast's list items.
  const found = scan.items;
  const items: BoardItem[] = [];
  const pushed = new Int32Array(found.length).fill(-1);
  /** Nearest enclosing task item (checked or not), pushed or not: parseBoard's `around.task`. */
  const taskAround = new Int32Array(found.length).fill(-1);
  const lastInList = new Map<number, number>();
  let headingIndex = -1;
  for (let index = 0; index < found.length; index++) {
    const item = found[index]!;
    if (item.parent >= 0) taskAround[index] = found[item.parent]!.checked ? item.parent : taskAround[item.parent]!;
    if (!item.checked) continue;
    const line = item.firstChild;
    if (line === 0) continue;
    const span = lineSpan(text, starts, line);
    if (!span) continue;
    const task = parseTaskLine(text.slice(span.start, span.end));
    if (!task) continue;
    while (headingIndex + 1 < headings.length && headings[headingIndex + 1]!.line < line) headingIndex++;
    const parent = taskAround[index]!;
    pushed[index] = items.length;
    items.push({
      line,
      endLine: found[item.outer]!.end,
      description: task.description,
      status: task.status,
      claimedBy: task.claimedBy,
      section: headingIndex >= 0 ? headings[headingIndex]!.title : null,
      task,
      parent: parent < 0 ? -1 : pushed[parent]!,
      previous: lastInList.get(item.list) ?? -1,
      ordered: item.ordered,
    });
    lastInList.set(item.list, items.length - 1);
  }
  return { items, headings, lineEnding: detectLineEnding(text), starts, structure: {} };
}
