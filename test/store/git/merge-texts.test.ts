import { describe, expect, it } from "vitest";
import { mergeTexts } from "../../../src/store/git/merge-texts.js";
import { tempRoot } from "../../helpers/temp-root.js";

const BASE = "# Board\n\n- [ ] one\n- [ ] two\n- [ ] three\n- [ ] four\n";

async function merge(ours: string, theirs: string, base = BASE) {
  return mergeTexts({ ours, base, theirs }, { tempDir: await tempRoot(), timeoutMs: 10_000 });
}

describe("mergeTexts", () => {
  it("merges changes far apart, as git merge-file does", async () => {
    expect(await merge(BASE.replace("# Board", "# Our board"), BASE.replace("four", "four [IP:bravo]"))).toEqual({
      clean: true,
      text: "# Our board\n\n- [ ] one\n- [ ] two\n- [ ] three\n- [ ] four [IP:bravo]\n",
    });
  });

  it("merges changes to adjacent lines, which git merge-file alone calls a conflict", async () => {
    const merged = await merge(BASE.replace("two", "two, reworded"), BASE.replace("three", "three [IP:bravo]"));
    expect(merged).toEqual({ clean: true, text: "# Board\n\n- [ ] one\n- [ ] two, reworded\n- [ ] three [IP:bravo]\n- [ ] four\n" });
  });

  it("applies the other side's in-place changes around lines a person inserted or removed", async () => {
    const ours = BASE.replace("- [ ] two\n", "- [ ] two\n- [ ] two and a half\n").replace("- [ ] four\n", "");
    const merged = await merge(
      ours,
      BASE.replace("two", "two [IP:bravo]").replace("four", "four [IP:carol]").replace("[ ] one", "[x] one"),
    );
    // `four` was removed by the person and claimed on the remote: that one line is a real conflict.
    expect(merged).toEqual({ clean: false });
    const kept = BASE.replace("- [ ] two\n", "- [ ] two\n- [ ] two and a half\n");
    expect(await merge(kept, BASE.replace("two", "two [IP:bravo]").replace("[ ] one", "[x] one"))).toEqual({
      clean: true,
      text: "# Board\n\n- [x] one\n- [ ] two [IP:bravo]\n- [ ] two and a half\n- [ ] three\n- [ ] four\n",
    });
  });

  it("leaves a line both sides changed differently a conflict", async () => {
    expect(await merge(BASE.replace("two", "two, reworded"), BASE.replace("two", "two [IP:bravo]"))).toEqual({ clean: false });
  });

  it("takes the same change made on both sides once", async () => {
    const both = BASE.replace("two", "two [IP:bravo]");
    expect(await merge(both, both)).toEqual({ clean: true, text: both });
  });
});
