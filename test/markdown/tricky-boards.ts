/**
 * A seeded generator of tricky boards for the scanner's differential test: block structure of every kind,
 * nested, mis-indented, lazy, with tabs, mixed line endings and task-like lines everywhere. Each board is a
 * function of its seed, so a failing seed reproduces.
 */

/** mulberry32: small, fast, good enough to pick constructs. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Picker {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }
}

const WORDS = [
  "Build",
  "auth",
  "the",
  "API",
  "docs",
  "*fix*",
  "`code`",
  "_x_",
  "&amp;",
  "a\\*b",
  "<b>",
  "tests",
  "**bold**",
  "[a](b)",
  "\u00a0nbsp\u00a0",
  "«é»",
  "\\",
  "`",
];
const CHECKS = ["[ ]", "[x]", "[X]", "[ ]", "[ ]", "[]", "[  ]", "[\t]", "[x]x", "[ ]", "[\n]", "[\n  ]"];
const MARKERS = ["-", "*", "+", "1.", "2.", "1)", "10.", "001.", "123456789.", "1234567890."];
const HTML_OPENERS = [
  "<div>",
  "<div class='x'>",
  "</div>",
  "<DIV/>",
  "<pre>",
  "<script type=x>",
  "<style>",
  "<textarea>",
  "<!-- note",
  "<!-->",
  "<?php",
  "<!DOCTYPE html>",
  "<![CDATA[",
  '<a href="x">',
  "<a",
  "<custom-tag attr=1 />",
  "</span>",
  "<x y='1' z>",
  "<table>",
];
const HTML_CLOSERS = ["</pre>", "</script>", "</style>", "</textarea>", "-->", "--->", "?>", ">", "]]>", "]]]>", "</div>"];

/** One board, from `seed`: every other one nested blocks, the rest a soup of lines with random prefixes. */
export function trickyBoard(seed: number): string {
  const pick = new Picker(random(seed));
  const lines = seed % 2 === 0 ? blocks(pick, 0, 2 + pick.int(7)) : soup(pick, 1 + pick.int(12));
  return finish(pick, lines);
}

const SOUP = [
  "",
  "",
  " ",
  "\t",
  "[ ] task",
  "[x] done [IP:a]",
  "[ ]",
  "[",
  "] `x`",
  "]",
  "[ ]  ",
  "[x]\tx",
  "text",
  "more *text*",
  "===",
  "---",
  "--",
  "-",
  "***",
  "# Heading",
  "## *Head* ##",
  "#",
  "```",
  "~~~",
  "```js",
  "<div>",
  "<!--",
  "-->",
  "<a href='x'>",
  "</pre>",
  "<pre>",
  "[a]: /u",
  "[a]: /u 'x'",
  "'title'",
  "[a]:",
  "[b]",
  "2. two",
  "1) one",
  "10. ten",
  "    code",
  "\tcode",
];
const SOUP_PREFIXES = [
  "",
  "",
  "",
  "- ",
  "* ",
  "+ ",
  "1. ",
  "2) ",
  "> ",
  ">",
  "  ",
  "   ",
  "    ",
  "\t",
  "> - ",
  "- > ",
  "  - ",
  "-\t",
  ">\t",
  " >  ",
  "1.  ",
  "- - ",
];

function soup(pick: Picker, count: number): string[] {
  return Array.from({ length: count }, () => {
    const prefix = Array.from({ length: pick.int(3) }, () => pick.pick(SOUP_PREFIXES)).join("");
    const line = pick.pick(SOUP);
    return pick.chance(0.3) && !line ? prefix.trimEnd() : prefix + line;
  });
}

function blocks(pick: Picker, depth: number, count: number): string[] {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    if (pick.chance(0.35)) lines.push(pick.chance(0.8) ? "" : pick.pick([" ", "  ", "\t", "    "]));
    lines.push(...block(pick, depth));
  }
  return lines;
}

function block(pick: Picker, depth: number): string[] {
  const nested = depth < 4;
  const roll = pick.int(nested ? 20 : 14);
  switch (roll) {
    case 0:
      return [atx(pick)];
    case 1:
      return [...paragraph(pick, 1 + pick.int(2)), pick.pick(["===", "---", "  ==  ", "-", "--", "= =", "----   "])];
    case 2:
    case 3:
      return paragraph(pick, 1 + pick.int(3));
    case 4:
      return [pick.pick(["***", "---", "- - -", "___", " * * *", "_ _", "**", "-\t-\t-"])];
    case 5:
      return fenced(pick);
    case 6:
      return [`    ${task(pick)}`, ...(pick.chance(0.5) ? ["", "      more code"] : [])];
    case 7:
      return html(pick);
    case 8:
      return definition(pick);
    case 9:
    case 10:
      return [task(pick)];
    case 11:
      return [`${pick.pick(["", " ", "   "])}${pick.pick(["# ", ""])}${task(pick)}`];
    case 12:
      return [pick.pick(["", "", "  ", "\t"])];
    case 13:
      return [`${pick.pick(["2. ", "1) ", "- ", "* ", "+ ", "1. "])}${pick.chance(0.5) ? task(pick) : words(pick)}`];
    case 14:
    case 15:
    case 16:
    case 17:
      return list(pick, depth);
    default:
      return quote(pick, depth);
  }
}

function words(pick: Picker): string {
  const count = 1 + pick.int(4);
  return Array.from({ length: count }, () => pick.pick(WORDS)).join(" ");
}

function task(pick: Picker): string {
  const marker = pick.chance(0.3) ? ` [IP:${pick.pick(["agent-1", "b", "x y"])}]` : "";
  const trailing = pick.pick(["", "", "  ", "\t", " "]);
  const text = pick.chance(0.1) ? "" : ` ${words(pick)}`;
  return `${pick.pick(["- ", "* ", "1. ", ""])}${pick.pick(CHECKS)}${text}${marker}${trailing}`;
}

function atx(pick: Picker): string {
  const hashes = "#".repeat(1 + pick.int(7));
  const text = pick.chance(0.1) ? "" : ` ${words(pick)}`;
  const closing = pick.pick(["", "", " #", " ##", "#", " \\#", "  #  "]);
  return `${pick.pick(["", " ", "   "])}${hashes}${pick.chance(0.1) ? "\t" : ""}${text}${closing}`;
}

function paragraph(pick: Picker, count: number): string[] {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const roll = pick.int(10);
    if (index > 0 && roll === 0)
      lines.push(pick.pick(["2. not a list", "    indented", "<a>", "<div>", "- ", "1. x", "-", "  ***", "> q"]));
    else if (roll < 4) lines.push(task(pick));
    else lines.push(words(pick));
  }
  return lines;
}

function fenced(pick: Picker): string[] {
  const char = pick.pick(["`", "~"]);
  const size = 3 + pick.int(3);
  const info = pick.pick(["", "js", " ts x", "a`b", "~"]);
  const indent = pick.pick(["", " ", "  "]);
  const body = [task(pick), ...(pick.chance(0.4) ? ["", "- [ ] inside"] : [])];
  const close = pick.chance(0.75)
    ? [`${pick.pick(["", "  ", "    "])}${char.repeat(size + pick.int(3) - 1)}${pick.pick(["", " ", " x"])}`]
    : [];
  return [`${indent}${char.repeat(size)}${info}`, ...body, ...close];
}

function html(pick: Picker): string[] {
  const open = pick.pick(HTML_OPENERS);
  const lines = [pick.chance(0.3) ? `${open} ${task(pick)}` : open, task(pick)];
  if (pick.chance(0.3)) lines.push("");
  if (pick.chance(0.6)) lines.push(`${pick.chance(0.5) ? "x " : ""}${pick.pick(HTML_CLOSERS)}`);
  return lines;
}

function definition(pick: Picker): string[] {
  return pick.pick([
    ["[a]: /url"],
    ["[x]: /u 'title'"],
    ["[ ]: /url"],
    ["[a]:", "/url"],
    ["[a]: /url", '"multi', 'line"'],
    ["[a]: <b c>"],
    ["[a]: /url 'x' y"],
    ["[a]: (b)", "[c]: d"],
    ["[a\\]b]: /u"],
    ["[a]: /url (", "title)"],
    ["[x]: /u", "[ ] after def"],
    ["[a", "b]: /u"],
    ["[a]: <>"],
    ["[a]: (a(b)c) 'x\\'y'"],
    ["[  ]: /u"],
    ["[x]:"],
    ["[a]: /u", "  'title' junk"],
    ["[a]:", "", "/u"],
    ["[\\[]: /u"],
    ["[a]: /u 'a", "", "b'"],
  ]);
}

function list(pick: Picker, depth: number): string[] {
  const marker = pick.pick(MARKERS);
  const indent = pick.pick(["", "", " ", "  ", "   "]);
  const count = 1 + pick.int(4);
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const itemMarker = pick.chance(0.15) ? pick.pick(MARKERS) : marker;
    const gap = pick.pick([" ", " ", " ", "  ", "    ", "     ", "\t", ""]);
    const width = indent.length + itemMarker.length + Math.max(1, gap === "\t" ? 1 : gap.length > 4 ? 1 : gap.length);
    const content = pick.chance(0.15)
      ? []
      : pick.chance(0.6)
        ? [task(pick).replace(/^(?:- |\* |1\. )/, "")]
        : blocks(pick, depth + 1, 1 + pick.int(2));
    if (pick.chance(0.1)) content.unshift("");
    if (content.length === 0) {
      lines.push(`${indent}${itemMarker}`);
      continue;
    }
    lines.push(`${indent}${itemMarker}${content[0] === "" ? "" : gap}${content[0]}`);
    for (const line of content.slice(1)) {
      const shift = pick.chance(0.15) ? pick.pick([-1, 1, 2, -width]) : 0;
      const pad = " ".repeat(Math.max(0, width + shift));
      lines.push(line === "" ? "" : pick.chance(0.05) ? `\t${line}` : `${pad}${line}`);
    }
    if (pick.chance(0.2)) lines.push("");
  }
  return lines;
}

function quote(pick: Picker, depth: number): string[] {
  const inner = blocks(pick, depth + 1, 1 + pick.int(3));
  return inner.map((line, index) => {
    if (index > 0 && pick.chance(0.12)) return line; // lazy (or not)
    const prefix = pick.pick(["> ", ">", " > ", ">\t", "   > "]);
    return line === "" && pick.chance(0.5) ? ">" : `${prefix}${line}`;
  });
}

function finish(pick: Picker, lines: string[]): string {
  const eol = pick.pick(["\n", "\n", "\n", "\r\n", "\r", "mixed"]);
  // Some boards get tabs all through their indentation and container prefixes.
  const tabs = pick.chance(0.15) ? 0.3 : 0.02;
  let text = "";
  lines.forEach((line, index) => {
    let out = line;
    if (pick.chance(0.05)) out = out.replace(/^( {2,4})/, "\t");
    if (pick.chance(tabs)) {
      const at = out.slice(0, 10).lastIndexOf(" ", pick.int(10));
      if (at >= 0) out = `${out.slice(0, at)}\t${out.slice(at + 1)}`;
    }
    if (pick.chance(0.03)) out += "  ";
    text += out;
    if (index < lines.length - 1 || pick.chance(0.8)) text += eol === "mixed" ? pick.pick(["\n", "\r\n", "\r"]) : eol;
  });
  return pick.chance(0.05) ? `\uFEFF${text}` : text;
}
