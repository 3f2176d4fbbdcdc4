import { describe, expect, it } from "vitest";
import { findItem, forgivingKey } from "../../src/board/find-item.js";
import { parseBoard } from "../../src/markdown/index.js";

const board = parseBoard(
  ["- [ ] Build auth [IP:alpha]", "- [ ] Write docs", "- [ ] Ship v1.", "- [ ] Ship v1", "- [x] Fix login bug"].join("\n"),
);
const found = (text: string, line?: number) => {
  const result = findItem(board.items, text, line);
  return "reason" in result ? result.reason : result.description;
};

describe("findItem forgiving matching", () => {
  it.each([
    ["Build auth [IP:alpha]", "Build auth"],
    ["- [ ] Build auth", "Build auth"],
    ["- [ ] Build auth [IP:alpha]", "Build auth"],
    ["* [x] Fix login bug", "Fix login bug"],
    ['"Write docs"', "Write docs"],
    ["`Write docs`", "Write docs"],
    ["\u201cWrite docs\u201d", "Write docs"],
    ["Write docs.", "Write docs"],
    ["write   DOCS!", "Write docs"],
  ])("resolves %j to %j", (text, description) => {
    expect(found(text)).toBe(description);
  });

  it("prefers an exact match over a forgiving one, and never guesses between two", () => {
    expect(found("Ship v1.")).toBe("Ship v1.");
    expect(found("Ship v1")).toBe("Ship v1");
    expect(found('"Ship v1"')).toBe("ambiguous"); // both "Ship v1." and "Ship v1" fit once punctuation goes
    expect(found('"Ship v1"', 4)).toBe("Ship v1");
  });

  it("does not strip what is part of a description", () => {
    expect(forgivingKey("Use [x] notation")).toBe("use [x] notation");
    expect(found("Build")).toBe("not_found");
  });
});

describe("findItem not_found hints", () => {
  const hintFor = (text: string, items = board.items) => {
    const result = findItem(items, text);
    if (!("reason" in result)) throw new Error(`expected not_found, found ${result.description}`);
    return { hint: result.hint, suggestions: (result as { suggestions?: string[] }).suggestions };
  };

  it("points at the closest descriptions when there are some", () => {
    const { hint, suggestions } = hintFor("Write doc");
    expect(hint).toBe("Call get_work_items and copy the description exactly; the closest ones are in `suggestions`.");
    expect(suggestions?.[0]).toBe("Write docs");
  });

  it("says the board is empty only when it is", () => {
    expect(hintFor("Build auth", [])).toEqual({ hint: "The board has no items yet: add_item creates one.", suggestions: [] });
  });

  it("on a board with items but nothing alike, says so and sends the agent to get_work_items", () => {
    expect(hintFor("Nope")).toEqual({
      hint: "None of the board's 5 item(s) resembles it: call get_work_items to see their descriptions, or add_item if this is new work.",
      suggestions: [],
    });
  });
});
