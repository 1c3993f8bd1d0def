/**
 * direct-output.ts's decisions, and that error paths never wait for a reader of a named pipe. No device is opened:
 * named pipes and a Unix socket in a temp folder, and descriptors this process opened read-only.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { openDirect, waitsForReader } from '../direct-output';
import { OutputFileError } from '../errors';
import { TraceWriter, type TraceRow } from '../sim/trace';
import { CsvAppender } from '../scripts/sweep/csv-log';
import { sweepCommand } from '../scripts/commands/sweep';
import { simulateSettled } from '../sim/settle';
import { presetArch } from '../arch/presets';
import { suitePlans } from '../scripts/metamorphic/suite';
import { zoo } from './helpers/model-fixtures';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-direct-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run after each test: ends what a failed test may have left waiting. */
const afterCleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of afterCleanup.splice(0)) await clean();
});

/** Lets any writer still waiting for a reader of `pipe` open it and finish (EPIPE once this end closes). */
async function releaseWriters(pipe: string): Promise<void> {
  const fd = fs.openSync(pipe, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  await new Promise((r) => setTimeout(r, 600)); // longer than the writer's longest retry (250 ms)
  fs.closeSync(fd);
}

function fifo(name: string): string {
  const file = path.join(dir, name);
  const made = spawnSync('mkfifo', [file]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
  return file;
}

/** The promise's outcome, or 'timeout' after `ms` (a wait for a reader that never comes). */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** stderr lines written while `run` runs (the "waiting for a reader" note). */
async function stderrDuring<T>(run: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const result = await run();
    return { result, stderr: spy.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('opening a direct target', () => {
  test('ENXIO is "no reader yet" only for a named pipe: a socket file (ENXIO too, as /dev/tty without a terminal) fails at once', async () => {
    const sock = path.join(dir, 's.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    // Aborted in finally: were the fix undone, the open's retries would keep jest from exiting after the failure.
    const stop = new AbortController();
    try {
      const { result, stderr } = await stderrDuring(() => within(openDirect({ path: sock }, { signal: stop.signal }), 3_000));
      expect(result).not.toBe('timeout'); // it used to wait for ever, "waiting for a reader of the named pipe"
      expect((result as { error: NodeJS.ErrnoException }).error.code).toBe('ENXIO');
      expect(stderr).not.toContain('waiting for a reader');
      const enxio = Object.assign(new Error('ENXIO'), { code: 'ENXIO' });
      expect(waitsForReader(sock, enxio)).toBe(false);
      expect(waitsForReader(fifo('w.pipe'), enxio)).toBe(true);
      expect(waitsForReader(path.join(dir, 'w.pipe'), Object.assign(new Error('EACCES'), { code: 'EACCES' }))).toBe(false);
      expect(waitsForReader(path.join(dir, 'missing'), enxio)).toBe(false);
    } finally {
      stop.abort();
      server.close();
    }
  });

  test('a regular file where the pipe was is refused after the open, and left as it was', async () => {
    const file = path.join(dir, 'was-a-pipe.txt');
    fs.writeFileSync(file, 'keep me');
    await expect(openDirect({ path: file })).rejects.toThrow(OutputFileError);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });

  test('the wait for a reader ends when its signal aborts', async () => {
    const pipe = fifo('abort.pipe');
    const stop = new AbortController();
    let waited = false;
    const { result } = await stderrDuring(async () => {
      const opening = openDirect({ path: pipe }, { signal: stop.signal, onWait: () => (waited = true) });
      await new Promise((r) => setTimeout(r, 100));
      stop.abort();
      return within(opening, 2_000);
    });
    expect(waited).toBe(true);
    expect(result).not.toBe('timeout');
    expect((result as { error: Error }).error.name).toBe('AbortError');
  });
});

describe('error paths do not wait for a reader of the pipe', () => {
  test('an aborted trace (a DeadlockError in the simulation) closes at once', async () => {
    const pipe = fifo('trace.pipe');
    const { result } = await stderrDuring(async () => {
      const trace = new TraceWriter(pipe);
      const row: TraceRow = ['job', 'conv1', 0, 0, 0, 0, 10, '', 0, ''];
      for (let i = 0; i < 100; i++) trace.write(row);
      return within(trace.close(true), 3_000);
    });
    expect(result).toEqual({ value: undefined });
  });

  test('a sweep whose run fails reports its error, not "waiting for a reader" of its --out pipe', async () => {
    const pipe = fifo('sweep.pipe');
    // Were the fix undone, the sweep would wait for a reader after the test failed and keep jest from exiting.
    afterCleanup.push(() => releaseWriters(pipe));
    const { result } = await stderrDuring(() =>
      within(
        sweepCommand({
          network: 'lenet5-mnist',
          vary: ['crossbar.rows=64,128'],
          out: pipe,
          workers: 0,
          onRow: () => {
            throw new Error('the run failed');
          },
        }),
        5_000,
      ),
    );
    expect(result).not.toBe('timeout');
    expect((result as { error: Error }).error.message).toBe('the run failed');
    // An aborted CsvAppender on its own closes at once too.
    const csv = new CsvAppender(fifo('csv.pipe'), ['a', 'b']);
    expect(await within(csv.close(true), 3_000)).toEqual({ value: undefined });
  });
});

describe('a failed sweep with its reader already there', () => {
  test('the finished rows still reach the reader (only a pipe nobody has opened is dropped at once)', async () => {
    const pipe = fifo('present.pipe');
    const reader = fs.openSync(pipe, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const csv = new CsvAppender(pipe, ['point', 'value']);
      const rows = 20_000; // ~200 KB: more than the pipe holds, so rows wait in the stream when the sweep fails
      for (let i = 0; i < rows; i++) csv.write([i, 0.5]);
      await new Promise((r) => setTimeout(r, 300)); // the writer opens the pipe (its reader is there) and fills it
      const closing = within(csv.close(true), 10_000);
      let text = '';
      const chunk = Buffer.alloc(65536);
      for (let idle = 0; idle < 300; ) {
        let n = -1;
        try {
          n = fs.readSync(reader, chunk, 0, chunk.length, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        }
        if (n === 0) break; // the writer closed
        if (n > 0) text += chunk.subarray(0, n).toString();
        else {
          idle++;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      expect(await closing).toEqual({ value: undefined });
      expect(text.trim().split('\n')).toHaveLength(rows + 1); // the rows still in the stream were dropped before the fix
    } finally {
      fs.closeSync(reader);
    }
  });
});

describe('a sweep CSV whose stream fails', () => {
  test('the next row throws, so the sweep stops instead of running every remaining point', async () => {
    // A named pipe opened read-only by this process: written through /proc/self/fd/N, every write fails (EBADF).
    const pipe = fifo('ro.pipe');
    const fd = fs.openSync(pipe, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const csv = new CsvAppender(`/proc/self/fd/${fd}`, ['a', 'b']);
      await new Promise((r) => setTimeout(r, 50)); // the header's write fails
      expect(() => csv.write([1, 2])).toThrow(OutputFileError);
      await csv.close(true);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('a trace without a given image count, into a descriptor', () => {
  test('holds the last settling run alone, and its spool in the temp folder is removed', async () => {
    // ISAAC VGG-8's replicated plan settles over runs of 16, 64 and 256 images (test/metamorphic-sim.test.ts).
    const [, plan] = suitePlans(presetArch('isaac'), zoo('vgg8'));
    if (!plan) throw new Error('no replicated plan');
    const spoolDir = fs.mkdtempSync(path.join(dir, 'tmp-'));
    const file = path.join(dir, 'settled-trace.csv');
    const fd = fs.openSync(file, 'w');
    const tmpdir = process.env['TMPDIR'];
    process.env['TMPDIR'] = spoolDir;
    let runs: number[];
    try {
      ({ runs } = await simulateSettled(plan.arch, zoo('vgg8'), plan.choices, { traceFile: `/proc/self/fd/${fd}` }));
    } finally {
      if (tmpdir === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = tmpdir;
      fs.closeSync(fd);
    }
    expect(runs.length).toBeGreaterThan(1);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('kind,'))).toHaveLength(1); // streamed, each run appended its own
    let lastImage = -1;
    for (const line of lines.slice(1)) lastImage = Math.max(lastImage, Number(line.split(',')[3]));
    expect(lastImage).toBe((runs[runs.length - 1] ?? 0) - 1);
    expect(fs.readdirSync(spoolDir)).toEqual([]);
  }, 30_000);
});
