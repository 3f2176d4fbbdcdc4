/** Markdown tables and number formatting for the bench's stdout. */

export function markdownTable(headers, rows) {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (row) => `| ${row.map((cell, i) => (cell ?? "").padEnd(widths[i])).join(" | ")} |`;
  return [line(headers), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...cells.map(line)].join("\n");
}

/** Milliseconds: 2 decimals under 10, 1 under 100, whole above. */
export function ms(value) {
  if (!Number.isFinite(value)) return "n/a";
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

export function int(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}

export function ratio(value) {
  return Number.isFinite(value) ? value.toFixed(2) : "n/a";
}

export function pct(share) {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : "n/a";
}

export function mb(bytes) {
  return Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(1) : "n/a";
}
