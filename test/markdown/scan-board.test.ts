import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";
import { type Board, parseBoardWithMdast } from "../../src/markdown/parse-board.js";
import { PARSE_LIMITS } from "../../src/markdown/parse-limits.js";
import { scanBoard } from "../../src/markdown/scan-board.js";
import { boardsDir, memoryDir, readText } from "./fixtures.js";
import { trickyBoard } from "./tricky-boards.js";

/**
 * The scanner against its oracle: for every board, scanBoard gives exactly parseBoardWithMdast's Board, or
 * declines (undefined). Fixtures and the inputs of the other markdown suites must never be declined; the
 * seeded tricky boards may be, rarely. More seeds: SCAN_FUZZ_SEED=<n> SCAN_FUZZ_CASES=<n> npx vitest run
 * test/markdown/scan-board.test.ts
 */

function expectSameOrDeclined(text: string, label: () => string): Board | undefined {
  const scanned = scanBoard(text);
  if (!scanned) return undefined;
  const reference = parseBoardWithMdast(text);
  // isDeepStrictEqual first: building vitest's message for thousands of boards would dominate the run.
  if (!isDeepStrictEqual(scanned, reference)) expect(scanned, label()).toEqual(reference);
  return scanned;
}

function expectSame(text: string, label = JSON.stringify(text)): void {
  const scanned = scanBoard(text);
  expect(scanned, `${label} was declined`).toBeDefined();
  expect(scanned, label).toEqual(parseBoardWithMdast(text));
}

/** Every markdown file under the fixtures: boards, their expected edits, agent memory files. */
function fixtureTexts(): [string, string][] {
  return [boardsDir, memoryDir].flatMap((root) =>
    readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) =>
        readdirSync(join(root, entry.name))
          .filter((file) => file.endsWith(".md"))
          .map((file) => [`${entry.name}/${file}`, readText(join(root, entry.name, file))] as [string, string]),
      ),
  );
}

/** Inputs written inline in the other markdown and board suites. */
const SUITE_INPUTS = [
  // board-structure.test.ts
  [
    "- Backend",
    "  - [ ] Migrate",
    "- [ ] API",
    "  1. [ ] Design",
    "  2. [ ] Write",
    "     - [ ] Validate",
    "  3. [ ] Ship",
    "- [ ] Release",
    "",
    "> 1. [ ] Quoted first",
    "> 2. [ ] Quoted second",
    "",
  ].join("\n"),
  ["1. [ ] One", "2. Not a task", "3. [ ] Three", "", "Text", "", "1. [ ] Other list", ""].join("\n"),
  // parse-board.test.ts
  "- [ ] a\r- [ ] b\n- [ ] c\n",
  "# Board\r\r- [ ] a\r- [ ] b\r",
  "",
  "\uFEFF",
  // parse-limits.test.ts
  "## [Docs](https://example.com)\n\n- [ ] x\n",
  `# S\n\n- [ ] x ${"[a](".repeat(2_000)}\n`,
  Array.from({ length: PARSE_LIMITS.nesting }, (_, i) => `${"  ".repeat(i)}- [ ] level ${i}`).join("\n"),
  Array.from({ length: 200 }, (_, i) => `## H${i}`).join("\n"),
  // patch-board.test.ts
  [
    "\uFEFF# Shared State",
    "",
    "## Available Work Items",
    "",
    "- [ ] Build auth",
    "  - [ ] nested child   ",
    "1. [ ] ordered one",
    "* [x] done already",
    "> - [ ] quoted",
    "",
    "```",
    "- [ ] not an item",
    "```",
    "",
    "## In Progress",
    "",
    "- [ ] Write docs [IP:bravo]",
  ].join("\r\n"),
  // board/find-item.test.ts
  ["- [ ] Build auth [IP:alpha]", "- [ ] Write docs", "- [ ] Ship v1.", "- [ ] Ship v1", "- [x] Fix login bug"].join("\n"),
];

describe("scanBoard equals the mdast parse", () => {
  it.each(fixtureTexts())("fixture %s", (name, text) => {
    expectSame(text, name);
  });

  it.each(SUITE_INPUTS.map((text, index) => [index, text] as const))("input %i of the other suites", (_index, text) => {
    expectSame(text);
  });
});

/**
 * Cases the differential test found, shrunk by hand, and quirks of micromark/mdast checked by hand while
 * building the scanner: each names what it pins.
 */
const REGRESSIONS: [string, string][] = [
  // Found by the fuzz test.
  ["a lazy line of indented code ends the code at once (ordered item after it)", "   2.\n      \t\n      **\n   2. [ ] auth **bold**  \n"],
  ["a lazy line of indented code ends the code at once (empty item after it)", "> \n    - [ ] API\n 10.\n---"],
  ["… and in a quote in a list", " +    2.\n    * * *\n *\n      > 1. [ ]\t\n   >\t    [ ] `code` [IP:x y]  \n"],
  ["a lazy complete tag (HTML kind 7) starts HTML inside the quote", '> Foo\n<a href="x">\n> bar\n'],
  ["… which ends at the next lazy line", '> Foo\n<a href="x">\nbar\n'],
  ["… unless it is the last line, without a line ending", '> Foo\n<a href="x">'],
  ["… and inside a list item", "- Foo\n<a>\n  - [ ] x\n"],
  ["a setext heading's text starting on an indented line after a definition", "[a]: /u\n\t```js\n  -\n"],
  ["the last line, empty after its prefixes and without a line ending, is the end", ">\t> - [ ] Build [IP:b]\t\n > >\t- [x]x the\n>"],
  ["a box over two lines, tabs on the line after", "   - [\n]\n  \t+ [\n"],
  ["a box over two lines, then a lazy line that would be an underline", "1. [\n] the _x_ <b>  \r--\r"],
  ["a setext heading's text starting with `-` (content, since it cannot interrupt the code)", "    code\n-\n===\n"],
  ["… or with `- ` after a definition", "[a]: /u\n- \n---\n- [ ] x\n"],
  ["… or with `===`", "===  \r\n---\r\n- [ ] x\r\n"],
  // Checked by hand.
  ["whitespace after an empty item's marker: the next line's box is no task", "-  \n  [ ] foo\n"],
  ["a bare empty item's next line holds its box", "-\n  [ ] foo\n"],
  ["a box over two lines: the item's line is the `]` line, if text follows it", "- [ ] a\n  - [\n  ] foo\n    - [ ] b\n"],
  ["… the `[` line if markup follows", "- [\n] *foo*\n"],
  ["… the `]` line if the text is on the next line", "- [\n]\n  foo\n"],
  ["one more column of indentation there: no task", "-\n   [ ] foo\n"],
  [
    "a box's tab one column wide makes a task (then not an item: parseTaskLine rejects it)",
    "- [ ] outer\n    - [\t] middle\n      - [ ] inner\n",
  ],
  ["the box after a definition belongs to the item, whose first child is the definition", "- [x]: /u\n  [ ] task\n"],
  ["a lazy first paragraph of an empty item checks the item around it", "- [ ]\n\n  -\n  [ ] foo\n"],
  ["unclosed fence: the item ends on the line after it", "- [ ] a\n  ```\n  x\n\nb\n"],
  ["unclosed fence in a quote ends before the last line ending", "> - [ ] a\n>   ```\n>   x\n"],
  ["an item with an unclosed fence ends on the next item's line", "- ```\n  code\n\n- [ ] b\n"],
  ["an item ends before the `>` line of a quote", "> - [ ] a\n>\n> b\n"],
  ["the outer item ends on the `>` line, the inner one before it", "> - [ ] a\n>   - [ ] b\n>\nc\n"],
  ["no ordered list can interrupt indented code, even after a blank line", "    code\n\n2. [ ] foo\n"],
  ["a setext heading after a definition starts on the definition's line", "[a]: /u\nFoo\n===\n- [ ] x"],
  ["definitions only: `===` is a paragraph, `---` a break", "[a]: /u\n===\n- [ ] x\n\n[b]: /v\n---\n- [ ] y\n"],
  ["a new list at another bullet or delimiter", "1. [ ] a\n1) [ ] b\n- [ ] c\n+ [ ] d\n* [ ] e\n"],
  ["an empty item cannot interrupt a paragraph; a setext underline wins", "Text\n-\n- [ ] x\n"],
  ["an ordered item interrupts a paragraph only from 1", "Text\n2. [ ] two\n1. [ ] one\n"],
  ["HTML kinds 1 to 7 with items inside and after", "<pre>\n- [ ] no\n</pre>\n- [ ] yes\n\n<div>\n- [ ] no\n\n- [ ] yes\n"],
  ["a CDATA block does not end at `]]]>`", "<![CDATA[\n- [ ] no ]]]>\n- [ ] still no\n"],
  ["a label over two lines, a destination on the next line", "[a\nb]:\n/u\n===\n- [ ] x\n"],
  ["a long heading with markup (its title from mdast, however long)", `# *${"a _b ".repeat(2_000)}*\n- [ ] x\n`],
  ["labels of 999 and of 1,000 characters", `[${"a".repeat(999)}]: /u\n- [ ] x\n\n[${"a".repeat(1000)}]: /u\n===\n- [ ] y\n`],
  ["a title that never closes, definition after definition", `${"[a]: b (x\n".repeat(50)}===\n- [ ] x\n`],
  ["tabs through container prefixes", ">\t- [ ] a\n>\t\t- [ ] b\n-\t[ ] c\n \t- [ ] d\n"],
  ["NUL, read as U+FFFD", "# \0 H\0\n- [ ] a\0b\n-\0 [ ] c\n[\0]: /u\0\n"],
  ["a title ending in a no-break space (trimmed, as mdast's title is)", "# Heading\u00a0\n- [ ] x\n"],
  ["lone CR and CRLF line endings, a BOM", "\uFEFF# T\r\n- [ ] a\r  - [ ] b\r\n\r- [ ] c"],
];

describe("scanBoard regressions", () => {
  it.each(REGRESSIONS)("%s", (_name, text) => {
    expectSame(text);
  });
});

describe("scanBoard declines what it does not model, and parseBoard then uses mdast", () => {
  it.each([
    [
      "a code span running into a line that starts inside a tab",
      "  *\n    001. >\n         `  nbsp \n        \t`code` **bold** [a](b)\n       \t --\n",
    ],
    ["a lazy heading line that reads as an underline", "> Foo\n--\n> ===\n"],
  ])("%s", (_name, text) => {
    expect(scanBoard(text)).toBeUndefined();
    expect(parseBoard(text)).toEqual(parseBoardWithMdast(text));
  });
});

describe("scanBoard on seeded tricky boards", () => {
  const base = Number(process.env.SCAN_FUZZ_SEED ?? 1);
  const count = Number(process.env.SCAN_FUZZ_CASES ?? 3_000);

  it(`equals the mdast parse or declines, rarely (seeds ${base}…${base + count - 1})`, () => {
    let declined = 0;
    for (let seed = base; seed < base + count; seed++) {
      const text = trickyBoard(seed);
      let scanned: Board | undefined;
      try {
        scanned = expectSameOrDeclined(text, () => `trickyBoard(${seed})`);
      } catch (error) {
        throw new Error(`seed ${seed}, trickyBoard(${seed}) = ${JSON.stringify(text)}\n${(error as Error).message}`);
      }
      if (!scanned) declined++;
    }
    const rate = declined / count;
    console.log(`scanBoard fuzz: ${count} boards from seed ${base}, ${declined} declined (${(rate * 100).toFixed(2)}%)`);
    expect(rate).toBeLessThan(0.02);
  });
});

/** Boards inside the parse limits that took mdast from seconds to most of a minute. */
const SHAPES: [string, () => string][] = [
  ["25,000 plain items (4.2 MB)", () => items(24_990, plainItem)],
  ["24,000 items of `*a _b ` runs (5.2 MB)", () => items(24_000, () => "*a _b ".repeat(35))],
  [
    "one paragraph of character references (4.7 MB)",
    () => `${Array.from({ length: 20_000 }, () => "&amp; &#123; &lt; ".repeat(13)).join("\n")}\n`,
  ],
  ["unclosed `<a ` × 800,000", () => `- [ ] x ${"<a ".repeat(800_000)}\n`],
  ["1,000 headings", () => Array.from({ length: 1_000 }, (_, i) => `## Section ${i}\n\n- [ ] item ${i}\n`).join("\n")],
  ["64-deep nesting, 48 times", () => `${Array.from({ length: 48 }, () => nesting(64)).join("\n\n")}\n`],
  ["a blank-line flood", () => `# S\n- [ ] a${"\n".repeat(24_990)}- [ ] b\n`],
  // Whitespace counts towards the nesting limits: 6 spaces a line keeps the flood inside them.
  ["24,000 whitespace lines in a nested list", () => `- [ ] a\n  - [ ] b\n${"      \n".repeat(24_000)}- [ ] c\n`],
  ["20,000 unclosed `[a](`", () => `# S\n\n- [ ] x ${"[a](".repeat(20_000)}\n`],
];

function plainItem(index: number): string {
  const task = `Task ${String(index).padStart(5, "0")}: implement the auth module and its tests`;
  return `${task}, then the billing module and its tests, then review the docs, the changelog and the release notes, and ship`;
}

function items(count: number, text: (index: number) => string): string {
  return `# Board\n\n## Available Work Items\n\n${Array.from({ length: count }, (_, i) => `- [ ] ${text(i)}`).join("\n")}\n`;
}

function nesting(depth: number): string {
  return Array.from({ length: depth }, (_, i) => `${"  ".repeat(i)}- [ ] level ${i}`).join("\n");
}

describe("parseBoard speed on pathological boards", () => {
  // Not a measure of the machine: a generous bound for shapes mdast took 1–49 s on, the scanner tens of ms.
  it.each(SHAPES)("%s parses in well under a second", (name, make) => {
    const text = make();
    expect(scanBoard(text), `${name} was declined`).toBeDefined();
    const started = performance.now();
    const board = parseBoard(text);
    const elapsed = performance.now() - started;
    console.log(`parseBoard: ${name}: ${(text.length / 1e6).toFixed(2)} MB, ${board.items.length} items, ${elapsed.toFixed(0)} ms`);
    expect(elapsed).toBeLessThan(1_000);
  });
});
