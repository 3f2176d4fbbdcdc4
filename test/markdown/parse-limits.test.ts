import { describe, expect, it } from "vitest";
import { MarkdownLimitError, PARSE_LIMITS, parseBoard } from "../../src/markdown/index.js";

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
    ["a 5 MiB run of blank lines", `# S\n${"\n".repeat(5 * 1024 * 1024 - 8)}`, /more than 25,000 lines/],
    ["a lone-CR board one line too long", "x\r".repeat(PARSE_LIMITS.lines), /more than 25,000 lines/],
    [
      "one heading too many",
      Array.from({ length: PARSE_LIMITS.headings + 1 }, (_, i) => `## H${i}`).join("\n"),
      /more than 1,000 headings/,
    ],
    ["setext headings counted too", Array.from({ length: PARSE_LIMITS.headings + 1 }, (_, i) => `H${i}\n===`).join("\n"), /headings/],
    ["1,000 nested list levels", Array.from({ length: 1000 }, (_, i) => `${"  ".repeat(i)}- [ ] level ${i}`).join("\n"), /line 65 nests/],
    [
      "400 lists nested 60 deep (each line within the per-line limit)",
      Array.from({ length: 400 }, () => Array.from({ length: 60 }, (_, i) => `${"  ".repeat(i)}- [ ] level ${i}`).join("\n")).join("\n\n"),
      /nest too deeply overall/,
    ],
    ["1,000 nested quotes", Array.from({ length: 1000 }, (_, i) => `${">".repeat(i)} - [ ] q ${i}`).join("\n"), /nests lists or quotes/],
  ])("refuses %s before parsing, quickly", (_name, text, message) => {
    const started = performance.now();
    expect(() => parseBoard(text)).toThrow(MarkdownLimitError);
    expect(() => parseBoard(text)).toThrow(message);
    // Generous: the scan is one pass; parsing these would take from seconds to minutes.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("inline syntax the board does not need", () => {
  it("parses 40,000 unclosed link openers quickly: links are not parsed at all", () => {
    const started = performance.now();
    const board = parseBoard(`# S\n\n- [ ] x ${"[a](".repeat(40_000)}\n`);
    expect(board.items).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(5_000); // was 14 s for 30,000 with link parsing on
  });

  it("reads a heading with a link as its raw text", () => {
    expect(parseBoard("## [Docs](https://example.com)\n\n- [ ] x\n").items[0]!.section).toBe("[Docs](https://example.com)");
  });
});
