/**
 * How a number is written in a CSV cell, the same in every CSV lrmp writes (reports, sweep rows, optimize history,
 * reproduce results, traces): integers as they are, other values at CSV_SIGNIFICANT_DIGITS significant digits
 * without trailing zeros, so 13.388046000000001 (binary floating-point noise) is written 13.388046. JSON keeps
 * full precision.
 */

/**
 * Twelve digits keep every figure's information (model and simulator agree to far fewer) and are well above the
 * noise that sums of thousands of doubles pick up (about 1e-13 relative).
 */
export const CSV_SIGNIFICANT_DIGITS = 12;

export function csvNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value); // callers refuse or blank these before writing
  if (Number.isInteger(value)) return Object.is(value, -0) ? '0' : String(value);
  const rounded = Number(value.toPrecision(CSV_SIGNIFICANT_DIGITS));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** csv-stringify's `cast` option that writes numbers with csvNumber. */
export const CSV_CAST = { number: (value: number): string => csvNumber(value) };
