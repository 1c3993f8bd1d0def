/**
 * The sweep's CSV, written one row at a time: each row is appended and fsync'ed as its point finishes, so a
 * killed sweep keeps every finished row. --resume reads the file back (csv-parse) without changing it, checks the
 * header and every row, and only then cuts a torn last line left by a kill mid-write (cutTornTail): a file the
 * resume rejects is left exactly as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CSV_CAST } from '../../csv-number';
import { InputFileError } from '../../errors';
import { checkOutputPath, isRegularTarget, outputError, outputTarget } from '../../io';
import { DirectWritable } from '../../direct-output';

export type CsvCell = string | number;

/** Rows already in a sweep CSV, as header -> value records. */
export interface ExistingCsv {
  header: string[];
  rows: Array<Record<string, string>>;
  /** Bytes of complete lines; less than the file's size when a kill left half a row (see cutTornTail). */
  completeBytes: number;
}

/** The text up to its last complete line (a kill can leave half a row). */
function completeLines(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
}

/**
 * Reads an existing sweep CSV for --resume, changing nothing; undefined when the file does not exist or is empty.
 * A torn last line is left out of the rows (and reported in completeBytes). @throws InputFileError (malformed CSV)
 */
export function readExistingCsv(file: string): ExistingCsv | undefined {
  if (!fs.existsSync(file)) return undefined;
  checkOutputPath(file, true);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  const text = completeLines(raw);
  if (text.trim() === '') return undefined;
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: false }) as string[][];
  } catch (error) {
    throw new InputFileError(file, `cannot resume from it, not a well-formed CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [header, ...body] = records;
  if (header === undefined) return undefined;
  return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))), completeBytes: Buffer.byteLength(text) };
}

/** Cuts a torn last line off a resumed CSV, once every check has passed (readExistingCsv only measures it). */
export function cutTornTail(file: string, existing: ExistingCsv): void {
  if (fs.statSync(file).size > existing.completeBytes) fs.truncateSync(file, existing.completeBytes);
}

/** Checks that a file's header is the one this sweep would write. @throws InputFileError naming the difference */
export function checkHeader(file: string, found: readonly string[], expected: readonly string[]): void {
  if (found.length === expected.length && found.every((h, i) => h === expected[i])) return;
  const firstDiff = expected.findIndex((h, i) => found[i] !== h);
  const where = firstDiff >= 0 ? `column ${firstDiff + 1} is '${found[firstDiff] ?? '(none)'}' where this sweep writes '${expected[firstDiff]}'` : `it has ${found.length} columns, this sweep writes ${expected.length}`;
  throw new InputFileError(
    file,
    `cannot resume: its header does not match this sweep (${where}); expected ${expected.join(',')}. Resume with the same --network, --vary and mode, or write to a new --out.`,
  );
}

/**
 * Appends CSV rows to a file, one write + fsync per row. A device or pipe (`--out /dev/stdout | ...`, a named pipe)
 * gets the rows as a stream instead (direct-output.ts: no fsync, and a pipe without a reader is waited for without
 * blocking), header first.
 */
export class CsvAppender {
  private fd: number | undefined;
  private readonly stream: DirectWritable | undefined;
  private failure: Error | undefined;

  /** Opens `file` for appending; writes the header when the file is new or empty. */
  constructor(
    readonly file: string,
    header: readonly string[],
  ) {
    const target = outputTarget(file);
    if (!isRegularTarget(target)) {
      this.stream = new DirectWritable(target);
      this.stream.on('error', (error: Error) => (this.failure ??= error));
      this.write(header);
      return;
    }
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.fd = fs.openSync(file, 'a');
    } catch (error) {
      throw outputError(file, error);
    }
    if (fs.fstatSync(this.fd).size === 0) this.write(header);
  }

  /** True when the rows go to a terminal (`--out /dev/tty`, a pts): the sweep then draws no progress bar among them. */
  get toTerminal(): boolean {
    return this.stream?.isTerminal ?? false;
  }

  /**
   * Writes one row and flushes it to disk before returning (to a stream: hands it over).
   * @throws OutputFileError when the stream has failed (no space...): the sweep stops, not after every point
   */
  write(cells: readonly CsvCell[]): void {
    if (this.failure !== undefined) throw outputError(this.file, this.failure);
    const line = stringify([cells.map((c) => (typeof c === 'number' && !Number.isFinite(c) ? '' : c))], { cast: CSV_CAST });
    if (this.stream !== undefined) {
      this.stream.write(line);
      return;
    }
    if (this.fd === undefined) throw new Error(`CsvAppender: ${this.file} is closed`);
    fs.writeSync(this.fd, line);
    fs.fsyncSync(this.fd);
  }

  /**
   * Closes the file; a stream is flushed first, or, when `aborted` (the sweep failed) and no reader has opened the
   * pipe yet, dropped without waiting for one, so the sweep's own error is reported (a reader already there gets the
   * finished points' rows). @throws OutputFileError when the stream failed
   */
  async close(aborted = false): Promise<void> {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    const stream = this.stream;
    if (stream === undefined) return;
    const drop = aborted && !stream.readerFound;
    if (!stream.closed) {
      await new Promise<void>((resolve) => {
        stream.once('close', resolve);
        if (drop) stream.abort();
        else stream.end();
      });
    }
    if (!drop && this.failure !== undefined) throw outputError(this.file, this.failure);
  }
}
