/**
 * The lines of a merge conflict git left in a file: `<<<<<<< ours`, `||||||| base` (diff3), `=======`,
 * `>>>>>>> theirs`, each at the start of a line, as git writes them — outside fenced code blocks, where a
 * board may quote them on purpose.
 *
 * Why the board needs to know: with both sides of a conflict in `state.md` (a `git pull` or `git stash pop`
 * that conflicted), an item appears twice — claimed on one side, free on the other — and `claim_next` handed
 * out the other side's copy of an item another agent held; `add_item` wrote inside the conflict block. A board
 * in that state is refused for writing until a person resolves it.
 *
 * Only top-level fences are followed (fences indented inside list items or quotes hold column-0 lines only when
 * they end those containers, and git's markers are never indented).
 */
export function conflictMarkerLines(text: string): number[] {
  const found: number[] = [];
  let fence: { char: string; length: number } | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i === 0 ? lines[i]!.replace(/^\uFEFF/, "") : lines[i]!;
    const opening = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      if (opening && opening[1]![0] === fence.char && opening[1]!.length >= fence.length && opening[2]!.trim() === "") fence = undefined;
      continue;
    }
    if (opening && !(opening[1]![0] === "`" && opening[2]!.includes("`"))) {
      fence = { char: opening[1]![0]!, length: opening[1]!.length };
      continue;
    }
    if (/^(?:<{7}|\|{7}|>{7})(?: |$)|^={7}$/.test(line)) found.push(i + 1);
  }
  return found;
}
