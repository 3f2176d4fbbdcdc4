/** What the block scanner finds: the raw material `scanBoard` assembles into a Board. */

export interface ScannedItem {
  /** Line where the item's first child block starts (0: the item is empty). */
  firstChild: number;
  /** Identity of the list the item is in. */
  list: number;
  ordered: boolean;
  /** Index of the list item this one is nested in, or -1. */
  parent: number;
  /** Index of the outermost list item containing this one (itself when not nested). */
  outer: number;
  /** Last line, as mdast positions end a list item. */
  end: number;
  /** mdast gives the item a `checked` field (it is a GFM task list item). */
  checked: boolean;
}

export interface ScannedHeading {
  line: number;
  endLine: number;
  depth: number;
  /** Markdown holding just the heading, whose parse gives its title (see heading-titles.ts). */
  source: string;
  /** `source` starts with a line `x` (before a setext heading's text), which the title must drop. */
  leadLine: boolean;
  /** The title when it is known without parsing (inline text with no markup at all). */
  title: string | undefined;
}

export interface BlockScan {
  items: ScannedItem[];
  headings: ScannedHeading[];
}
