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
  it("takes a steady version last changed long ago at the first look", () => {
    const { reader, looks } = scripted(snapshot(BOARD, {}));
    expect(reader.read("state.md")?.text).toBe(BOARD);
    expect(looks()).toBe(1);
  });

  it("does not decide on a read that an in-place save truncated under it: it waits for the saved content", () => {
    // This process last saw inode 1; another server then wrote inode 2, which an editor is now saving over in
    // place. fstat said inode 2's old size; the read found it truncated (0 bytes); then the editor's bytes landed.
    const now = Date.now();
    const caught = snapshot("", { ino: 2, mtimeMs: now, size: BOARD.length }, false);
    const saved = snapshot(EDITED, { ino: 2, mtimeMs: now + 1 });
    const { reader, looks } = scripted(snapshot(BOARD, { ino: 1 }), caught, saved);
    expect(reader.read("state.md")?.text).toBe(BOARD);
    expect(reader.read("state.md")?.text).toBe(EDITED);
    expect(looks()).toBeGreaterThanOrEqual(4); // the saved content, seen the same twice
  });

  it("does not decide on a partial read either, even of an inode last changed long ago", () => {
    const half = snapshot(BOARD.slice(0, 20), { size: BOARD.length }, false);
    const { reader } = scripted(half, snapshot(BOARD, {}));
    expect(reader.read("state.md")?.text).toBe(BOARD);
  });

  it("takes the version this process wrote at once, however recent", () => {
    const written = snapshot(EDITED, { ino: 3, mtimeMs: Date.now() });
    const { reader, looks } = scripted(written);
    reader.remember("state.md", written.version);
    expect(reader.read("state.md")?.text).toBe(EDITED);
    expect(looks()).toBe(1);
  });

  it("looks twice at a recent version it has not seen, and at the same inode changed in place", () => {
    const recent = snapshot(BOARD, { ino: 4, mtimeMs: Date.now() });
    const first = scripted(recent);
    expect(first.reader.read("state.md")?.text).toBe(BOARD);
    expect(first.looks()).toBe(2);

    const old = snapshot(BOARD, { ino: 5 });
    const inPlace = snapshot(EDITED, { ino: 5, mtimeMs: LONG_AGO + 1 });
    const second = scripted(old, inPlace);
    expect(second.reader.read("state.md")?.text).toBe(BOARD);
    expect(second.reader.read("state.md")?.text).toBe(EDITED);
    expect(second.looks()).toBe(3);
  });
});
