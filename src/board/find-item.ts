import type { BoardItem } from "../markdown/index.js";
import { looseKey } from "../markdown/loose-key.js";
import { afterSuffix } from "../markdown/task-line.js";
import { type Failure, failure } from "./failure.js";

/** The text without a trailing claim marker (`… [IP:alpha]`), as copied from the board with it. */
export function stripClaimMarker(text: string): string {
  return text.replace(/\s*\[IP:[^\]]*\]\s*$/, "");
}

/**
 * What models paste along with a description: the list bullet and checkbox (`- [ ] `), a claim marker
 * (`[IP:alpha]`), a dependency suffix (`(after: Build auth)`: the line as the board shows it), surrounding
 * quotes or backticks, trailing punctuation. Stripped only for matching.
 */
export function forgivingKey(text: string): string {
  const line = stripClaimMarker(text.trim().replace(/^(?:[-*+]|\d{1,9}[.)])?\s*\[[ xX]\]\s+/, ""));
  const stripped = (afterSuffix(line.trim())?.description ?? line).replace(/^(["'`“‘])(.*)(["'`”’])$/, "$2").replace(/[.,;:!?]+$/, "");
  return looseKey(stripped);
}

/**
 * Resolve a description (and optional line) to one item. An exact match wins; failing that, a unique loose
 * match (case, runs of whitespace); failing that, a match ignoring what models paste along (see forgivingKey).
 * Several matches at the first level that has any are `ambiguous` unless `line` picks one of them — never a
 * guess. `line` only chooses among matches: a stale line (the board moved) still finds a uniquely described item.
 */
export function findItem(
  items: readonly BoardItem[],
  description: string,
  line?: number,
  /** The exact matches when already known (markdown's itemsDescribedAs, a search of the text). */
  exact?: readonly BoardItem[],
): Failure | BoardItem {
  let matches = exact ?? items.filter((item) => item.description === description);
  if (matches.length === 0) {
    const key = looseKey(description);
    matches = items.filter((item) => looseKey(item.description) === key);
  }
  if (matches.length === 0) {
    const key = forgivingKey(description);
    if (key !== "") matches = items.filter((item) => forgivingKey(item.description) === key);
  }
  if (matches.length === 0) {
    const suggestions = closestDescriptions(items, description, 3);
    return failure("not_found", `no item is described as \`${description}\``, notFoundHint(items.length, suggestions.length), {
      suggestions,
    });
  }
  const atLine = line === undefined ? undefined : matches.find((item) => item.line === line);
  if (atLine) return atLine;
  if (matches.length === 1) return matches[0]!;
  return failure(
    "ambiguous",
    `${matches.length} items are described as \`${description}\``,
    "Pass `line` with the description to pick one of `candidates`.",
    { candidates: matches.map((item) => ({ description: item.description, line: item.line })) },
  );
}

/**
 * findItem's matching for many names over one board (the items an `(after: …)` suffix names): the same three
 * levels — exact, then loose, then forgiving, each tried only when the stricter one found nothing — answered
 * from maps built once per board, each on first need, instead of a scan of every item per name.
 */
export class ItemIndex {
  private exact: Map<string, number[]> | undefined;
  private loose: Map<string, number[]> | undefined;
  private forgiving: Map<string, number[]> | undefined;

  constructor(private readonly items: readonly BoardItem[]) {}

  /** Indices of the items `name` matches at the first level that has any; [] when none does. */
  match(name: string): readonly number[] {
    const text = name.trim();
    this.exact ??= this.byKey((description) => description);
    const exact = this.exact.get(text);
    if (exact) return exact;
    this.loose ??= this.byKey(looseKey);
    const loose = this.loose.get(looseKey(text));
    if (loose) return loose;
    const key = forgivingKey(text);
    if (key === "") return [];
    this.forgiving ??= this.byKey(forgivingKey);
    return this.forgiving.get(key) ?? [];
  }

  private byKey(keyOf: (description: string) => string): Map<string, number[]> {
    const map = new Map<string, number[]>();
    for (const [index, item] of this.items.entries()) {
      const key = keyOf(item.description);
      const found = map.get(key);
      if (found) found.push(index);
      else map.set(key, [index]);
    }
    return map;
  }
}

/** What to do next, for the board as it is: empty, with nothing like the description, or with close ones. */
function notFoundHint(itemCount: number, suggestionCount: number): string {
  if (suggestionCount > 0) return "Call get_work_items and copy the description exactly; the closest ones are in `suggestions`.";
  if (itemCount === 0) return "The board has no items yet: add_item creates one.";
  return (
    `None of the board's ${itemCount} item(s) resembles it: call get_work_items to see their descriptions, ` +
    "or add_item if this is new work."
  );
}

/** Up to `count` descriptions most similar to `text` (bigram overlap), best first. */
function closestDescriptions(items: readonly BoardItem[], text: string, count: number): string[] {
  const target = bigrams(looseKey(text));
  const unique = [...new Set(items.map((item) => item.description))];
  return unique
    .map((description) => ({ description, score: dice(target, bigrams(looseKey(description))) }))
    .filter((scored) => scored.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, count)
    .map((scored) => scored.description);
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  for (let i = 0; i < text.length - 1; i++) {
    const gram = text.slice(i, i + 2);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const [gram, n] of a) {
    shared += Math.min(n, b.get(gram) ?? 0);
    total += n;
  }
  for (const n of b.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}
