// Plain-text tables and number formatting for the benchmark's output.

/** Renders rows (arrays of strings) as aligned columns; the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("   ");
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("   "), ...rows.slice(1).map(line)].join("\n");
}

export const ms = (x) => `${x.toFixed(2)} ms`;
export const rps = (x) => `${Math.round(x)} req/s`;
export const ratio = (x) => `${x.toFixed(2)}×`;

/** A banner that cannot be missed. */
export function loud(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = "!".repeat(width);
  return [bar, ...lines.map((l) => `! ${l.padEnd(width - 4)} !`), bar].join("\n");
}
