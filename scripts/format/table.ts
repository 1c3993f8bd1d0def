/** Plain-text tables for terminal reports: right-aligned numbers, left-aligned text. */
export type Cell = string | number;

export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '-';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e7 || magnitude < 1e-3)) return value.toExponential(digits - 1);
  const text = value.toPrecision(Math.max(digits, Math.ceil(Math.log10(Math.max(1, magnitude)))));
  // Trailing zeros go only after a decimal point: 3739.5 at 4 digits is 3740, not 374.
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = header.map((h, c) => Math.max(h.length, ...text.map((row) => (row[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.every((row) => typeof row[c] === 'number'));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}
