import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileError, MAX_FILE_BYTES, readStrict } from "../../src/store/index.js";
import { tempRoot } from "../helpers/temp-root.js";

async function fileWith(bytes: Buffer | string, name = "state.md"): Promise<string> {
  const path = join(await tempRoot(), name);
  await writeFile(path, bytes);
  return path;
}

async function problemOf(path: string): Promise<FileError> {
  let error: unknown;
  try {
    readStrict(path);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(FileError);
  return error as FileError;
}

describe("readStrict", () => {
  it("returns text, bytes and permission bits of a UTF-8 file", async () => {
    const text = "# Shared State\r\n\r\n- [ ] café ☕ 𝄞\r\n";
    const path = await fileWith(text);
    await chmod(path, 0o640);
    const snapshot = await readStrict(path);
    expect(snapshot?.text).toBe(text);
    expect(snapshot?.bytes.equals(Buffer.from(text, "utf8"))).toBe(true);
    expect(snapshot?.mode).toBe(0o640);
    expect(snapshot?.steady).toBe(true);
    expect(snapshot?.version.size).toBe(Buffer.byteLength(text));
  });

  it("reuses a known snapshot's text for the same bytes, and decodes (and refuses) anything else", async () => {
    const path = await fileWith("- [ ] café\n");
    const known = readStrict(path)!;
    await writeFile(path, "- [ ] café\n"); // the same bytes, written again: a new mtime
    const again = readStrict(path, known)!;
    expect(again.text).toBe(known.text);
    expect(again.version.mtimeMs).toBeGreaterThanOrEqual(known.version.mtimeMs);
    await writeFile(path, "- [ ] cafe\n");
    expect(readStrict(path, known)?.text).toBe("- [ ] cafe\n");
    await writeFile(path, Buffer.from([0x2d, 0x20, 0xff]));
    expect(() => readStrict(path, known)).toThrow(FileError);
  });

  it("keeps a byte order mark in the text", async () => {
    const path = await fileWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("- [ ] first\n")]));
    const snapshot = await readStrict(path);
    expect(snapshot?.text).toBe("\uFEFF- [ ] first\n");
    expect(snapshot?.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it("returns null for a missing file and creates nothing", async () => {
    const root = await tempRoot();
    expect(await readStrict(join(root, ".hfs", "state.md"))).toBeNull();
    expect(await readStrict(join(root, "state.md"))).toBeNull();
  });

  it.each([
    ["a lone continuation byte", Buffer.from([0x2d, 0x20, 0x80, 0x0a])],
    ["Latin-1 é", Buffer.from("- [ ] caf\xe9\n", "latin1")],
    ["a truncated 3-byte sequence at the end", Buffer.from([0x61, 0xe2, 0x82])],
    ["an overlong encoding of `/`", Buffer.from([0xc0, 0xaf])],
  ])("refuses %s as not_utf8, naming the file", async (_label, bytes) => {
    const path = await fileWith(bytes);
    const error = await problemOf(path);
    expect(error.problem).toBe("not_utf8");
    expect(error.path).toBe(path);
    expect(error.message).toContain(`\`${path}\``);
  });

  it("accepts a file of exactly the size limit and refuses one byte more as too_large", async () => {
    const atLimit = await fileWith(Buffer.alloc(MAX_FILE_BYTES, 0x61));
    expect((await readStrict(atLimit))?.text.length).toBe(MAX_FILE_BYTES);

    const over = await fileWith(Buffer.alloc(MAX_FILE_BYTES + 1, 0x61));
    const error = await problemOf(over);
    expect(error.problem).toBe("too_large");
    expect(error.message).toContain(String(MAX_FILE_BYTES + 1));
    expect(MAX_FILE_BYTES).toBe(5 * 1024 * 1024);
  });

  it("refuses a symlink, even one pointing at a valid board", async () => {
    const root = await tempRoot();
    const real = join(root, "elsewhere.md");
    await writeFile(real, "- [ ] fine\n");
    const link = join(root, "state.md");
    await symlink(real, link);
    const error = await problemOf(link);
    expect(error.problem).toBe("symlink");
    expect(error.path).toBe(link);
  });

  it("refuses a dangling symlink instead of reading it as missing", async () => {
    const root = await tempRoot();
    const link = join(root, "state.md");
    await symlink(join(root, "nowhere.md"), link);
    expect((await problemOf(link)).problem).toBe("symlink");
  });

  it("refuses a directory as not_a_file", async () => {
    const root = await tempRoot();
    const dir = join(root, "state.md");
    await mkdir(dir);
    expect((await problemOf(dir)).problem).toBe("not_a_file");
  });
});
