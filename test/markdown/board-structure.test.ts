import { describe, expect, it } from "vitest";
import { parseBoard } from "../../src/markdown/index.js";

/** What the dependency rules read from a board's structure: nesting, list order, ordered lists. */
describe("parseBoard: structure", () => {
  it("gives each task item its enclosing task item, the task item before it in its list, and whether the list is ordered", () => {
    const board = parseBoard(
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
    );
    expect(board.items.map((item) => [item.line, item.description, item.parent, item.previous, item.ordered])).toEqual([
      [2, "Migrate", -1, -1, false],
      [3, "API", -1, -1, false],
      [4, "Design", 1, -1, true],
      [5, "Write", 1, 2, true],
      [6, "Validate", 3, -1, false],
      [7, "Ship", 1, 3, true],
      [8, "Release", -1, 1, false],
      [10, "Quoted first", -1, -1, true],
      [11, "Quoted second", -1, 7, true],
    ]);
  });

  it("starts a new list after a blank line and a paragraph, and counts only task items as previous", () => {
    const board = parseBoard(["1. [ ] One", "2. Not a task", "3. [ ] Three", "", "Text", "", "1. [ ] Other list", ""].join("\n"));
    expect(board.items.map((item) => [item.description, item.previous])).toEqual([
      ["One", -1],
      ["Three", 0],
      ["Other list", -1],
    ]);
  });
});
