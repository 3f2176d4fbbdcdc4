import { describe, expect, it } from "vitest";
import * as md from "../../src/markdown/index.js";
import type { TextEdit } from "../../src/store/board-store.js";
import type { FileSnapshot } from "../../src/store/strict-read.js";
import { applyEdit, changesFile, encodeText } from "../../src/store/text-edit.js";
import { boardCases } from "../markdown/fixtures.js";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function snapshot(bytes: Buffer): FileSnapshot {
  return {
    text: decoder.decode(bytes),
    bytes,
    mode: 0o644,
    version: { ino: 1, birthtimeMs: 0, size: bytes.length, mtimeMs: 0 },
    steady: true,
  };
}

/** encodeText's bytes for `edit` of `base`, checked against encoding the edited text whole. */
function expectSpliceEncodes(base: FileSnapshot, edit: TextEdit): void {
  const text = applyEdit(base.text, edit);
  const spliced = Buffer.concat(encodeText(text, base, edit));
  expect(spliced.equals(Buffer.from(text, "utf8")), JSON.stringify(edit)).toBe(true);
}

describe("encodeText", () => {
  it("splices the bytes of every edit of every fixture board to exactly the edited text's encoding", () => {
    let edits = 0;
    for (const c of boardCases()) {
      const base = snapshot(c.bytes);
      const board = md.parseBoard(base.text);
      for (const item of board.items) {
        const made =
          item.status === "available"
            ? [md.claimItem(base.text, board, item, "agent-é"), md.completeItem(base.text, board, item)]
            : [
                md.releaseItem(base.text, board, item),
                md.reclaimItem(base.text, board, item, "z😀"),
                md.completeItem(base.text, board, item),
              ];
        for (const edit of made) expectSpliceEncodes(base, edit);
        edits += made.length;
      }
      expectSpliceEncodes(base, md.addItem(base.text, board, "Available Work Items", "Neues Element — ✓").edit);
      expectSpliceEncodes(base, md.addItem(base.text, board, "A section that is not there", "x").edit);
      edits += 2;
    }
    expect(edits).toBeGreaterThan(100);
  });

  it("splices at every offset of a text mixing one- to four-byte characters", () => {
    const base = snapshot(Buffer.from("a€\r\nb😀c\n- [ ] ü\uFEFFz\n", "utf8"));
    const points: number[] = [];
    for (let i = 0; i <= base.text.length; i++) points.push(i);
    for (const start of points) {
      for (const end of points.filter((p) => p >= start)) {
        for (const insert of ["", "x", "ß", "😀", "\n"]) expectSpliceEncodes(base, { start, end, insert });
      }
    }
  });

  it("encodes lone surrogates in the insert as the whole text's encoding does", () => {
    const base = snapshot(Buffer.from("a😀b\n", "utf8"));
    // A base decoded from strict UTF-8 holds no lone surrogates, so none can pair with one inserted beside it.
    for (const insert of ["\ud83d", "\ude00", "\ude00x\ud83d", "\ud83d\ude00"]) {
      for (const [start, end] of [
        [0, 0],
        [1, 1],
        [3, 3],
        [4, 5],
        [1, 3],
      ] as const) {
        expectSpliceEncodes(base, { start, end, insert });
      }
    }
  });

  it("encodes the whole text without a base or an edit", () => {
    expect(Buffer.concat(encodeText("héllo", null, { start: 0, end: 0, insert: "x" })).toString("utf8")).toBe("héllo");
    expect(Buffer.concat(encodeText("héllo", snapshot(Buffer.from("h")), undefined)).toString("utf8")).toBe("héllo");
  });
});

describe("changesFile", () => {
  const base = snapshot(Buffer.from("- [ ] a\n- [x] b\n"));

  it("tells an edit that puts back what was there from one that changes it", () => {
    const same = { start: 2, end: 5, insert: "[ ]" };
    expect(changesFile({ text: applyEdit(base.text, same), edit: same }, base)).toBe(false);
    const ticked = { start: 2, end: 5, insert: "[x]" };
    expect(changesFile({ text: applyEdit(base.text, ticked), edit: ticked }, base)).toBe(true);
  });

  it("compares whole texts when there is no edit, and a missing file with any text as a change", () => {
    expect(changesFile({ text: base.text }, base)).toBe(false);
    expect(changesFile({ text: `${base.text}x` }, base)).toBe(true);
    expect(changesFile({ text: null }, base)).toBe(false);
    expect(changesFile({ text: "" }, null)).toBe(true);
  });
});
