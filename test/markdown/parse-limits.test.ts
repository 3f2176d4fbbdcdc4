import { describe, expect, it } from "vitest";
import { MarkdownLimitError, parseBoard, PARSE_LIMITS } from "../../src/markdown/index.js";

const items = (n: number) => Array.from({ length: n }, (_, i) => `- [ ] item ${i}`).join("\n");

describe("parse limits", () => {
  it("parses a board right at each limit", () => {
    const atLines = items(PARSE_LIMITS.lines);
    expect(parseBoard(atLines).items).toHaveLength(PARSE_LIMITS.lines);
    const atHeadings = Array.from({ length: PARSE_LIMITS.headings }, (_, i) => `## H${i}`).join("\n");
    expect(parseBoard(atHeadings).headings).toHaveLength(PARSE_LIMITS.headings);
    const atNesting = Array.from({ length: PARSE_LIMITS.nesting }, (_, i) => `${"  ".repeat(i)}- [ ] level ${i}`).join("\n");
    expect(parseBoard(atNesting).items).toHaveLength(PARSE_LIMITS.nesting);
  });

  it.each([
    ["one line too many", `${items(PARSE_LIMITS.lines)}\n`, /more than 25,000 lines/],
    ["a 5 MiB run of blank lines", "# S\n" + "\n".repeat(5 * 1024 * 1024 - 8), /more than 25,000 lines/],
    ["a lone-CR board one line too long", "x\r".repeat(PARSE_LIMITS.lines), /more than 25,000 lines/],
    ["one heading too many", Array.from({ length: PARSE_LIMITS.headings + 1 }, (_, i) => `## H${i}`).join("\n"), /more than 1,000 headings/],
    ["setext headings counted too", Array.from({ length: PARSE_LIMITS.headings + 1 }, (_, i) => `H${i}\n===`).join("\n"), /headings/],
    ["1,000 nested list levels", Array.from({ length: 1000 }, (_, i) => `${"  ".repeat(i)}- [ ] level ${i}`).join("\n"), /line 65 nests/],
    ["1,000 nested quotes", Array.from({ length: 1000 }, (_, i) => `${">".repeat(i)} - [ ] q ${i}`).join("\n"), /nests lists or quotes/],
  ])("refuses %s before parsing, quickly", (_name, text, message) => {
    const started = performance.now();
    expect(() => parseBoard(text)).toThrow(MarkdownLimitError);
    expect(() => parseBoard(text)).toThrow(message);
    // Generous: the scan is one pass; parsing these would take from seconds to minutes.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
