/**
 * A trace streamed into a named pipe whose reader is there, then stopped (sim/trace.ts abortStreamed): the reader
 * gets whole rows only (the row it has part of is finished, direct-output.ts DirectWritable.abort), and stderr says
 * the trace is incomplete and how many rows it has; on SIGTERM the exit code is 143. FIFOs in a temp folder, read by
 * child processes that are killed after each test, so a failure cannot keep jest waiting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './helpers/run-cli';
import { pipeKit, until, within } from './helpers/child-pipes';
import { TraceWriter, type TraceRow, TRACE_COLUMNS } from '../sim/trace';

const kit = pipeKit('lrmp-trace-abort-');
const { fifo, watch } = kit;
let dir: string;
beforeAll(() => {
  dir = kit.dir();
});

/** A reader of `pipe` that takes 100 bytes, pauses `pauseMs` (the pipe fills), then reads to the end (on its stdout). */
function slowReader(pipe: string, pauseMs: number): ChildProcess {
  const script =
    `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(pipe)}, 'r'); const b = Buffer.alloc(1 << 16); ` +
    `let n = fs.readSync(fd, b, 0, 100); process.stdout.write(Buffer.from(b.subarray(0, n))); ` +
    `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${pauseMs}); ` +
    `while ((n = fs.readSync(fd, b)) > 0) process.stdout.write(Buffer.from(b.subarray(0, n)));`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A reader of `pipe` into the file `<name>.out` in the test folder (a file never fills, as jest's stdout pipe can):
 * it reads `firstBytes`, creates `<name>.paused`, waits until `<name>.go` exists (at most 30 s, so it cannot outlive a
 * failed test), then reads to the end. While it waits, the writer of the pipe is stuck once the pipe is full.
 */
function gatedReader(pipe: string, name: string, firstBytes: number): { child: ChildProcess; out: string; paused: string; go: string } {
  const [out, paused, go] = ['out', 'paused', 'go'].map((ext) => path.join(dir, `${name}.${ext}`)) as [string, string, string];
  const script =
    `const fs = require('fs'); const [pipe, out, paused, go, first] = process.argv.slice(1); ` +
    `const fd = fs.openSync(pipe, 'r'); const o = fs.openSync(out, 'w'); const b = Buffer.alloc(1 << 16); let got = 0, n; ` +
    `while (got < Number(first) && (n = fs.readSync(fd, b, 0, Math.min(b.length, Number(first) - got))) > 0) (fs.writeSync(o, b, 0, n), (got += n)); ` +
    `fs.writeFileSync(paused, ''); const sleep = new Int32Array(new SharedArrayBuffer(4)); const until = Date.now() + 30000; ` +
    `while (!fs.existsSync(go) && Date.now() < until) Atomics.wait(sleep, 0, 0, 5); ` +
    `while ((n = fs.readSync(fd, b)) > 0) fs.writeSync(o, b, 0, n);`;
  const child = spawn(process.execPath, ['-e', script, pipe, out, paused, go, String(firstBytes)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { child, out, paused, go };
}

/** The note of a writer that opened the pipe before its reader did (either may come first). */
const WAITING = /^lrmp: waiting for a reader of the named pipe .*\n/;
const INCOMPLETE = /lrmp: the trace (.+) is incomplete: the run stopped after ([\d,]+) of its rows were written \(it ends at a whole row\)\./;

describe('a trace stopped while its reader reads', () => {
  test('an aborted TraceWriter finishes the row its reader has part of, drops the rest, and says how many rows it has', async () => {
    const pipe = fifo('abort.pipe');
    // The reader stops 1,000 bytes in, inside the long row (far more than the pipe's 64 KiB): the row is half written
    // and the writer is stuck on it until the reader reads on. It does so once told (the 'go' file), which is just
    // before the abort: the abort then blocks this thread while it writes the rest of the row (DirectWritable.finishLine).
    const reader = gatedReader(pipe, 'abort', 1_000);
    const r = watch(reader.child);
    const notes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      notes.push(chunk.toString());
      return true;
    });
    try {
      const trace = new TraceWriter(pipe);
      const row = (detail: string): TraceRow => ['job', 'conv1', 0, 0, 0, 0, 10, '', 0, detail];
      trace.write(row('a'));
      trace.write(row('b'));
      trace.write(row('x'.repeat(300_000)));
      trace.write(row('after'));
      expect(await until(() => fs.existsSync(reader.paused), 10_000)).toBe(true);
      const before = fs.readFileSync(reader.out, 'utf8');
      expect([before.length, before.split('\n').length, before.endsWith('x')]).toEqual([1_000, 4, true]); // in the long row
      fs.writeFileSync(reader.go, '');
      await trace.close(true);
    } finally {
      spy.mockRestore();
    }
    expect(await within(r.ended, 5_000)).toEqual({ code: 0, signal: null });
    const got = fs.readFileSync(reader.out, 'utf8');
    expect(got.endsWith('\n')).toBe(true); // was cut within the long row
    const lines = got.slice(0, -1).split('\n');
    expect(lines[0]).toBe(TRACE_COLUMNS.join(','));
    expect(lines.slice(1).map((l) => l.split(',')[9]?.length)).toEqual([1, 1, 300_000]);
    expect(notes.filter((n) => !n.includes('waiting for a reader')).join('')).toBe(`lrmp: the trace ${pipe} is incomplete: the run stopped after 3 of its rows were written (it ends at a whole row).\n`);
  }, 20_000);

  test('lrmp simulate --trace into a pipe, ended by SIGTERM: exit 143, whole rows, and the count on stderr', async () => {
    const pipe = fifo('term.pipe');
    const sim = spawn(process.execPath, [CLI, 'simulate', '--network', 'resnet20', '--images', '100000', '--trace', pipe], { stdio: ['ignore', 'pipe', 'pipe'] });
    const s = watch(sim);
    const reader = spawn('cat', [pipe], { stdio: ['ignore', 'pipe', 'ignore'] });
    const r = watch(reader);
    expect(await until(() => r.out().length > 200_000, 20_000)).toBe(true);
    sim.kill('SIGTERM');
    expect(await within(s.ended, 10_000)).toEqual({ code: 143, signal: null }); // was killed by the signal, no word
    expect(await within(r.ended, 10_000)).toEqual({ code: 0, signal: null });
    const got = r.out();
    expect(got.endsWith('\n')).toBe(true);
    const rows = got.split('\n').length - 2; // less the header and the empty string after the last newline
    const note = /lrmp: the trace (.+) is incomplete: the run stopped after ([\d,]+) of its rows were written \(it ends at a whole row\)\./.exec(s.err());
    expect(note?.[1]).toBe(pipe);
    expect(Number(note?.[2]?.replace(/,/g, ''))).toBe(rows);
    expect(rows).toBeGreaterThan(1000);
  }, 60_000);

  test('without --images (the last run spooled, then copied in), SIGTERM during the copy: exit 143, whole lines, the count on stderr', async () => {
    const pipe = fifo('copy.pipe');
    const sim = spawn(process.execPath, [CLI, 'simulate', '--network', 'lenet5-mnist', '--trace', pipe], { stdio: ['ignore', 'pipe', 'pipe'] });
    const s = watch(sim);
    // The trace (~78 KB) is more than the pipe holds: the copy waits for room while the reader pauses. 1.5 s: long
    // enough for a loaded jest to see the first bytes and signal while the reader still pauses, short enough that the
    // reader reads on within the handler's 2 s wait to finish the line.
    const r = watch(slowReader(pipe, 1500));
    expect(await until(() => r.out().length > 0, 30_000)).toBe(true);
    sim.kill('SIGTERM');
    expect(await within(s.ended, 10_000)).toEqual({ code: 143, signal: null });
    expect(await within(r.ended, 10_000)).toEqual({ code: 0, signal: null });
    const got = r.out();
    expect(got.endsWith('\n')).toBe(true);
    const lines = got.split('\n').length - 1;
    const note = /lrmp: (.+) is incomplete: stopped after ([\d,]+) of its lines were copied in \(it ends at a whole line\)\./.exec(s.err());
    expect(note?.[1]).toBe(pipe);
    expect(Number(note?.[2]?.replace(/,/g, ''))).toBe(lines);
    expect(got.length).toBeGreaterThan(65_536); // the pipe's capacity and then some: the copy was cut, then finished to a line
  }, 60_000);

  /**
   * A run that has finished: ~77 KB of rows, more than the pipe holds (64 KiB) and less than the pipe and the
   * streams' buffers hold, so the producer never waits for 'drain' and close() waits for the reader to read on. The
   * process is SIGTERMed in close(): its end, stderr, the reader's rows, and the rows stderr says it has.
   */
  async function termInClose(name: string, host: boolean): Promise<{ ended: unknown; err: string; rows: number; noted: number; file: string | undefined }> {
    const pipe = fifo(`${name}.pipe`);
    const script =
      `const { TraceWriter } = require(${JSON.stringify(path.join(path.dirname(CLI), '..', 'sim', 'trace.js'))}); ` +
      `(async () => { const trace = new TraceWriter(process.argv[1]); ` +
      // A library host's own handler, registered after lrmp's (so it runs second): it lets the process go on.
      `if (process.argv[2] === 'host') process.on('SIGTERM', () => process.stderr.write('host handler\\n')); ` +
      `for (let i = 0; i < 1400; i++) { trace.write(['job', 'conv1', 0, 0, i, 10 * i, 10 * i + 10, '', 0, 'x'.repeat(20)]); if (trace.backlogged) await trace.drain(); } ` +
      `process.stderr.write('closing\\n'); await trace.close(); process.stderr.write('closed\\n'); })().catch((e) => process.stderr.write('close: ' + e.message + '\\n'));`;
    const sim = spawn(process.execPath, ['-e', script, pipe, host ? 'host' : 'alone'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const s = watch(sim);
    const reader = gatedReader(pipe, name, 100);
    const r = watch(reader.child);
    expect(await until(() => fs.existsSync(reader.paused) && s.err().includes('closing\n'), 20_000)).toBe(true);
    sim.kill('SIGTERM'); // the run is in close(), its last rows waiting for the reader
    const ended = await within(s.ended, 10_000);
    fs.writeFileSync(reader.go, '');
    expect(await within(r.ended, 10_000)).toEqual({ code: 0, signal: null });
    const got = fs.readFileSync(reader.out, 'utf8');
    expect(got.endsWith('\n')).toBe(true);
    const note = INCOMPLETE.exec(s.err());
    return { ended, err: s.err(), rows: got.split('\n').length - 2, noted: Number(note?.[2]?.replace(/,/g, '')), file: note?.[1] };
  }

  test('SIGTERM while close() flushes the last rows into a paused reader: exit 143, whole rows, the count on stderr', async () => {
    const t = await termInClose('close', false);
    expect(t.ended).toEqual({ code: 143, signal: null }); // a library user without a handler: exits as the CLI does
    expect(t.err).not.toContain('closed');
    expect(t.file).toBe(path.join(dir, 'close.pipe'));
    expect(t.noted).toBe(t.rows);
    expect(t.rows).toBeGreaterThan(1000); // the pipe's 64 KiB and what the stream had written before the signal
    expect(t.rows).toBeLessThan(1400);
  }, 40_000);

  test('the same in a library host with its own SIGTERM handler: the trace is cut and noted the same, close() says why, the process goes on', async () => {
    const t = await termInClose('host', true);
    expect(t.ended).toEqual({ code: 0, signal: null });
    expect(t.err.replace(WAITING, '').replace(INCOMPLETE, 'NOTE')).toBe(`closing\nNOTE\nhost handler\nclose: ${path.join(dir, 'host.pipe')}: stopped by a signal: the trace is incomplete.\n`);
    expect(t.file).toBe(path.join(dir, 'host.pipe'));
    expect(t.noted).toBe(t.rows);
    expect(t.rows).toBeGreaterThan(1000);
  }, 40_000);
  test('a copy into a pipe in a library host with its own SIGTERM handler: the line is finished and noted, then the copy stops and says why', async () => {
    const pipe = fifo('copy-host.pipe');
    const temp = path.join(dir, 'copy-host.txt');
    fs.writeFileSync(temp, Array.from({ length: 4000 }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(43)}\n`).join('')); // 204 KB
    // The host's handler is registered first, so it runs first: its line says the signal is being handled, and only
    // then does the reader read on (finishCopy, next, waits for room).
    const script =
      `const { copyInto } = require(${JSON.stringify(path.join(path.dirname(CLI), '..', 'direct-output.js'))}); ` +
      `process.on('SIGTERM', () => process.stderr.write('host handler\\n')); ` +
      `copyInto(process.argv[2], { path: process.argv[1] }, process.argv[1]).then(() => process.stderr.write('copied\\n'), (e) => process.stderr.write('copy: ' + e.message + '\\n'));`;
    const copier = spawn(process.execPath, ['-e', script, pipe, temp], { stdio: ['ignore', 'ignore', 'pipe'] });
    const c = watch(copier);
    const reader = gatedReader(pipe, 'copy-host', 100);
    const r = watch(reader.child);
    expect(await until(() => fs.existsSync(reader.paused), 20_000)).toBe(true);
    copier.kill('SIGTERM'); // the copy waits for room: the pipe is full, the reader paused
    expect(await until(() => c.err().includes('host handler'), 10_000)).toBe(true);
    fs.writeFileSync(reader.go, '');
    expect(await within(c.ended, 10_000)).toEqual({ code: 0, signal: null });
    expect(await within(r.ended, 10_000)).toEqual({ code: 0, signal: null });
    const got = fs.readFileSync(reader.out, 'utf8');
    const lines = got.split('\n').length - 1;
    expect(got.endsWith('\n')).toBe(true);
    expect(fs.readFileSync(temp, 'utf8').startsWith(got)).toBe(true); // nothing written twice after the hook
    expect(lines).toBeLessThan(4000);
    expect(c.err().replace(WAITING, '')).toBe(
      `host handler\nlrmp: ${pipe} is incomplete: stopped after ${lines.toLocaleString('en-US')} of its lines were copied in (it ends at a whole line).\n` +
        `copy: ${pipe}: stopped by a signal: the output is incomplete.\n`,
    );
  }, 40_000);
  test('in a library host with its own SIGTERM handler, a signal during the run: one note, and the run fails saying why', async () => {
    const pipe = fifo('run-host.pipe');
    // 5,000 rows (~280 KB) never fit in the pipe and the streams' buffers: with the reader paused the run waits in
    // drain() and never reaches close(). After the hook, drain() throws and the run aborts as simulate() does.
    const script =
      `const { TraceWriter } = require(${JSON.stringify(path.join(path.dirname(CLI), '..', 'sim', 'trace.js'))}); (async () => { ` +
      `const trace = new TraceWriter(process.argv[1]); process.on('SIGTERM', () => process.stderr.write('host handler\\n')); ` +
      `try { for (let i = 0; i < 5000; i++) { trace.write(['job', 'conv1', 0, 0, i, 10 * i, 10 * i + 10, '', 0, 'x'.repeat(20)]); if (trace.backlogged) await trace.drain(); } } ` +
      `catch (e) { await trace.close(true); throw e; } await trace.close(); process.stderr.write('closed\\n'); })().catch((e) => process.stderr.write('run: ' + e.message + '\\n'));`;
    const sim = spawn(process.execPath, ['-e', script, pipe], { stdio: ['ignore', 'ignore', 'pipe'] });
    const s = watch(sim);
    const reader = gatedReader(pipe, 'run-host', 100);
    const r = watch(reader.child);
    expect(await until(() => fs.existsSync(reader.paused), 20_000)).toBe(true);
    sim.kill('SIGTERM');
    expect(await within(s.ended, 10_000)).toEqual({ code: 0, signal: null });
    fs.writeFileSync(reader.go, '');
    expect(await within(r.ended, 10_000)).toEqual({ code: 0, signal: null });
    const got = fs.readFileSync(reader.out, 'utf8');
    const rows = got.split('\n').length - 2;
    expect(got.endsWith('\n')).toBe(true);
    expect(s.err().replace(WAITING, '').replace(INCOMPLETE, 'NOTE')).toBe(`NOTE\nhost handler\nrun: ${pipe}: stopped by a signal: the trace is incomplete.\n`);
    expect(Number(INCOMPLETE.exec(s.err())?.[2]?.replace(/,/g, ''))).toBe(rows);
  }, 40_000);
});
