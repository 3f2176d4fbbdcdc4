import { describe, expect, it } from "vitest";
import { parseBoard, patchBoard } from "../../src/markdown/index.js";
import { claimItem, completeItem, releaseItem } from "./edited.js";
import { random, trickyBoard } from "./tricky-boards.js";

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
        const next = current.status === "available" ? claimItem(text, board, current, `a${round}`) : releaseItem(text, board, current);
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

describe("patchBoard across several agents' edits", () => {
  it("patches many scattered item edits made since the last look in one go, equal to a fresh parse", () => {
    const lines = ["# Shared State", "", "## Available Work Items", ""];
    for (let i = 0; i < 60; i++) lines.push(i % 10 === 0 ? `  - [ ] nested ${i}` : `- [ ] item ${i}`);
    lines.push("", "## In Progress", "");
    const original = lines.join("\n");
    const board = parseBoard(original);
    // Seven "other agents" each claim or complete an item, without this process looking in between.
    let text = original;
    for (const [n, agent] of [
      [3, "a1"],
      [17, "a2"],
      [20, "a3"],
      [33, "a4"],
      [41, "a5"],
      [52, "a6"],
      [59, "a7"],
    ] as const) {
      const fresh = parseBoard(text);
      const item = fresh.items[n]!;
      text = n % 2 ? claimItem(text, fresh, item, agent) : completeItem(text, fresh, item);
    }
    const patched = patchBoard(original, board, text);
    expect(patched).toBeDefined();
    expect(patched).toEqual(parseBoard(text));
  });

  it("declines when any one of several changed lines is not an item line", () => {
    const board = parseBoard(BOARD);
    const next = claimItem(BOARD, board, board.items[0]!, "a1").replace("## In Progress", "## Doing");
    expect(patchBoard(BOARD, board, next)).toBeUndefined();
  });
});

describe("patchBoard on generated boards", () => {
  it("equals a fresh parse after several items anywhere on the board changed at once", () => {
    let patched = 0;
    for (let seed = 0; seed < 120; seed++) {
      const original = trickyBoard(seed);
      const board = parseBoard(original);
      if (board.items.length === 0) continue;
      const pick = random(seed);
      let text = original;
      for (let k = 0; k < 1 + Math.floor(pick() * 8); k++) {
        const fresh = parseBoard(text);
        const item = fresh.items[Math.floor(pick() * fresh.items.length)]!;
        if (item.status === "completed") continue;
        text = item.status === "available" ? claimItem(text, fresh, item, `a${k}`) : releaseItem(text, fresh, item);
      }
      const result = patchBoard(original, board, text);
      if (result === undefined) continue; // declined: the caller parses
      expect(result, `trickyBoard(${seed})`).toEqual(parseBoard(text));
      patched++;
    }
    expect(patched).toBeGreaterThan(25); // most generated boards hold no task item at all
  });
});

describe("patchBoard on boards whose only line break is LF", () => {
  const base = (seed: number) => {
    const pick = random(seed);
    const lines = ["# Shared State", "", "## Available Work Items", ""];
    for (let i = 0; i < 40; i++)
      lines.push(pick() < 0.15 ? `  - [ ] nested ${i}` : `- [ ] item ${i} ${"x".repeat(Math.floor(pick() * 5))}`);
    lines.push("", "## In Progress", "", "- [ ] last one");
    return { pick, text: lines.join("\n") + (seed % 3 === 0 ? "" : "\n") };
  };
  /** Damage that changes how many lines there are, or where they break: a patch must decline, never misread it. */
  const breaks = [
    (t: string, at: number) => `${t.slice(0, at)}\n${t.slice(at)}`, // a line split
    (t: string, at: number) => {
      const nl = t.indexOf("\n", at);
      return nl === -1 ? t : t.slice(0, nl) + t.slice(nl + 1);
    }, // two lines joined
    (t: string, at: number) => {
      const nl = t.indexOf("\n", at);
      return nl === -1 ? t : `${t.slice(0, nl + 1)}- [ ] inserted\n${t.slice(nl + 1)}`;
    },
    (t: string) => `${t}- [ ] appended\n`,
    (t: string) => t.replace(/\n$/, ""),
    (t: string) => `\uFEFF${t}`,
  ];

  it("equals a fresh parse after item edits anywhere, and declines every change to the line breaks", () => {
    let patched = 0;
    let declined = 0;
    for (let seed = 0; seed < 200; seed++) {
      const { pick, text: original } = base(seed);
      const board = parseBoard(original);
      let text = original;
      for (let k = 0; k < 1 + Math.floor(pick() * 8); k++) {
        const fresh = parseBoard(text);
        const item = fresh.items[Math.floor(pick() * fresh.items.length)]!;
        text = item.status === "available" ? claimItem(text, fresh, item, `agent-${"z".repeat(k)}`) : releaseItem(text, fresh, item);
      }
      const edited = patchBoard(original, board, text);
      expect(edited, `seed ${seed}: item edits only`).toEqual(parseBoard(text));
      patched++;
      const broken = breaks[seed % breaks.length]!(text, Math.floor(pick() * text.length));
      if (broken === text) continue;
      const result = patchBoard(original, board, broken);
      if (result !== undefined) expect(result, `seed ${seed}: damage ${seed % breaks.length}`).toEqual(parseBoard(broken));
      else declined++;
    }
    expect(patched).toBe(200);
    expect(declined).toBeGreaterThan(150);
  });
});

describe("patchBoard and the structure token", () => {
  it("keeps the token through claims and releases, and gives a new one when a description or a name changes", () => {
    const text = "- [ ] One\n- [ ] Two (after: One)\n";
    const board = parseBoard(text);
    const claimed = patchBoard(text, board, claimItem(text, board, board.items[0]!, "alpha"))!;
    expect(claimed.structure).toBe(board.structure);
    expect(patchBoard(text, board, text.replace("- [ ] One", "- [ ] Uno"))!.structure).not.toBe(board.structure);
    expect(patchBoard(text, board, text.replace("(after: One)", "(after: Uno)"))!.structure).not.toBe(board.structure);
    expect(parseBoard(text).structure).not.toBe(board.structure);
  });
});
