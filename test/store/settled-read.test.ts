import { describe, expect, it } from "vitest";
import { SettledReader } from "../../src/store/settled-read.js";
import type { FileSnapshot } from "../../src/store/strict-read.js";

const BOARD = "# Shared State\n\n## Available Work Items\n\n- [ ] Build auth\n";
const EDITED = BOARD.replace("Build auth", "Build auth (OAuth)");
const LONG_AGO = Date.now() - 60_000;

function snapshot(text: string, version: { ino?: number; mtimeMs?: number; size?: number }, steady = true): FileSnapshot {
  const bytes = Buffer.from(text);
  return {
    text,
    bytes,
    mode: 0o644,
    steady,
    version: { ino: version.ino ?? 1, birthtimeMs: LONG_AGO, mtimeMs: version.mtimeMs ?? LONG_AGO, size: version.size ?? bytes.length },
  };
}

/** A reader whose looks at the file are scripted: each look takes the next snapshot, the last one repeats. */
function scripted(...looks: (FileSnapshot | null)[]) {
  let count = 0;
  const reader = new SettledReader(() => looks[Math.min(count++, looks.length - 1)]!);
  return { reader, looks: () => count };
}

describe("SettledReader", () => {
  it("takes a steady version last changed long ago at the first look", async () => {
    const { reader, looks } = scripted(snapshot(BOARD, {}));
    expect((await reader.read("state.md"))?.text).toBe(BOARD);
    expect(looks()).toBe(1);
  });

  it("does not decide on a read that an in-place save truncated under it: it waits for the saved content", async () => {
    // This process last saw inode 1; another server then wrote inode 2, which an editor is now saving over in
    // place. fstat said inode 2's old size; the read found it truncated (0 bytes); then the editor's bytes landed.
    const now = Date.now();
    const caught = snapshot("", { ino: 2, mtimeMs: now, size: BOARD.length }, false);
    const saved = snapshot(EDITED, { ino: 2, mtimeMs: now + 1 });
    const { reader, looks } = scripted(snapshot(BOARD, { ino: 1 }), caught, saved);
    expect((await reader.read("state.md"))?.text).toBe(BOARD);
    expect((await reader.read("state.md"))?.text).toBe(EDITED);
    expect(looks()).toBeGreaterThanOrEqual(4); // the saved content, seen the same twice
  });

  it("does not decide on a partial read either, even of an inode last changed long ago", async () => {
    const half = snapshot(BOARD.slice(0, 20), { size: BOARD.length }, false);
    const { reader } = scripted(half, snapshot(BOARD, {}));
    expect((await reader.read("state.md"))?.text).toBe(BOARD);
  });

  it("takes the version this process wrote at once, however recent", async () => {
    const written = snapshot(EDITED, { ino: 3, mtimeMs: Date.now() });
    const { reader, looks } = scripted(written);
    reader.remember("state.md", written.version);
    expect((await reader.read("state.md"))?.text).toBe(EDITED);
    expect(looks()).toBe(1);
  });

  it("looks twice at a recent version it has not seen, and at the same inode changed in place", async () => {
    const recent = snapshot(BOARD, { ino: 4, mtimeMs: Date.now() });
    const first = scripted(recent);
    expect((await first.reader.read("state.md"))?.text).toBe(BOARD);
    expect(first.looks()).toBe(2);

    const old = snapshot(BOARD, { ino: 5 });
    const inPlace = snapshot(EDITED, { ino: 5, mtimeMs: LONG_AGO + 1 });
    const second = scripted(old, inPlace);
    expect((await second.reader.read("state.md"))?.text).toBe(BOARD);
    expect((await second.reader.read("state.md"))?.text).toBe(EDITED);
    expect(second.looks()).toBe(3);
  });

  it("does not take a file it saw that is briefly missing (git checkout: unlink, then create) for a missing board", async () => {
    // Seen once; then gone for a few looks; then back (git wrote the checked-out version).
    const { reader, looks } = scripted(snapshot(BOARD, { ino: 1 }), null, null, null, snapshot(EDITED, { ino: 2 }));
    expect((await reader.read("state.md"))?.text).toBe(BOARD);
    expect((await reader.read("state.md"))?.text).toBe(EDITED);
    expect(looks()).toBeGreaterThanOrEqual(5);
  });

  it("waits the same way when only something else shows the file existed (a new process, a board with a history log)", async () => {
    let count = 0;
    const looks = [null, null, snapshot(BOARD, { ino: 3 })];
    const reader = new SettledReader(
      () => looks[Math.min(count++, looks.length - 1)]!,
      () => true,
    );
    expect(reader.trusts("state.md", null)).toBe(false);
    expect((await reader.read("state.md"))?.text).toBe(BOARD);
  });

  it("takes a file that stays missing for a second as gone, and a file nobody shows existed as missing at once", async () => {
    const { reader } = scripted(snapshot(BOARD, { ino: 1 }), null);
    expect((await reader.read("state.md"))?.text).toBe(BOARD);
    const started = Date.now();
    expect(await reader.read("state.md")).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(reader.trusts("state.md", null)).toBe(true); // gone for good now: a missing board is a new board
    const fresh = scripted(null);
    expect(await fresh.reader.read("state.md")).toBeNull();
    expect(fresh.looks()).toBe(1);
  });
});
