import { describe, expect, it } from "vitest";
import * as markdown from "../../src/markdown/index.js";
import { parseBoard } from "../../src/markdown/index.js";
import { boardCases, expectJson, splitLines } from "./fixtures.js";

const cases = boardCases();

function reported(text: string) {
  return parseBoard(text).items.map(({ line, description, status, claimedBy, section, task }) => ({
    line,
    description,
    status,
    claimedBy,
    section,
    // The names of a dependency suffix, on the boards that have one.
    ...(task.after.length > 0 ? { after: task.after } : {}),
  }));
}

function byName(name: string) {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`no board fixture \`${name}\``);
  return found;
}

describe("markdown public API", () => {
  it("exports exactly these names", () => {
    expect(Object.keys(markdown).sort()).toEqual([
      "DEFAULT_SECTION",
      "MEMORY_SECTIONS",
      "MarkdownLimitError",
      "PARSE_LIMITS",
      "addItem",
      "applyEdit",
      "boardTemplate",
      "breaksSections",
      "claimItem",
      "completeItem",
      "conflictMarkerLines",
      "findSection",
      "itemIndexAtLine",
      "itemsDescribedAs",
      "memoryTemplate",
      "parseBoard",
      "patchBoard",
      "readMemorySections",
      "reclaimItem",
      "releaseItem",
      "sectionKey",
      "writeMemorySection",
      "writeMemorySectionChecked",
    ]);
  });
});

describe("parseBoard on fixture boards", () => {
  it("has fixtures to run", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s: items.json", (_name, c) => {
    expectJson(c.dir, "items.json", reported(c.input));
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s: each item's line holds its checkbox and description", (_name, c) => {
    const lines = splitLines(c.input);
    for (const item of parseBoard(c.input).items) {
      const raw = lines[item.line - 1] ?? "";
      expect(raw, `line ${item.line} of ${c.name}`).toMatch(/\[[ xX]\]/);
      expect(raw, `line ${item.line} of ${c.name}`).toContain(item.description);
    }
  });

  it("detects the file's own line ending", () => {
    expect(parseBoard(byName("crlf").input).lineEnding).toBe("\r\n");
    expect(parseBoard(byName("bom-crlf").input).lineEnding).toBe("\r\n");
    expect(parseBoard(byName("missing-section-no-final-newline").input).lineEnding).toBe("\r\n");
    expect(parseBoard(byName("bom").input).lineEnding).toBe("\n");
    expect(parseBoard(byName("nested").input).lineEnding).toBe("\n");
  });

  it("reports the same items for a CRLF board as for its LF twin", () => {
    const crlf = byName("crlf").input;
    expect(crlf).toContain("\r\n");
    expect(reported(crlf)).toEqual(reported(crlf.replace(/\r\n/g, "\n")));
  });

  it("a BOM does not shift or hide the item on line 1", () => {
    const c = byName("bom");
    expect(c.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(reported(c.input)[0]).toEqual({
      line: 1,
      description: "Triage the inbox",
      status: "available",
      claimedBy: null,
      section: null,
    });
    expect(reported(c.input)).toEqual(reported(c.input.slice(1)));
  });

  it("task-like text in paragraphs, code, HTML and tables is not an item", () => {
    const c = byName("not-items");
    const items = reported(c.input);
    expect(items.map((item) => item.description)).toEqual(["Deploy to staging", "Real item"]);
    // The fenced `- [ ] Deploy to staging` sits above the real one; only the real line is reported.
    const lines = splitLines(c.input);
    const fencedLine = lines.indexOf("- [ ] Deploy to staging\n") + 1;
    expect(fencedLine).toBeGreaterThan(0);
    expect(items[0]!.line).toBeGreaterThan(fencedLine);
    expect(items.every((item) => item.section === "Available Work Items")).toBe(true);
  });

  it("nested items are items, at every depth, under a task parent or not", () => {
    const descriptions = reported(byName("nested").input).map((item) => item.description);
    expect(descriptions).toEqual([
      "Migrate the database",
      "Build the API",
      "Design the endpoints",
      "Write the handlers",
      "Validate input",
      "Ship the release",
      "Tag the version",
      "Publish to npm",
    ]);
  });

  it("`[X]` and `[x]` are completed, and a leftover marker on a checked item names no holder", () => {
    const items = reported(byName("uppercase-x").input);
    expect(items.filter((item) => item.status === "completed").map((item) => [item.description, item.claimedBy])).toEqual([
      ["Done upper", null],
      ["Done lower", null],
      ["Done with leftover marker", null],
    ]);
  });

  it("a marker typed with extra spaces or a tab around it still names its holder", () => {
    expect(reported(byName("person-marker").input).map((item) => [item.description, item.status, item.claimedBy])).toEqual([
      ["Build auth", "in_progress", "agent-2"],
      ["Spaced description", "in_progress", "agent-3"],
      ["Tab before", "in_progress", "agent-4"],
    ]);
  });

  it("section is the nearest heading above, whatever its level or style; null before any heading", () => {
    expect(reported(byName("headings").input).map((item) => [item.description, item.section])).toEqual([
      ["Before any heading", null],
      ["Under setext h1", "Project board"],
      ["Direct item", "Available Work Items"],
      ["Under h3", "Backend"],
      ["Under h4", "Details"],
      ["Under setext h2", "Frontend"],
    ]);
  });

  it("a lone CR (an old Mac line break) neither hides an item nor leaks into a description", () => {
    // The parser treats CR, LF and CRLF alike as line endings, so all three are task items to it.
    const mixed = parseBoard("- [ ] a\r- [ ] b\n- [ ] c\n").items.map((item) => item.description);
    expect(mixed).toEqual(["a", "b", "c"]);
    const crOnly = parseBoard("# Board\r\r- [ ] a\r- [ ] b\r").items.map((item) => item.description);
    expect(crOnly).toEqual(["a", "b"]);
  });

  it("an empty text is a board with no items", () => {
    expect(parseBoard("").items).toEqual([]);
    expect(parseBoard("\uFEFF").items).toEqual([]);
  });
});
