import { describe, expect, it } from "vitest";
import { breaksSections, MEMORY_SECTIONS, memoryTemplate, readMemorySections, writeMemorySection } from "../../src/markdown/index.js";
import { expectedFiles, expectFile, expectJson, type MemoryCase, memoryCases, splitLines } from "./fixtures.js";

const cases = memoryCases();

function inputOf(c: MemoryCase): string {
  return c.input ?? memoryTemplate(c.template!);
}

function byName(name: string): MemoryCase {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`no memory fixture \`${name}\``);
  return found;
}

/** Lines of `text` from the first line that starts with `heading` up to (not including) the next `## ` line. */
function sectionLines(text: string, heading: string): string[] {
  const lines = splitLines(text);
  const start = lines.findIndex((line) => line.replace(/\r?\n$/, "") === heading);
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && /^##? /.test(line));
  return lines.slice(start, end < 0 ? lines.length : end);
}

const operations = cases.flatMap((c) =>
  c.operations.map(
    (operation) =>
      [`${c.name}: ${operation.append ? "append to" : "replace"} ${operation.section} → ${operation.expected}`, c, operation] as const,
  ),
);

describe("memoryTemplate", () => {
  it("is the header and the three sections, LF, with a final newline", () => {
    expectFile(byName("template").dir, "template.md", memoryTemplate("agent-1"));
  });

  it("names the agent", () => {
    expect(memoryTemplate("bravo").split("\n")[0]).toBe("# Agent Memory: bravo");
  });

  it("reads as three empty sections", () => {
    expect(readMemorySections(memoryTemplate("agent-1"))).toEqual({ scratchpad: "", subtasks: "", notes: "" });
  });
});

describe("readMemorySections on fixtures", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: sections.json", (_name, c) => {
    expectJson(c.dir, "sections.json", readMemorySections(inputOf(c)));
  });
});

describe("writeMemorySection on fixtures", () => {
  it("every expected file belongs to an operation", () => {
    for (const c of cases) {
      const named = c.operations.map((op) => op.expected).concat(c.template === undefined ? [] : ["template.md"]);
      expect(expectedFiles(c.dir), c.name).toEqual([...new Set(named)].sort());
    }
  });

  it("covers replace and append on every section", () => {
    const kinds = new Set(operations.map(([, , op]) => `${op.append ? "append" : "replace"}:${op.section}`));
    for (const section of Object.keys(MEMORY_SECTIONS)) {
      expect(kinds.has(`append:${section}`), `append:${section}`).toBe(true);
      expect(kinds.has(`replace:${section}`), `replace:${section}`).toBe(true);
    }
  });

  it.each(operations)("%s", (_title, c, operation) => {
    const input = inputOf(c);
    expect(breaksSections(operation.content)).toBe(false);
    const output = writeMemorySection(input, operation.section, operation.content, operation.append);
    expectFile(c.dir, operation.expected, output);

    const sections = readMemorySections(output);
    expect(sections[operation.section]).toBe(operation.sectionAfter);
    // The other known sections read as before.
    const before = readMemorySections(input);
    for (const key of Object.keys(MEMORY_SECTIONS) as (keyof typeof MEMORY_SECTIONS)[]) {
      if (key !== operation.section) expect(sections[key], key).toBe(before[key]);
    }
    // Writing the same thing again is a no-op for a replace (so an unchanged file need not be rewritten).
    if (!operation.append) expect(writeMemorySection(output, operation.section, operation.content, false)).toBe(output);
  });
});

describe("what a person wrote survives", () => {
  it("a `## Decisions` and a `## Links` section come through every update byte for byte", () => {
    const c = byName("person-section");
    const input = inputOf(c);
    const decisions = sectionLines(input, "## Decisions");
    const links = sectionLines(input, "## Links");
    expect(decisions.join("")).toBe("## Decisions\n\nWe use Postgres.  \nKeep the API small.\n\n");
    expect(links.join("")).toBe("## Links\n\n- https://example.com\n");
    for (const section of Object.keys(MEMORY_SECTIONS) as (keyof typeof MEMORY_SECTIONS)[]) {
      for (const append of [false, true]) {
        const output = writeMemorySection(input, section, "Something new", append);
        expect(sectionLines(output, "## Decisions"), `${section} append=${append}`).toEqual(decisions);
        expect(sectionLines(output, "## Links"), `${section} append=${append}`).toEqual(links);
        expect(output.startsWith("# Agent Memory: agent-1\n\n## Scratchpad\n")).toBe(true);
      }
    }
  });

  it("a CRLF file stays CRLF, content lines included", () => {
    const c = byName("crlf");
    const input = inputOf(c);
    for (const op of c.operations) {
      const output = writeMemorySection(input, op.section, op.content, op.append);
      expect(output.replace(/\r\n/g, "")).not.toContain("\n");
      expect(output.endsWith("\r\n")).toBe(true);
    }
  });
});

describe("append joins content without changing what the existing text means", () => {
  const input = "# Agent Memory: agent-1\n\n## Scratchpad\n\nLast line\n\n## Subtasks\n\n- [ ] keep me\n\n## Notes\n\nLast note\n";
  const cases = (["scratchpad", "notes"] as const).flatMap((section) =>
    ["---", "===", "---\nmore", "- - -", "plain"].map((content) => [section, content] as const),
  );

  it.each(cases)("append to %s of %j: the old last line stays text, the new content ends the section", (section, content) => {
    // A thematic break or a lone `===` is allowed content on its own...
    expect(breaksSections(content)).toBe(false);
    const before = readMemorySections(input);
    const output = writeMemorySection(input, section, content, true);
    const after = readMemorySections(output);
    // ...and appending it must not make the section's last paragraph a setext heading that splits the file.
    expect(after[section].startsWith(before[section]), JSON.stringify(after)).toBe(true);
    expect(after[section].endsWith(content), JSON.stringify(after)).toBe(true);
    for (const key of Object.keys(MEMORY_SECTIONS) as (keyof typeof MEMORY_SECTIONS)[]) {
      if (key !== section) expect(after[key], key).toBe(before[key]);
    }
  });
});

describe("breaksSections", () => {
  it.each([
    ["an ATX h1", "# Title"],
    ["an ATX h2", "## Section"],
    ["an ATX h2 after text", "some text\n\n## Section\nmore"],
    ["an ATX h2 indented three spaces", "   ## Section"],
    ["an ATX h2 after a tab", "##\tSection"],
    ["an empty ATX h2", "##"],
    ["an ATX h2 with closing hashes", "## Section ##"],
    ["a setext h1", "Title\n====="],
    ["a setext h2", "Title\n-----"],
    ["a setext h2 with CRLF", "Title\r\n---\r\n"],
  ])("true for %s", (_name, content) => {
    expect(breaksSections(content)).toBe(true);
  });

  it.each([
    ["plain text", "just a note"],
    ["an ATX h3", "### Plan"],
    ["an ATX h4 and deeper", "#### a\n##### b\n###### c"],
    ["`## ` inside a backtick fence", "```\n## not a heading\n```"],
    ["`## ` inside a tilde fence", "~~~md\n# not a heading\n~~~"],
    ["`## ` in indented code", "text\n\n    ## code"],
    ["`## ` in an HTML comment", "<!--\n## hidden\n-->"],
    ["`##` without a space", "##hashtag"],
    ["an escaped `\\##`", "\\## not a heading"],
    ["`##` in the middle of a line", "issue ## 12"],
    ["a thematic break after a blank line", "text\n\n---"],
    ["a thematic break after a list", "- item\n---"],
    ["an empty string", ""],
  ])("false for %s", (_name, content) => {
    expect(breaksSections(content)).toBe(false);
  });

  it("is false for the `###` content of the h3-content fixture, which writes cleanly", () => {
    const c = byName("h3-content");
    for (const op of c.operations) expect(breaksSections(op.content)).toBe(false);
    expect(c.operations.some((op) => op.content.includes("### "))).toBe(true);
  });
});
