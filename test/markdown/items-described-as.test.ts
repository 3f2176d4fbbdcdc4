import { describe, expect, it } from "vitest";
import { itemsDescribedAs, parseBoard, patchBoard } from "../../src/markdown/index.js";
import { claimItem, completeItem } from "./edited.js";
import { boardCases } from "./fixtures.js";
import { trickyBoard } from "./tricky-boards.js";

// What a scan of every item finds: the reference the text search must agree with.
function byScan(text: string, description: string) {
  return parseBoard(text).items.filter((item) => item.description === description);
}

function boards(): { name: string; text: string }[] {
  const fixtures = boardCases().map((c) => ({ name: c.name, text: c.input }));
  const tricky = Array.from({ length: 40 }, (_, seed) => ({ name: `trickyBoard(${seed})`, text: trickyBoard(seed) }));
  return [...fixtures, ...tricky];
}

describe("itemsDescribedAs", () => {
  it("finds exactly the items a scan finds, on every fixture and generated board", () => {
    let checked = 0;
    for (const { name, text } of boards()) {
      const board = parseBoard(text);
      // Every description, and text that occurs without being one: parts of descriptions, markers, headings.
      const probes = new Set(board.items.flatMap((item) => [item.description, item.description.slice(1), item.task.rest]));
      for (const heading of board.headings) probes.add(heading.title);
      for (const probe of probes) {
        const found = itemsDescribedAs(text, board, probe);
        if (found === undefined) continue; // too common to search for: the caller scans
        expect(found, `${name}: ${JSON.stringify(probe)}`).toEqual(byScan(text, probe));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it("answers for the board it is given when a patch kept the structure, with the items' new statuses", () => {
    let text = "- [ ] Ship v1\n- [ ] Other\n- [x] Ship v1\n- [ ] Ship v1 [IP:beta]\n";
    let board = parseBoard(text);
    const first = itemsDescribedAs(text, board, "Ship v1");
    expect(first?.map((item) => [item.line, item.status])).toEqual([
      [1, "available"],
      [3, "completed"],
      [4, "in_progress"],
    ]);
    for (const [n, line] of [1, 2, 1].entries()) {
      const item = board.items.find((it) => it.line === line)!;
      const next = n === 2 ? completeItem(text, board, item) : claimItem(text, board, item, `agent-${n}`);
      const patched = patchBoard(text, board, next)!;
      expect(patched.structure).toBe(board.structure); // statuses only: the answer kept is the one used
      text = next;
      board = patched;
      for (const probe of ["Ship v1", "Other", "Ship"]) expect(itemsDescribedAs(text, board, probe)).toEqual(byScan(text, probe));
    }
    expect(itemsDescribedAs(text, board, "Ship v1")?.map((item) => [item.line, item.status])).toEqual([
      [1, "completed"],
      [3, "completed"],
      [4, "in_progress"],
    ]);
  });

  it("finds repeated descriptions in board order, each item once", () => {
    const text = "- [ ] Ship v1\n- [x] Ship v1\n  - [ ] Ship v1 Ship v1\n- [ ] Ship v1. [IP:alpha]\n- [ ] Ship v1 [IP:beta]\n";
    const board = parseBoard(text);
    expect(itemsDescribedAs(text, board, "Ship v1")?.map((item) => item.line)).toEqual([1, 2, 5]);
    expect(itemsDescribedAs(text, board, "Ship v1 Ship v1")?.map((item) => item.line)).toEqual([3]);
    expect(itemsDescribedAs(text, board, "Ship v2")).toEqual([]);
  });

  it("gives way to a scan when the text is too common to search for", () => {
    const text = `${Array.from({ length: 100 }, (_, i) => `- [ ] item ${i}`).join("\n")}\n`;
    expect(itemsDescribedAs(text, parseBoard(text), "item")).toBeUndefined();
    expect(itemsDescribedAs(text, parseBoard(text), "")).toBeUndefined();
    expect(itemsDescribedAs(text, parseBoard(text), "item 42")).toHaveLength(1);
  });
});
