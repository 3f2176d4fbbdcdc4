import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isCommand, runCommand } from "../../src/cli/commands/index.js";
import { formatAge } from "../../src/cli/commands/status.js";
import { nameForThisProcess } from "../../src/store/lock-owner.js";
import { call, inMemoryClient } from "../helpers/clients.js";
import { tempRoot } from "../helpers/temp-root.js";
import { writeBoard } from "../mcp/tools/support.js";

const BOARD = "# Board\n\n- [ ] Build auth\n- [ ] Write docs\n- [ ] Typed by hand [IP:carol]\n- [x] Done\n";

describe("people's commands", () => {
  it("recognises only `status` and `release`", () => {
    expect(isCommand(["status"])).toBe(true);
    expect(isCommand(["release", "x"])).toBe(true);
    expect(isCommand(["--root", "x"])).toBe(false);
    expect(isCommand([])).toBe(false);
  });

  it("status prints the counts and every in-progress item with holder and age", async () => {
    const root = await tempRoot();
    await writeBoard(root, BOARD);
    await call(await inMemoryClient({ root, agentId: "alpha" }), "claim_item", { description: "Build auth" });
    const { code, text } = await runCommand(["status", "--root", root], {}, "/");
    expect(code).toBe(0);
    expect(text).toBe(
      [
        "1 available (1 ready), 2 in progress, 1 completed",
        "",
        "In progress:",
        "  L3  alpha  held under a minute  presence unknown  Build auth",
        "  L5  carol  held for an unknown time  presence unknown  Typed by hand",
      ].join("\n"),
    );
  });

  it("status says whether each holder is online, offline since when, or unknown, from .hfs/presence/", async () => {
    const root = await tempRoot();
    await writeBoard(root, BOARD.replace("- [ ] Build auth", "- [ ] Build auth [IP:alpha]"));
    const presence = join(root, ".hfs", "presence");
    await mkdir(presence);
    // alpha: a record naming this (live) process; carol: left two hours ago.
    await writeFile(join(presence, nameForThisProcess("alpha~").name), "");
    await writeFile(join(presence, "carol.left"), "");
    const left = new Date(Math.floor((Date.now() - 2 * 60 * 60_000 - 5_000) / 1000) * 1000); // whole seconds: any file system keeps them
    await utimes(join(presence, "carol.left"), left, left);
    const { text } = await runCommand(["status", "--root", root], {}, "/");
    expect(text.split("\n").slice(3)).toEqual([
      "  L3  alpha  held for an unknown time  online  Build auth",
      `  L5  carol  held for an unknown time  offline 2 h 0 min (since ${left.toISOString()})  Typed by hand`,
    ]);
  });

  it("release --force --reason frees another agent's claim through the manager, and logs who did it", async () => {
    const root = await tempRoot();
    await writeBoard(root, BOARD);
    const reply = await runCommand(["release", "Typed by hand", "--force", "--reason", "carol left"], { HFS_ROOT: root }, "/");
    expect(reply).toEqual({ code: 0, text: 'Released "Typed by hand" (line 5), which carol held.' });
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(BOARD.replace(" [IP:carol]", ""));
    expect(await readFile(join(root, ".hfs", "log.md"), "utf8")).toMatch(
      /^- \S+ person force-release "Typed by hand" from carol because "carol left"$/m,
    );
  });

  it("refuses a release without --force or --reason, or of an unclaimed item, and changes nothing", async () => {
    const root = await tempRoot();
    await writeBoard(root, BOARD);
    expect((await runCommand(["release", "Typed by hand", "--root", root], {}, "/")).code).toBe(2);
    const noReason = await runCommand(["release", "Typed by hand", "--force", "--root", root], {}, "/");
    expect(noReason.code).toBe(1);
    expect(noReason.text).toContain("invalid_input");
    const unclaimed = await runCommand(["release", "Write docs", "--force", "--reason", "x", "--root", root], {}, "/");
    expect(unclaimed.code).toBe(1);
    expect(unclaimed.text).toContain("not_owner");
    expect(await readFile(join(root, ".hfs", "state.md"), "utf8")).toBe(BOARD);
  });

  it("refuses `/` as the root, from --root, HFS_ROOT or the working directory, as the server does", async () => {
    for (const [argv, env] of [
      [["status", "--root", "/"], {}],
      [["status"], { HFS_ROOT: "/" }],
      [["status"], {}],
      [["release", "Build auth", "--force", "--reason", "x"], {}],
    ] as const) {
      const reply = await runCommand([...argv], { ...env }, "/");
      expect(reply.code, argv.join(" ")).toBe(2);
      expect(reply.text).toContain("hfs-mcp will not serve `/`");
    }
  });

  it("formats ages for people", () => {
    expect(formatAge(30_000)).toBe("under a minute");
    expect(formatAge(5 * 60_000)).toBe("5 min");
    expect(formatAge(125 * 60_000)).toBe("2 h 5 min");
    expect(formatAge(3 * 24 * 60 * 60_000)).toBe("3 days");
  });
});
