/**
 * Where mdast ends a list item, without building micromark's event list.
 *
 * mdast-util-from-markdown (`prepareList`) ends an item at the next item's marker, or at its list's exit, after
 * walking back over line endings, blank lines, indentation and block-quote prefixes: the item ends where the
 * first line ending of that run starts, or (no line ending in the run) where the marker or exit is. Before
 * that, micromark (`subtokenize`) has moved every container exit back the same way, but over line endings and
 * indentation only, not over block-quote prefixes. The stream tail below keeps just what those walks can see:
 * - `S`: anything they stop at (a leaf block's tokens, a container's marker, enter or exit);
 * - `BQP`: a block-quote prefix, walked over by mdast but not by the move of exits;
 * - `LE(line)`: a line ending outside leaf blocks (after a block, or a blank line's).
 * The block scanner reports these in document order; indentation tokens change nothing and are left out.
 */
export class EndLines {
  /** First line ending of the run mdast would walk back over from the end (0: none). */
  private walked = 0;
  /** First line ending of the run a container exit would move back over from the end (0: none). */
  private moved = 0;
  /** What `walked` was just before `moved`'s line ending: mdast's walk from an exit placed there. */
  private walkedBeforeMoved = 0;

  stop(): void {
    this.walked = 0;
    this.moved = 0;
    this.walkedBeforeMoved = 0;
  }

  blockQuotePrefix(): void {
    this.moved = 0;
    this.walkedBeforeMoved = 0;
  }

  lineEnding(line: number): void {
    if (this.moved === 0) {
      this.walkedBeforeMoved = this.walked;
      this.moved = line;
    }
    if (this.walked === 0) this.walked = line;
  }

  /** End line of a list item whose next sibling's marker comes now, on `line`; the marker then stops walks. */
  itemMarker(line: number): number {
    const end = this.walked || line;
    this.stop();
    return end;
  }

  /**
   * Containers exit here together (innermost first), emitted on `line`. Returns the end line mdast gives the
   * current item of the innermost one, if a list, and of each one after it (those walks stop at the exit
   * just before them).
   */
  exits(line: number): { first: number; others: number } {
    const exitEnd = this.moved || line;
    const first = (this.moved ? this.walkedBeforeMoved : this.walked) || exitEnd;
    if (this.moved) {
      this.walked = this.moved;
      this.walkedBeforeMoved = 0;
    } else this.stop();
    return { first, others: exitEnd };
  }
}
