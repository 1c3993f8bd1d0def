import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../../io';

export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

/** Prints a report or writes it atomically to `out`. */
export function emit(text: string, out: string | undefined): void {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (out === undefined) process.stdout.write(body);
  else writeFileAtomic(out, body);
}

/** Rows to CSV text with a header line. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return stringify([header as string[], ...rows.map((r) => r.map((c) => (typeof c === 'number' && !Number.isFinite(c) ? '' : c)))]);
}

/** JSON with non-finite numbers refused: a NaN in an output is a bug, not a value. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`non-finite number in output: ${String(v)}`);
      return v;
    },
    2,
  )}\n`;
}
