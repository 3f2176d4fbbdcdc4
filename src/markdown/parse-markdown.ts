import type { Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmTaskListItemFromMarkdown } from "mdast-util-gfm-task-list-item";
import { gfmTaskListItem } from "micromark-extension-gfm-task-list-item";

import { assertParseable } from "./parse-limits.js";

/**
 * CommonMark plus GFM task-list items: exactly the syntax the board's items are written in. Throws
 * MarkdownLimitError, before parsing, for text beyond the parse limits.
 */
export function parseMarkdown(text: string): Root {
  assertParseable(text);
  return parseUnlimited(text);
}

/** The same parse without the limit check, for text whose size the caller bounds itself. */
export function parseUnlimited(text: string): Root {
  return fromMarkdown(text, {
    // Links and images are never needed here (items and headings are read as text), and micromark's label
    // matching is quadratic on unclosed openers: 20,000 `[a](` took 6 s, 0.3 s without it.
    extensions: [gfmTaskListItem(), { disable: { null: ["labelStartLink", "labelStartImage", "labelEnd"] } }],
    mdastExtensions: [gfmTaskListItemFromMarkdown()],
  });
}
