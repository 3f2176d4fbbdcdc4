/**
 * The board written by the first write into a root that has none.
 *
 * One section, whose items keep their place whatever their status: a claim or a completion changes the item's
 * own line, never moves it (so every write is a one-line splice, and a claim then a release gives back the same
 * bytes). A template with `## In Progress` and `## Completed` sections looked like a board whose items had
 * failed to move there; the comment says instead how to read the lines. People may add their own sections.
 *
 * The section keeps the name `add_item` has always defaulted to (DEFAULT_SECTION), so boards made by the old
 * template and boards made by this one are served alike.
 */
export function boardTemplate(): string {
  return [
    "# Shared State",
    "",
    "<!-- Each task line is a work item: `- [ ]` open, `- [ ] ... [IP:agent]` claimed by that agent, `- [x]` done.",
    "     An item stays where it is whatever its status; add sections of your own to group work. -->",
    "",
    `## ${DEFAULT_SECTION}`,
    "",
  ].join("\n");
}

/** The section `add_item` adds to when the call names none; created at the end of a board that lacks it. */
export const DEFAULT_SECTION = "Available Work Items";
