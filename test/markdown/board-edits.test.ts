import { describe, expect, it } from "vitest";
import { type Board, type BoardItem, parseBoard, patchBoard } from "../../src/markdown/index.js";
import { addItem, claimItem, completeItem, reclaimItem, releaseItem } from "./edited.js";
import { type BoardCase, type BoardOperation, boardCases, expectedFiles, expectFile, splitLines } from "./fixtures.js";

const cases = boardCases();
// Parsing is the slow part on a loaded machine; each input is parsed once and its board is only ever read.
const boards = new Map(cases.map((c) => [c, parseBoard(c.input)] as const));
const boardOf = (c: BoardCase): Board => boards.get(c)!;

function findItem(board: Board, description: string, line?: number): BoardItem {
  const matches = board.items.filter((item) => item.description === description && (line === undefined || item.line === line));
  if (matches.length !== 1) {
    throw new Error(`\`${description}\` matches ${matches.length} items; a fixture operation must name exactly one`);
  }
  return matches[0]!;
}

function run(text: string, operation: BoardOperation): { text: string; line?: number } {
  const board = parseBoard(text);
  switch (operation.op) {
    case "claim":
      return { text: claimItem(text, board, findItem(board, operation.description, operation.line), operation.agent) };
    case "reclaim":
      return { text: reclaimItem(text, board, findItem(board, operation.description, operation.line), operation.agent) };
    case "release":
      return { text: releaseItem(text, board, findItem(board, operation.description, operation.line)) };
    case "complete":
      return { text: completeItem(text, board, findItem(board, operation.description, operation.line)) };
    case "add":
      return addItem(text, board, operation.section ?? "Available Work Items", operation.description);
  }
}

/** All lines other than `line`, each with its own ending. */
function otherLines(text: string, line: number): string[] {
  return splitLines(text).filter((_, index) => index !== line - 1);
}

function lineAt(text: string, line: number): string {
  return splitLines(text)[line - 1] ?? "";
}

const operations = cases.flatMap((c) =>
  c.operations.map(
    (operation) => [`${c.name}: ${operation.op} \`${operation.description}\` → ${operation.expected}`, c, operation] as const,
  ),
);

describe("board edits on fixture boards", () => {
  it("every fixture names at least one operation, and the suite covers each kind", () => {
    for (const c of cases) {
      expect(c.operations.length, c.name).toBeGreaterThan(0);
      // No stale expected file lies around unchecked.
      expect(expectedFiles(c.dir), c.name).toEqual([...new Set(c.operations.map((op) => op.expected))].sort());
    }
    expect(new Set(operations.map(([, , operation]) => operation.op))).toEqual(new Set(["claim", "reclaim", "release", "complete", "add"]));
  });

  it.each(operations)("%s", (_title, c, operation) => {
    const result = run(c.input, operation);
    expectFile(c.dir, operation.expected, result.text);
    if (operation.op === "add") {
      expect(result.line).toBe(operation.line);
      const added = parseBoard(result.text).items.find((item) => item.line === operation.line);
      expect(added, `no item on line ${operation.line}`).toMatchObject({
        description: operation.description,
        status: "available",
        claimedBy: null,
      });
      expect(lineAt(result.text, operation.line).replace(/\r?\n$/, "")).toBe(`- [ ] ${operation.description}`);
    }
  });
});

const itemsWhere = (keep: (item: BoardItem) => boolean) =>
  cases.flatMap((c) =>
    boardOf(c)
      .items.filter(keep)
      .map((item) => [`${c.name}:${item.line} \`${item.description}\``, c, item] as const),
  );
const available = itemsWhere((item) => item.status === "available");
const open = itemsWhere((item) => item.status !== "completed");

describe("claim then release", () => {
  it("has available items to try", () => {
    expect(available.length).toBeGreaterThanOrEqual(30);
  });

  it.each(available)("%s gives back the identical bytes", (_title, c, item) => {
    for (const agent of ["agent-1", "z_9-long-agent-id"]) {
      const claimed = claimItem(c.input, boardOf(c), item, agent);
      // The claim is a splice on that one line: ` [IP:<id>]` at the end of its content, nothing else moved.
      expect(otherLines(claimed, item.line)).toEqual(otherLines(c.input, item.line));
      const before = lineAt(c.input, item.line);
      const content = before.replace(/\r?\n$/, "");
      expect(lineAt(claimed, item.line)).toBe(`${content} [IP:${agent}]${before.slice(content.length)}`);

      const board = parseBoard(claimed);
      // The manager's shortcut for one-line edits must agree with a fresh parse whenever it answers.
      const patched = patchBoard(c.input, boardOf(c), claimed);
      if (patched) expect(patched).toEqual(board);
      const held = board.items.find((other) => other.line === item.line);
      expect(held).toMatchObject({ description: item.description, status: "in_progress", claimedBy: agent, section: item.section });
      expect(board.items.length).toBe(boardOf(c).items.length);

      const released = releaseItem(claimed, board, held!);
      expect(Buffer.from(released, "utf8").equals(c.bytes), `${c.name}: release after claim by ${agent}`).toBe(true);
    }
  });
});

describe("complete", () => {
  it("has open items to try, held ones among them", () => {
    expect(open.length).toBeGreaterThan(available.length);
  });

  it.each(open)("%s: `[ ]` becomes `[x]`, the marker goes, no other byte changes", (_title, c, item) => {
    const completed = completeItem(c.input, boardOf(c), item);
    expect(otherLines(completed, item.line)).toEqual(otherLines(c.input, item.line));

    const before = lineAt(c.input, item.line);
    const box = before.indexOf("[ ]", before.startsWith("\uFEFF") ? 1 : 0);
    expect(box).toBeGreaterThanOrEqual(0);
    let expected = `${before.slice(0, box)}[x]${before.slice(box + 3)}`;
    if (item.claimedBy !== null) {
      // The marker and the one space or tab a claim puts before it.
      const marker = `[IP:${item.claimedBy}]`;
      const at = expected.lastIndexOf(marker);
      expect(at).toBeGreaterThan(box);
      expect(expected[at - 1]).toMatch(/[ \t]/);
      expected = expected.slice(0, at - 1) + expected.slice(at + marker.length);
    }
    expect(lineAt(completed, item.line)).toBe(expected);
    expect(lineAt(completed, item.line)).not.toContain("[IP:");

    const reparsed = parseBoard(completed);
    const patched = patchBoard(c.input, boardOf(c), completed);
    if (patched) expect(patched).toEqual(reparsed);
    const after = reparsed.items.find((other) => other.line === item.line);
    expect(after).toMatchObject({ description: item.description, status: "completed", claimedBy: null, section: item.section });
  });
});

describe("add", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: keeps every existing line, in order, untouched", (_name, c) => {
    const description = "Brand new work item";
    const result = addItem(c.input, boardOf(c), "Available Work Items", description);
    const before = splitLines(c.input);
    const after = splitLines(result.text);
    // Only the last line can differ, and only by gaining a line ending (a file without a final newline).
    const hadFinalBreak = c.input.endsWith("\n");
    const eol = boardOf(c).lineEnding;
    const same = (line: string, index: number) =>
      line === before[index] || (!hadFinalBreak && index === before.length - 1 && line === `${before[index]}${eol}`);
    let next = 0;
    for (const line of after) if (next < before.length && same(line, next)) next++;
    expect(next, `${c.name}: all ${before.length} original lines appear in order`).toBe(before.length);
    expect(result.text.endsWith("\n")).toBe(hadFinalBreak);
    expect(result.text.startsWith("\uFEFF")).toBe(c.input.startsWith("\uFEFF"));
    // Nothing but the new item (and, when needed, a blank line or a new heading) was inserted.
    const inserted = after.length - before.length;
    expect(inserted).toBeGreaterThanOrEqual(1);
    expect(inserted).toBeLessThanOrEqual(4);
    expect(lineAt(result.text, result.line).replace(/\r?\n$/, "")).toBe(`- [ ] ${description}`);
    // Every item that was there is still an item, in the same order and state; the new one is the only addition.
    const summary = (items: BoardItem[]) => items.map((item) => [item.description, item.status, item.claimedBy]);
    const itemsAfter = parseBoard(result.text).items;
    expect(itemsAfter.find((item) => item.line === result.line)?.description).toBe(description);
    expect(summary(itemsAfter.filter((item) => item.line !== result.line))).toEqual(summary(boardOf(c).items));
    // The file's own line ending throughout.
    for (const line of after.slice(0, -1)) expect(line.endsWith(eol) && (eol === "\r\n" || !line.endsWith("\r\n"))).toBe(true);
  });
});
