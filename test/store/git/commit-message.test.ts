import { describe, expect, it } from "vitest";
import { historyLine } from "../../../src/board/history.js";
import { commitMessage, historyLinesOf, readableLine } from "../../../src/store/git/commit-message.js";

describe("commit messages", () => {
  it("read like the audit log and carry each history line verbatim, so reading them back is exact", () => {
    const at = new Date("2026-11-27T18:35:12.345Z");
    const lines = [
      historyLine({ agent: "alpha", action: "claim", description: 'Build "auth"' }, at),
      historyLine({ agent: "alpha", action: "force-release", description: "Docs", from: "bravo", reason: "gone" }, at),
    ];
    const { message, author } = commitMessage(lines, [".hfs/state.md", ".hfs/agents/alpha.md"]);
    expect(author).toBe("alpha");
    expect(message.split("\n")[0]).toBe('alpha claimed "Build \\"auth\\"" (+2 more)');
    expect(message).toContain('alpha force-released "Docs" from bravo because "gone"');
    expect(message).toContain("alpha updated .hfs/agents/alpha.md");
    expect(historyLinesOf(message)).toEqual(lines);
  });

  it("names a memory-only write after the memory's agent, with no history lines", () => {
    const { message, author } = commitMessage([], [".hfs/agents/carol.md"]);
    expect(message).toBe("carol updated .hfs/agents/carol.md\n");
    expect(author).toBe("carol");
    expect(historyLinesOf(message)).toEqual([]);
  });

  it("leaves a line it does not know as it is", () => {
    expect(readableLine("something else")).toBe("something else");
    expect(readableLine('- 2026-11-27T18:35:12.345Z alpha add "X"')).toBe('alpha added "X"');
  });
});
