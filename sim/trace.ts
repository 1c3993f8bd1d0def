/**
 * CSV trace streamed to disk with csv-stringify: rows go through a stream into a temp file beside the
 * target, renamed on success, so the whole trace is never in memory and no half-written file is left. A device or
 * pipe (`--trace /dev/stdout | ...`, a named pipe) gets the rows streamed straight in (direct-output.ts), nothing
 * spooled: memory is bounded by the stream's buffer, since the simulation waits for 'drain'.
 */
import * as fs from 'node:fs';
import { outputError, outputTarget, releaseTemp, tempFileFor } from '../io';
import { onInterrupt } from '../interrupt';
import { DirectWritable } from '../direct-output';
import { stringify, type Stringifier } from 'csv-stringify';
import { CSV_CAST } from '../csv-number';
import { OutputFileError } from '../errors';

export const TRACE_COLUMNS = [
  'kind',
  'layer',
  'replica',
  'image',
  'row',
  'start_cycle',
  'end_cycle',
  'stall_cause',
  'stall_cycles',
  'detail',
] as const;

export type TraceRow = [string, string, number, number, number, number, number, string, number, string];

export class TraceWriter {
  private readonly stringifier: Stringifier;
  private readonly out: fs.WriteStream | DirectWritable;
  /** The temp file renamed onto a regular file; undefined when the rows go straight to a device or pipe. */
  private readonly temp: string | undefined;
  private failure: Error | undefined;
  private readonly finished: Promise<void>;
  /** True when the stream asked the producer to wait for 'drain'. */
  backlogged = false;
  /** Ends the SIGINT/SIGTERM hook of a streamed trace (abortStreamed then runs from the signal handler). */
  private readonly unhook: () => void = () => undefined;

  constructor(private readonly file: string) {
    const target = outputTarget(file);
    this.temp = target.direct ? undefined : tempFileFor(file);
    this.out = this.temp === undefined ? new DirectWritable(target) : fs.createWriteStream(this.temp);
    this.stringifier = stringify({ header: true, columns: [...TRACE_COLUMNS], cast: CSV_CAST });
    this.stringifier.pipe(this.out);
    const fail = (error: Error): void => {
      this.failure ??= error;
    };
    this.stringifier.on('error', fail);
    this.out.on('error', fail);
    this.finished = new Promise<void>((resolve) => this.out.on('close', () => resolve()));
    const out = this.out;
    if (out instanceof DirectWritable) {
      this.unhook = onInterrupt(() => {
        // In a library host the process may go on: further rows are refused, and drain()/close() say why.
        this.failure ??= new OutputFileError(file, 'stopped by a signal: the trace is incomplete.');
        this.abortStreamed(out);
      });
    }
  }

  /**
   * Stops a trace streamed into a device or pipe: the rows not written yet are dropped (flushing them would wait for
   * the reader), the row the reader has part of is finished (DirectWritable.abort), and a reader that got any rows is
   * told on stderr that the trace is incomplete and how many rows it has.
   */
  private abortStreamed(out: DirectWritable): void {
    const reader = out.readerFound;
    this.stringifier.unpipe(out);
    this.stringifier.destroy();
    out.abort();
    if (!reader) return;
    const rows = Math.max(0, out.linesWritten - 1); // less the header
    const cut = out.atLineStart ? 'it ends at a whole row' : 'its last row is cut: the reader stopped reading';
    process.stderr.write(`lrmp: the trace ${this.file} is incomplete: the run stopped after ${rows.toLocaleString('en-US')} of its rows were written (${cut}).\n`);
  }

  write(row: TraceRow): void {
    if (this.failure) return; // the output failed: the rows would only pile up in memory
    if (!this.stringifier.write(row)) this.backlogged = true;
  }

  /**
   * Waits until the stream has room again. A failed output never drains (the pipe from the stringifier is cut), so
   * its close ends the wait too, and the failure is thrown: the simulation stops (waiting for 'drain' alone left
   * nothing pending, and node exited 0 with no output: `--trace /dev/full`).
   * @throws OutputFileError
   */
  async drain(): Promise<void> {
    if (this.backlogged && !this.out.destroyed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stringifier.off('drain', done);
          this.out.off('close', done);
          resolve();
        };
        this.stringifier.once('drain', done);
        this.out.once('close', done);
      });
    }
    this.backlogged = false;
    if (this.failure) throw outputError(this.file, this.failure);
  }

  /**
   * Flushes, closes and renames into place (or removes the temp file on failure / abort). An abort of a trace
   * streamed into a device or pipe drops the rest at once (abortStreamed): flushing it would wait for a reader of the
   * pipe first, and the error that aborted would show as "waiting for a reader".
   */
  async close(abort = false): Promise<void> {
    if (abort && this.out instanceof DirectWritable) {
      this.unhook();
      this.abortStreamed(this.out);
    } else this.stringifier.end();
    // A signal while the backlog still flushes into a slow reader must cut the trace at a row and say so: the hook
    // stays until the stream has closed.
    await this.finished;
    this.unhook();
    if (abort || this.failure) {
      if (this.temp !== undefined) await releaseTemp(this.temp, this.file, false);
      if (this.failure && !abort) throw outputError(this.file, this.failure);
      return;
    }
    if (this.temp !== undefined) await releaseTemp(this.temp, this.file, true);
  }
}
