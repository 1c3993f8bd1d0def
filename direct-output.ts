/**
 * Writing to a "direct" output (io.ts OutputTarget): a character device, a named pipe or one of this process's open
 * descriptors, written in place. Nothing here blocks the event loop while it waits: a named pipe is opened with
 * O_NONBLOCK and the open retried while it has no reader (a blocking open, even one in libuv's threadpool, cannot be
 * interrupted, and a pending one keeps the process from exiting), so SIGINT/SIGTERM still remove temp files and end
 * the run. A full pipe (EAGAIN) is waited for the same way; a reader that closed the pipe (EPIPE) wants no more,
 * and the rest is dropped. The one wait that blocks: an output stopped early (an abort, SIGINT/SIGTERM) finishes the
 * line its reader has part of, for at most FINISH_LINE_MS, so the reader is left whole lines.
 */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutputFileError } from './errors';
import { onInterrupt } from './interrupt';

/**
 * Retry delays, doubled after each failed try up to the cap (a fixed 5 ms EAGAIN retry made 173 failed writes/s,
 * ~4% CPU, against a reader that stopped reading; a fixed 20 ms wait for a reader ~1%). A full pipe restarts from
 * the first delay after each write that gets through.
 */
const OPEN_RETRY_MS = { first: 20, max: 250 };
const WRITE_RETRY_MS = { first: 5, max: 160 };
/** Longest wait for room to finish a cut line when an output is aborted (DirectWritable.finishLine, copyInto). */
export const FINISH_LINE_MS = 2_000;
export const NEWLINE = 0x0a;
/** Atomics.wait on this sleeps the thread (finishLine runs where no await is possible: a signal handler). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** What is needed to open a direct target: its path, or this process's descriptor for it. */
export interface DirectPlace {
  path: string;
  fd?: number;
}

export interface OpenOptions {
  /** Ends the wait for a reader (the promise rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
  /** Called once if the open has to wait (for tests and notes). */
  onWait?: (() => void) | undefined;
}

/**
 * Whether a failed open of `file` means "a named pipe with no reader yet" (wait and retry). ENXIO means that only
 * for a FIFO: from a device it means no such device (/dev/tty with no controlling terminal: cron, CI, docker
 * without -t), and waiting would hang for ever.
 */
export function waitsForReader(file: string, error: unknown): boolean {
  if ((error as NodeJS.ErrnoException).code !== 'ENXIO') return false;
  try {
    return fs.statSync(file).isFIFO();
  } catch {
    return false;
  }
}

/**
 * One try at opening `place` for writing: its descriptor, or undefined while it is a named pipe with no reader. What
 * was opened must still be a named pipe or character device: a regular file put in the pipe's place while lrmp waited
 * would be written over from its start, untruncated.
 * @throws OutputFileError (not a pipe or device any more), or the open's error
 */
export function openDirectOnce(place: DirectPlace): number | undefined {
  if (place.fd !== undefined) return place.fd;
  let fd: number;
  try {
    // O_NOCTTY: a terminal opened here never becomes the process's controlling terminal.
    fd = fs.openSync(place.path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (error) {
    if (waitsForReader(place.path, error)) return undefined;
    throw error;
  }
  const stat = fs.fstatSync(fd);
  if (stat.isFIFO() || stat.isCharacterDevice()) return fd;
  fs.closeSync(fd);
  throw new OutputFileError(place.path, 'is no longer a named pipe or device (it was replaced while lrmp waited for a reader); nothing was written to it.');
}

/**
 * The descriptor to write `place` through (openDirectOnce, retried). While a named pipe has no reader, says so once
 * on stderr (the run is not stuck) and waits for one.
 * @throws OutputFileError (not a pipe or device any more), the open's error, or the signal's reason
 */
export async function openDirect(place: DirectPlace, options: OpenOptions = {}): Promise<number> {
  if (place.fd !== undefined) return place.fd;
  let waited = false;
  let delayMs = OPEN_RETRY_MS.first;
  for (;;) {
    options.signal?.throwIfAborted();
    const fd = openDirectOnce(place);
    if (fd !== undefined) return fd;
    if (!waited) {
      waited = true;
      process.stderr.write(`lrmp: waiting for a reader of the named pipe ${place.path} (Ctrl-C to stop)\n`);
      options.onWait?.();
    }
    await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {});
    delayMs = Math.min(delayMs * 2, OPEN_RETRY_MS.max);
  }
}

/** Closes a descriptor openDirect opened (never this process's own). */
export function closeDirect(place: DirectPlace, fd: number): void {
  if (place.fd === undefined) fs.closeSync(fd);
}

/**
 * Writes all of `bytes` to `fd`, waiting while a non-blocking pipe is full. EPIPE is thrown (the caller drops the
 * rest). Once `signal` aborts nothing more is written (the descriptor may be closed, its number reused).
 * `progress.done` counts the bytes written so far (a caller that aborts knows where the write stopped).
 */
export async function writeAllTo(fd: number, bytes: Uint8Array, signal?: AbortSignal, progress: { done: number } = { done: 0 }): Promise<void> {
  let delayMs = WRITE_RETRY_MS.first;
  while (progress.done < bytes.length) {
    signal?.throwIfAborted();
    try {
      progress.done += fs.writeSync(fd, bytes, progress.done, bytes.length - progress.done);
      delayMs = WRITE_RETRY_MS.first;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await sleep(delayMs, undefined, signal ? { signal } : {});
      delayMs = Math.min(delayMs * 2, WRITE_RETRY_MS.max);
    }
  }
}

/**
 * Writes bytes[from, end) to `fd` now, retrying while a non-blocking pipe is full until `deadline` (Date.now()); for
 * a signal handler or an abort, where nothing can be awaited. Returns the offset reached (below `end` when the time ran
 * out or the reader left).
 */
export function writeSyncUntil(fd: number, bytes: Uint8Array, from: number, end: number, deadline: number): number {
  let done = from;
  while (done < end && Date.now() < deadline) {
    try {
      done += fs.writeSync(fd, bytes, done, end - done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') break; // EPIPE: the reader left
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
  return done;
}

/** Newlines in `bytes`. */
export function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at >= 0; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}

/**
 * Opens `place`, hands the descriptor to `write`, and closes it; EPIPE (the reader left) ends the write quietly.
 */
export async function writeDirect(place: DirectPlace, write: (fd: number) => Promise<void>): Promise<void> {
  const fd = await openDirect(place);
  try {
    await write(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  } finally {
    closeDirect(place, fd);
  }
}

/**
 * A Writable onto a direct target, for outputs streamed as they are made (a trace): the target is opened when the
 * stream is made (a device, or a pipe with its reader, at once; a pipe without one is waited for, writes waiting in the
 * stream meanwhile, and its high-water mark makes producers wait too, so memory stays bounded by what is in flight);
 * after EPIPE further chunks are dropped.
 */
export class DirectWritable extends Writable {
  private fd: number | undefined;
  /** The first open's failure, reported by _construct as an open that waited would report it. */
  private openError: unknown;
  private readerGone = false;
  /** Aborted by abort() and on destroy: ends a wait for a reader or for room, and stops any further write. */
  private readonly stop = new AbortController();
  /** The chunk being written and how much of it is out (abort() finishes its line). */
  private inFlight: { chunk: Uint8Array; progress: { done: number } } | undefined;
  /** Whole lines written to the target (the last one may be followed by part of the next: see atLineStart). */
  linesWritten = 0;
  /** True while what the target got ends with a newline (or is empty): a reader has whole lines only. */
  atLineStart = true;

  constructor(private readonly place: DirectPlace) {
    super();
    // Opened now, not in _construct, so a caller knows at once whether the target is a terminal (isTerminal).
    try {
      this.fd = openDirectOnce(place);
    } catch (error) {
      this.openError = error;
    }
  }

  /** True once a reader opened the target (until it is closed). */
  get readerFound(): boolean {
    return this.fd !== undefined;
  }

  /** True when the target is a terminal (`--out /dev/tty`): a progress bar on the same screen would split its lines. */
  get isTerminal(): boolean {
    return this.fd !== undefined && tty.isatty(this.fd);
  }

  /**
   * Drops what is not written yet and closes, without waiting for a reader (an error path must report its error,
   * not "waiting for a reader"). destroy() alone is not enough: Node delays _destroy until _construct, the wait for
   * a reader, has finished.
   */
  abort(): void {
    this.finishLine();
    this.stop.abort();
    this.destroy();
  }

  /**
   * Completes the line a reader has part of (the rest of the chunk in flight up to its newline), so an aborted output
   * ends at a line boundary. Synchronous, for abort() and a signal handler; waits for room at most FINISH_LINE_MS
   * (a reader that stopped reading keeps the cut line, and atLineStart stays false to say so).
   */
  private finishLine(): void {
    const flight = this.inFlight;
    if (flight === undefined || this.fd === undefined || this.readerGone || this.stop.signal.aborted) return;
    this.inFlight = undefined;
    const { chunk, progress } = flight;
    const cut = progress.done > 0 ? chunk[progress.done - 1] !== NEWLINE : !this.atLineStart;
    const newline = chunk.indexOf(NEWLINE, progress.done);
    const end = !cut ? progress.done : newline < 0 ? chunk.length : newline + 1;
    progress.done = writeSyncUntil(this.fd, chunk, progress.done, end, Date.now() + FINISH_LINE_MS);
    this.counted(chunk.subarray(0, progress.done));
  }

  /** Updates linesWritten and atLineStart for bytes the target got. */
  private counted(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.linesWritten += countLines(bytes);
    this.atLineStart = bytes[bytes.length - 1] === NEWLINE;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.openError !== undefined) return callback(this.stop.signal.aborted ? undefined : (this.openError as Error));
    if (this.fd !== undefined) return callback();
    openDirect(this.place, { signal: this.stop.signal }).then(
      (fd) => {
        this.fd = fd;
        callback();
      },
      (error: Error) => (this.stop.signal.aborted ? callback() : callback(error)),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.readerGone || this.fd === undefined || this.stop.signal.aborted) {
      callback();
      return;
    }
    const flight = { chunk, progress: { done: 0 } };
    this.inFlight = flight;
    writeAllTo(this.fd, chunk, this.stop.signal, flight.progress).then(
      () => {
        this.inFlight = undefined;
        this.counted(chunk);
        callback();
      },
      (error: NodeJS.ErrnoException) => {
        // Counted here unless abort() finished the line and counted it.
        if (this.inFlight === flight) this.counted(chunk.subarray(0, flight.progress.done));
        this.inFlight = undefined;
        if (this.stop.signal.aborted) return callback();
        if (error.code !== 'EPIPE') return callback(error);
        this.readerGone = true;
        callback();
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop.abort(); // a write still waiting for room must not write to the closed (perhaps reused) descriptor
    if (this.fd !== undefined) closeDirect(this.place, this.fd);
    this.fd = undefined;
    callback(error);
  }
}

/** Where a copy into a direct target stands (copyInto): the chunk being written and the lines the target has. */
interface CopyState {
  chunk: Buffer;
  /** Bytes of `chunk` read from the temp file, and how many of them are written. */
  read: number;
  progress: { done: number };
  lines: number;
  atLineStart: boolean;
}

/**
 * Copies a finished temp file into a direct target, 1 MiB at a time (a big output never sits in memory). Ended by
 * SIGINT/SIGTERM, it finishes the line the reader has part of and says on stderr that the output is incomplete
 * (finishCopy).
 */
export async function copyInto(temp: string, target: DirectPlace, file: string): Promise<void> {
  const input = fs.openSync(temp, 'r');
  try {
    const state: CopyState = { chunk: Buffer.alloc(1 << 20), read: 0, progress: { done: 0 }, lines: 0, atLineStart: true };
    await writeDirect(target, async (fd) => {
      // In a library host the process may go on after the hook: the copy stops there (finishCopy wrote past progress).
      const stop = new AbortController();
      const unhook = onInterrupt(() => {
        stop.abort();
        finishCopy(fd, input, state, file);
      });
      try {
        for (state.read = fs.readSync(input, state.chunk); state.read > 0; state.read = fs.readSync(input, state.chunk)) {
          state.progress = { done: 0 };
          const bytes = state.chunk.subarray(0, state.read);
          await writeAllTo(fd, bytes, stop.signal, state.progress).catch((error: unknown) => {
            throw stop.signal.aborted ? new OutputFileError(file, 'stopped by a signal: the output is incomplete.') : error;
          });
          state.lines += countLines(bytes);
          state.atLineStart = bytes[bytes.length - 1] === NEWLINE;
        }
      } finally {
        unhook();
      }
    });
  } finally {
    fs.closeSync(input);
  }
}

/**
 * On SIGINT/SIGTERM during copyInto: writes the rest of the line the reader has part of (reading on in the temp file
 * if the chunk ends first; at most FINISH_LINE_MS of waiting for room), then says on stderr how many lines the output has.
 */
function finishCopy(fd: number, input: number, state: CopyState, file: string): void {
  const deadline = Date.now() + FINISH_LINE_MS;
  let bytes = state.chunk.subarray(0, state.read);
  let done = state.progress.done;
  let cut = done > 0 ? bytes[done - 1] !== NEWLINE : !state.atLineStart;
  state.lines += countLines(bytes.subarray(0, done));
  while (cut && bytes.length > 0 && Date.now() < deadline) {
    const newline = bytes.indexOf(NEWLINE, done);
    const end = newline < 0 ? bytes.length : newline + 1;
    const reached = writeSyncUntil(fd, bytes, done, end, deadline);
    if (reached < end) break; // no room in time, or the reader left: the line stays cut
    cut = newline < 0;
    if (!cut) state.lines++;
    bytes = state.chunk.subarray(0, fs.readSync(input, state.chunk));
    done = 0;
  }
  process.stderr.write(`lrmp: ${file} is incomplete: stopped after ${state.lines.toLocaleString('en-US')} of its lines were copied in (${cut ? 'the last one is cut: the reader stopped reading' : 'it ends at a whole line'}).\n`);
}
