import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/**
 * Fixture loader for the markdown suites. Each case is a folder holding `input.md`, a `case.json` naming the
 * operations to run, and one expected file per output. `UPDATE=1 npx vitest run test/markdown` rewrites the
 * expected files from the actual outputs; review every rewritten file by hand before keeping it.
 */

export const update = Boolean(process.env.UPDATE);

const fixturesDir = fileURLToPath(new URL("../fixtures/", import.meta.url));
export const boardsDir = join(fixturesDir, "boards");
export const memoryDir = join(fixturesDir, "memory");

// Strict, and keeping a BOM as U+FEFF: the text the store hands to the markdown layer.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function readText(path: string): string {
  return decode(readFileSync(path));
}

export type BoardOperation =
  | { op: "claim"; description: string; line?: number; agent: string; expected: string }
  /** The item's claim marker names `agent` instead of its holder. */
  | { op: "reclaim"; description: string; line?: number; agent: string; expected: string }
  | { op: "release" | "complete"; description: string; line?: number; expected: string }
  /** `line` is the 1-based line the new item must land on, worked out by hand. */
  | { op: "add"; description: string; section?: string; line: number; expected: string };

export interface BoardCase {
  name: string;
  dir: string;
  bytes: Buffer;
  input: string;
  operations: BoardOperation[];
}

export function boardCases(): BoardCase[] {
  return caseNames(boardsDir).map((name) => {
    const dir = join(boardsDir, name);
    const bytes = readFileSync(join(dir, "input.md"));
    const { operations } = readJson(join(dir, "case.json")) as { operations: BoardOperation[] };
    if (!Array.isArray(operations)) throw new Error(`\`${name}/case.json\` has no \`operations\` array`);
    return { name, dir, bytes, input: decode(bytes), operations };
  });
}

export interface MemoryOperation {
  section: "scratchpad" | "subtasks" | "notes";
  content: string;
  append: boolean;
  expected: string;
  /** What readMemorySections must report for that section afterwards. */
  sectionAfter: string;
}

export interface MemoryCase {
  name: string;
  dir: string;
  /** Absent for the template case, whose input is memoryTemplate(template). */
  input?: string;
  template?: string;
  operations: MemoryOperation[];
}

export function memoryCases(): MemoryCase[] {
  return caseNames(memoryDir).map((name) => {
    const dir = join(memoryDir, name);
    const spec = readJson(join(dir, "case.json")) as { template?: string; operations: MemoryOperation[] };
    const inputPath = join(dir, "input.md");
    const input = existsSync(inputPath) ? readText(inputPath) : undefined;
    if ((input === undefined) === (spec.template === undefined)) {
      throw new Error(`\`${name}\` needs exactly one of \`input.md\` and \`case.json\` \`template\``);
    }
    return { name, dir, input, template: spec.template, operations: spec.operations ?? [] };
  });
}

/** Compare `actual` with the expected file byte for byte (writing it first under UPDATE). */
export function expectFile(dir: string, file: string, actual: string): void {
  const path = join(dir, file);
  const actualBytes = Buffer.from(actual, "utf8");
  if (update) writeFileSync(path, actualBytes);
  if (!existsSync(path)) throw new Error(`expected file \`${path}\` is missing; run with UPDATE=1 and review it`);
  const expectedBytes = readFileSync(path);
  // The string comparison gives a readable diff; the byte comparison is the actual claim.
  expect(actual, path).toBe(decode(expectedBytes));
  expect(actualBytes.equals(expectedBytes), path).toBe(true);
}

/** Compare `actual` with an expected JSON file (writing it first under UPDATE). */
export function expectJson(dir: string, file: string, actual: unknown): void {
  const path = join(dir, file);
  if (update) writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`);
  if (!existsSync(path)) throw new Error(`expected file \`${path}\` is missing; run with UPDATE=1 and review it`);
  expect(actual, path).toEqual(readJson(path));
}

/** The `.md` files of a case other than its input: each must be the expected output of some operation. */
export function expectedFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".md") && file !== "input.md")
    .sort();
}

/** Lines with their own line endings, so that joining them gives back the text exactly. */
export function splitLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

function caseNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function readJson(path: string): unknown {
  return JSON.parse(readText(path)) as unknown;
}
