import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendLog } from "../../src/store/append-log.js";
import { FileError, LogTail } from "../../src/store/index.js";
import { tempRoot } from "../helpers/temp-root.js";

async function logPath(): Promise<string> {
  const dir = join(await tempRoot(), ".hfs");
  await mkdir(dir);
  return join(dir, "log.md");
}

describe("LogTail", () => {
  it("reads only complete lines, and only what was appended since the last call", async () => {
    const path = await logPath();
    const tail = new LogTail(path);
    expect(tail.read()).toEqual({ lines: [], restarted: false });
    await writeFile(path, "a\nb\nhalf");
    expect(tail.read().lines).toEqual(["a", "b"]);
    appendFileSync(path, " done\nc\n");
    expect(tail.read().lines).toEqual(["half done", "c"]);
    expect(tail.read().lines).toEqual([]);
  });

  it("reads at most a window of a huge log on its first look, from the first whole line in it", async () => {
    const path = await logPath();
    const line = `- 2026-01-01T00:00:00.000Z alpha claim ${JSON.stringify("x".repeat(90))}`;
    await writeFile(path, `${`${line}\n`.repeat(2_000)}last one\n`);
    const window = 10_000;
    const tail = new LogTail(path, window);
    const { lines } = tail.read();
    const perWindow = Math.floor(window / (line.length + 1));
    expect(lines.length).toBeGreaterThanOrEqual(perWindow - 1);
    expect(lines.length).toBeLessThanOrEqual(perWindow + 1);
    expect(lines.at(-1)).toBe("last one");
    for (const read of lines.slice(0, -1)) expect(read).toBe(line); // no partial first line
  });

  it("says a log it cannot read is unreadable, without blocking on a FIFO or failing on a directory", async () => {
    const fifo = await logPath();
    execFileSync("mkfifo", [fifo]);
    const started = Date.now();
    expect(new LogTail(fifo).read()).toMatchObject({ lines: [], unreadable: "it is not a regular file" });
    expect(Date.now() - started).toBeLessThan(1_000);
    const dir = await logPath();
    await mkdir(dir);
    expect(new LogTail(dir).read()).toMatchObject({ lines: [], unreadable: "it is not a regular file" });
  });
});

describe("appendLog", () => {
  it("starts on a fresh line after a torn or hand-typed tail, so that tail never swallows the next line", async () => {
    const path = await logPath();
    await writeFile(path, '# HFS Log\n\n- 2026-01-01T00:00:00.000Z alpha claim "torn');
    appendLog(path, ['- 2026-01-01T00:00:01.000Z alpha claim "Build auth"']);
    const tail = new LogTail(path);
    expect(tail.read().lines.at(-1)).toBe('- 2026-01-01T00:00:01.000Z alpha claim "Build auth"');
  });

  it("refuses a FIFO or a directory at the log's path at once, without blocking", async () => {
    const fifo = await logPath();
    execFileSync("mkfifo", [fifo]);
    const started = Date.now();
    expect(() => appendLog(fifo, ["- line"])).toThrow(FileError);
    expect(Date.now() - started).toBeLessThan(1_000);
    const dir = await logPath();
    await mkdir(dir);
    expect(() => appendLog(dir, ["- line"])).toThrow();
  });
});
