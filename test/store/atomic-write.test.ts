import { readdirSync } from "node:fs";
import { chmod, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/store/index.js";
import { tempRoot } from "../helpers/temp-root.js";

const TEMP = /\.hfs-tmp$/;

async function boardDir(): Promise<string> {
  const dir = join(await tempRoot(), ".hfs");
  await mkdir(dir);
  return dir;
}

describe("writeFileAtomic", () => {
  it("creates the file with all of the content and leaves no temp file", async () => {
    const dir = await boardDir();
    const target = join(dir, "state.md");
    // Several MiB of multi-byte text: more than one write() call's worth, so short writes would show.
    const content = `${"- [ ] tâche ☕ 𝄞 ".repeat(200_000)}\n`;
    await writeFileAtomic(target, content);
    const written = await readFile(target);
    expect(written.length).toBe(Buffer.byteLength(content));
    expect(written.equals(Buffer.from(content, "utf8"))).toBe(true);
    expect(await readdir(dir)).toEqual(["state.md"]);
  });

  it("replaces an existing file whole", async () => {
    const dir = await boardDir();
    const target = join(dir, "state.md");
    await writeFile(target, "old content that is longer than the new one\n");
    await writeFileAtomic(target, "new\n");
    expect(await readFile(target, "utf8")).toBe("new\n");
    expect(await readdir(dir)).toEqual(["state.md"]);
  });

  it("gives the new file the requested permission bits, regardless of the umask", async () => {
    const dir = await boardDir();
    const target = join(dir, "state.md");
    await writeFile(target, "old\n");
    await chmod(target, 0o600);
    await writeFileAtomic(target, "new\n", { mode: 0o600 });
    expect((await stat(target)).mode & 0o7777).toBe(0o600);
    // 0o666 would come out as 0o644 under the usual umask if the writer relied on open()'s mode alone.
    await writeFileAtomic(target, "newer\n", { mode: 0o666 });
    expect((await stat(target)).mode & 0o7777).toBe(0o666);
  });

  it("leaves the target as it was and removes the temp file when beforeCommit throws", async () => {
    const dir = await boardDir();
    const target = join(dir, "state.md");
    await writeFile(target, "- [ ] keep me\n");
    let tempSeen: string[] = [];
    const refusal = new Error("changed under us");
    expect(() =>
      writeFileAtomic(target, "- [ ] overwrite\n", {
        beforeCommit: () => {
          // The temp file exists, complete, at this point; the rename has not happened.
          tempSeen = readdirSync(dir).filter((name) => TEMP.test(name));
          throw refusal;
        },
      }),
    ).toThrow(refusal);
    expect(tempSeen).toHaveLength(1);
    expect(await readFile(join(dir, tempSeen[0]!), "utf8").catch(() => "gone")).toBe("gone");
    expect(await readFile(target, "utf8")).toBe("- [ ] keep me\n");
    expect(await readdir(dir)).toEqual(["state.md"]);
  });

  it("names the temp file `.<target>.<pid>.<random>.hfs-tmp` beside the target, fresh each time", async () => {
    const dir = await boardDir();
    const target = join(dir, "state.md");
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      writeFileAtomic(target, `${i}\n`, {
        beforeCommit: () => {
          names.push(...readdirSync(dir).filter((name) => TEMP.test(name)));
        },
      });
    }
    expect(names).toHaveLength(3);
    for (const name of names)
      expect(name).toMatch(new RegExp(`^\\.state\\.md\\.${process.pid}\\.[0-9a-f]{8,}(?:-[0-9a-f]{8})?\\.hfs-tmp$`));
    expect(new Set(names).size).toBe(3);
  });

  // Asserted behaviour: when the *target path* is a symlink, the rename replaces the link itself with a
  // regular file; the file the link pointed to is never written through. (A symlink planted at a temp name
  // cannot be tested directly, since the names are random; the temp is opened `wx`, i.e. O_CREAT|O_EXCL,
  // which refuses any existing path, links included.)
  it("replaces a symlinked target with a regular file instead of writing through the link", async () => {
    const root = await tempRoot();
    const dir = join(root, ".hfs");
    await mkdir(dir);
    const outside = join(root, "outside.md");
    await writeFile(outside, "not yours\n");
    const target = join(dir, "state.md");
    await symlink(outside, target);
    await writeFileAtomic(target, "- [ ] mine\n");
    expect((await lstat(target)).isFile()).toBe(true);
    expect(await readFile(target, "utf8")).toBe("- [ ] mine\n");
    expect(await readFile(outside, "utf8")).toBe("not yours\n");
  });

  it("fails without creating anything when the folder does not exist", async () => {
    const root = await tempRoot();
    const target = join(root, "missing", "state.md");
    expect(() => writeFileAtomic(target, "x\n")).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(await readdir(root)).toEqual([]);
  });
});
