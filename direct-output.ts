/**
 * Writing to a "direct" output (io.ts OutputTarget): a character device, a named pipe or one of this process's open
 * descriptors, written in place. Nothing here blocks the event loop while it waits: a named pipe is opened with
 * O_NONBLOCK and the open retried while it has no reader (a blocking open, even one in libuv's threadpool, cannot be
 * interrupted, and a pending one keeps the process from exiting), so SIGINT/SIGTERM still remove temp files and end
 * the run. A full pipe (EAGAIN) is waited for the same way; a reader that closed the pipe (EPIPE) wants no more,
 * and the rest is dropped.
 */
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a named pipe without a reader is tried again, and a full pipe written again. */
const RETRY_MS = 20;

/** What is needed to open a direct target: its path, or this process's descriptor for it. */
export interface DirectPlace {
  path: string;
  fd?: number;
}

/**
 * The descriptor to write `place` through: its own descriptor, or the device or pipe opened for writing. While a
 * named pipe has no reader, says so once on stderr (the run is not stuck) and waits for one.
 * @param onWait called once if the open has to wait (for tests and notes)
 */
export async function openDirect(place: DirectPlace, onWait?: () => void): Promise<number> {
  if (place.fd !== undefined) return place.fd;
  let waited = false;
  for (;;) {
    try {
      return fs.openSync(place.path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error; // ENXIO: a named pipe with no reader
      if (!waited) {
        waited = true;
        process.stderr.write(`lrmp: waiting for a reader of the named pipe ${place.path} (Ctrl-C to stop)\n`);
        onWait?.();
      }
      await sleep(RETRY_MS);
    }
  }
}

/** Closes a descriptor openDirect opened (never this process's own). */
export function closeDirect(place: DirectPlace, fd: number): void {
  if (place.fd === undefined) fs.closeSync(fd);
}

/** Writes all of `bytes` to `fd`, waiting while a non-blocking pipe is full. EPIPE is thrown (the caller drops the rest). */
export async function writeAllTo(fd: number, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await sleep(RETRY_MS / 4);
    }
  }
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
 * stream is (writes wait in the stream meanwhile, and its high-water mark makes producers wait too, so memory stays
 * bounded by what is in flight); after EPIPE further chunks are dropped.
 */
export class DirectWritable extends Writable {
  private fd: number | undefined;
  private readerGone = false;

  constructor(private readonly place: DirectPlace) {
    super();
  }

  override _construct(callback: (error?: Error | null) => void): void {
    openDirect(this.place).then(
      (fd) => {
        this.fd = fd;
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.readerGone || this.fd === undefined) {
      callback();
      return;
    }
    writeAllTo(this.fd, chunk).then(
      () => callback(),
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') return callback(error);
        this.readerGone = true;
        callback();
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.fd !== undefined) closeDirect(this.place, this.fd);
    this.fd = undefined;
    callback(error);
  }
}
