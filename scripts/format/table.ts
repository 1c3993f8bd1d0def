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

/**
 * One time unit for a column of durations: the largest of s, ms, us, ns in which the smallest nonzero value is at
 * least 0.1, so with 4 significant digits a tiny network's 7 us latency reads 6.941 us (not 0.007 ms) and ResNet-18's
 * rows read 13.37 and 0.2112 ms (not 13372 and 211.2 us). `scale` multiplies seconds.
 */
export function timeUnitFor(seconds: readonly number[]): { unit: 's' | 'ms' | 'us' | 'ns'; scale: number } {
  const positive = seconds.filter((s) => Number.isFinite(s) && s > 0);
  const smallest = positive.length > 0 ? Math.min(...positive) : 1;
  if (smallest >= 0.1) return { unit: 's', scale: 1 };
  if (smallest >= 0.1e-3) return { unit: 'ms', scale: 1e3 };
  if (smallest >= 0.1e-6) return { unit: 'us', scale: 1e6 };
  return { unit: 'ns', scale: 1e9 };
}
