/**
 * What the tests of named-pipe outputs share (output-pipes, trace-abort): a temp folder for FIFOs, children killed
 * after each test (a failed test must not leave one waiting for a reader, keeping jest from exiting), a child's
 * output as it comes, and bounded waits. Registers its jest hooks when called at a test file's top level.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';

export interface Watched {
  out: () => string;
  err: () => string;
  ended: Promise<{ code: number | null; signal: string | null }>;
}

export interface PipeKit {
  /** The temp folder (set in beforeAll). */
  dir: () => string;
  /** A FIFO named `name` in the temp folder. */
  fifo: (name: string) => string;
  /** A child's stdout and stderr as they come, and its end; the child is killed after the test if still running. */
  watch: (child: ChildProcess) => Watched;
  /** Kill this child after the test if still running (for children not watched). */
  track: (child: ChildProcess) => void;
}

export function pipeKit(prefix: string): PipeKit {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const track = (child: ChildProcess): void => void children.push(child);
  return {
    dir: () => dir,
    fifo(name) {
      const file = path.join(dir, name);
      const made = spawnSync('mkfifo', [file]);
      if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
      return file;
    },
    watch(child) {
      track(child);
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      return { out: () => out, err: () => err, ended };
    },
    track,
  };
}

/** `promise`, or 'timeout' after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([promise, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  clearTimeout(timer);
  return result;
}

/** Whether `check` came true within `timeoutMs` (polled every `everyMs`). */
export async function until(check: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}
