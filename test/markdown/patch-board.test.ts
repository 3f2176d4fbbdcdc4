import { describe, expect, it } from "vitest";
import { claimItem, completeItem, parseBoard, patchBoard, releaseItem } from "../../src/markdown/index.js";

const BOARD = [
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
].join("\r\n");

describe("patchBoard", () => {
  it("equals a fresh parse after every claim, release and completion of every item", () => {
    const board = parseBoard(BOARD);
    expect(board.items.length).toBe(6);
    for (const item of board.items) {
      const edits = [
        item.status === "available" ? claimItem(BOARD, board, item, "agent-7") : releaseItem(BOARD, board, item),
        completeItem(BOARD, board, item),
      ];
      for (const next of edits) {
        const patched = patchBoard(BOARD, board, next);
        expect(patched, `patch of line ${item.line}`).toBeDefined();
        expect(patched).toEqual(parseBoard(next));
      }
    }
  });

  it("follows a chain of edits, each patched from the previous version", () => {
    let text = BOARD;
    let board = parseBoard(text);
    for (let round = 0; round < 3; round++) {
      for (const item of parseBoard(text).items) {
        const current = board.items.find((it) => it.line === item.line)!;
        const next =
          current.status === "available" ? claimItem(text, board, current, `a${round}`) : releaseItem(text, board, current);
        const patched = patchBoard(text, board, next)!;
        expect(patched).toEqual(parseBoard(next));
        text = next;
        board = patched;
      }
    }
  });

  it("declines changes that could alter the structure, so the caller parses", () => {
    const board = parseBoard(BOARD);
    const declined = [
      BOARD.replace("- [ ] Build auth", "- [ ] Build auth\r\n- [ ] new line"), // a line added
      BOARD.replace("## In Progress", "## Doing"), // a heading changed
      BOARD.replace("- [ ] not an item", "- [ ] still not an item"), // inside a code fence: not an item line
      BOARD.replace("- [ ] Build auth", "  [ ] Build auth"), // the container prefix changed
      BOARD.replace("- [ ] Build auth", "- [ ]"), // no text left after the checkbox
      BOARD.replace("- [ ] Build auth", "- [?] Build auth"), // no longer a checkbox
    ];
    for (const next of declined) {
      expect(next).not.toBe(BOARD);
      expect(patchBoard(BOARD, board, next)).toBeUndefined();
    }
  });

  it("returns the same items for identical text", () => {
    const board = parseBoard(BOARD);
    expect(patchBoard(BOARD, board, BOARD)).toEqual(board);
  });
});
