import { describe, expect, it } from "vitest";
import { MAX_FILE_BYTES, overFileLimit } from "../../src/store/limits.js";

describe("overFileLimit", () => {
  it("measures UTF-8 bytes, not characters, at the limit", () => {
    expect(overFileLimit("a".repeat(MAX_FILE_BYTES))).toBe(false);
    expect(overFileLimit("a".repeat(MAX_FILE_BYTES + 1))).toBe(true);
    // "€" is three bytes: a text a third of the limit long is exactly at it, one more character is over.
    const third = Math.floor(MAX_FILE_BYTES / 3);
    const rest = MAX_FILE_BYTES - third * 3;
    expect(overFileLimit("€".repeat(third) + "a".repeat(rest))).toBe(false);
    expect(overFileLimit(`${"€".repeat(third)}${"a".repeat(rest)}a`)).toBe(true);
    // An emoji is two UTF-16 units and four bytes.
    expect(overFileLimit("😀".repeat(MAX_FILE_BYTES / 4))).toBe(false);
    expect(overFileLimit(`${"😀".repeat(MAX_FILE_BYTES / 4)}a`)).toBe(true);
  });

  it("takes a text of up to a third of the limit in length as under it", () => {
    expect(overFileLimit("€".repeat(Math.floor(MAX_FILE_BYTES / 3)))).toBe(false);
    expect(overFileLimit("")).toBe(false);
  });
});
