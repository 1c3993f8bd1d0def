import { stringify } from 'csv-stringify/sync';
import { isStdout, writeFileAtomic } from '../../io';
import { InternalError } from '../../errors';
import { CSV_CAST } from '../../csv-number';

export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

/** `text` as printed: ending in one newline. */
function asLines(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Prints a report on stdout. */
export function print(text: string): void {
  process.stdout.write(asLines(text));
}

/**
 * Prints a report beside a command's outputs: on stdout, or on stderr when one of `outputs` is stdout
 * (`--out /dev/stdout | ...`), so that stdout carries that output alone.
 */
export function printReport(text: string, outputs: readonly (string | undefined)[]): void {
  const stdoutTaken = outputs.some((o) => o !== undefined && isStdout(o));
  (stdoutTaken ? process.stderr : process.stdout).write(asLines(text));
}

/** Writes a report atomically to `out`, or prints it (printReport: on stderr if one of `others` is stdout). */
export async function emit(text: string, out: string | undefined, others: readonly (string | undefined)[] = []): Promise<void> {
  if (out === undefined) printReport(text, others);
  else await writeFileAtomic(out, asLines(text));
}

/** The path of the first non-finite number in `value` (e.g. `layers[3].stageCycles`), or undefined. */
export function nonFinitePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || '(value)';
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFinitePath(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const found = nonFinitePath(child, path === '' ? key : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses a result holding NaN or Infinity: valid input cannot produce one (every input is range-checked), so it
 * is a bug, reported as an InternalError naming what was computed and where, never printed as a figure.
 */
export function assertFinite(value: unknown, context: string): void {
  const at = nonFinitePath(value);
  if (at !== undefined) throw new InternalError(context, `a non-finite number at '${at}' (${String(valueAtPath(value, at))})`);
}

function valueAtPath(value: unknown, path: string): unknown {
  let node: unknown = value;
  for (const part of path.split(/\.|\[|\]/).filter((p) => p !== '')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/** Rows to CSV text with a header line (a non-finite cell is an InternalError, never an empty cell). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  assertFinite(rows, 'CSV output');
  return stringify([header as string[], ...rows.map((r) => [...r])], { cast: CSV_CAST });
}

/** JSON with non-finite numbers refused: a NaN in an output is a bug, not a value. */
export function toJson(value: unknown): string {
  assertFinite(value, 'JSON output');
  return `${JSON.stringify(value, undefined, 2)}\n`;
}
