/**
 * Outputs to named pipes and to stdout (direct-output.ts, io.ts): a pipe with no reader is waited for without
 * blocking the event loop (so SIGTERM still cleans up), a trace is streamed into a pipe (nothing spooled), and when
 * an output is stdout the command's report goes to stderr. Only FIFOs in a temp folder and pipes to this process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CLI } from './helpers/run-cli';
import { pipeKit, until } from './helpers/child-pipes';
import { TraceWriter, type TraceRow } from '../sim/trace';
import { OutputFileError } from '../errors';

const kit = pipeKit('lrmp-pipes-');
const { fifo, watch, track } = kit;
let dir: string;
beforeAll(() => {
  dir = kit.dir();
});

describe('a named pipe as an output', () => {
  test('with no reader the run waits without blocking: SIGTERM ends it and removes its temp files', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'term-'));
    const pipe = fifo(path.relative(dir, path.join(sub, 'r.pipe')));
    // The trace to a file installs the temp-file cleanup on SIGINT/SIGTERM; then the report waits for the pipe.
    const child = spawn(process.execPath, [CLI, 'simulate', '--network', 'lenet5-mnist', '--images', '2', '--trace', path.join(sub, 't.csv'), '--out', pipe], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = watch(child);
    try {
      expect(await until(() => run.err().includes('waiting for a reader'), 20_000)).toBe(true);
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([run.ended, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 5_000)))]);
      clearTimeout(timer);
      expect(ended).toEqual({ code: 143, signal: null }); // the cleanup handler ran (a blocked open never let it)
      expect(fs.readdirSync(sub).sort()).toEqual(['r.pipe', 't.csv']); // no temp file left
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  test('a history CSV waiting in the temp folder for its pipe is removed on SIGTERM too', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'hist-'));
    const pipe = fifo(path.relative(dir, path.join(sub, 'h.pipe')));
    const child = spawn(process.execPath, [CLI, 'optimize', '--network', 'resnet20', '--episodes', '2', '--no-confirm', '--history', pipe], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: sub }, // where the history is spooled before it is copied into the pipe
    });
    const run = watch(child);
    try {
      expect(await until(() => run.err().includes('waiting for a reader'), 40_000)).toBe(true);
      expect(fs.readdirSync(sub).filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
      child.kill('SIGTERM');
      expect(await run.ended).toEqual({ code: 143, signal: null });
      expect(fs.readdirSync(sub)).toEqual(['h.pipe']);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  test('a reader that comes later gets the whole output; a trace is streamed in, never spooled to the temp folder', async () => {
    const pipe = fifo('out.pipe');
    const analyze = spawn(process.execPath, [CLI, 'analyze', '--network', 'lenet5-mnist', '--format', 'csv', '--out', pipe], { stdio: ['ignore', 'pipe', 'pipe'] });
    const a = watch(analyze);
    await until(() => a.err().includes('waiting for a reader'), 20_000);
    const cat = spawnSync('cat', [pipe], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
    expect((await a.ended).code).toBe(0);
    expect(cat.stdout.split('\n')[0]).toMatch(/^layer,kind,/);
    expect(cat.stdout.split('\n').filter((l) => l.startsWith('conv1,')).length).toBe(1);

    // A temp folder that cannot be written: a spooled trace would fail, a streamed one does not need it.
    const notADir = path.join(dir, 'not-a-dir');
    fs.writeFileSync(notADir, '');
    const tracePipe = fifo('trace2.pipe');
    const sim = spawn(process.execPath, [CLI, 'simulate', '--network', 'lenet5-mnist', '--images', '2', '--trace', tracePipe, '--format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: notADir },
    });
    const s = watch(sim);
    track(sim);
    const reader = spawn('cat', [tracePipe], { stdio: ['ignore', 'pipe', 'ignore'] });
    const r = watch(reader);
    const simEnd = await s.ended;
    // cat ends by itself at the writer's EOF; killed only if the trace never opened the pipe (it would wait for ever).
    let timer: NodeJS.Timeout | undefined;
    const readerEnd = await Promise.race([r.ended, new Promise<'hung'>((res) => (timer = setTimeout(() => res('hung'), 10_000)))]);
    clearTimeout(timer);
    if (readerEnd === 'hung') reader.kill('SIGKILL');
    expect(readerEnd).toEqual({ code: 0, signal: null });
    expect(simEnd.code).toBe(0);
    const lines = r.out().trim().split('\n');
    expect(lines[0]).toBe('kind,layer,replica,image,row,start_cycle,end_cycle,stall_cause,stall_cycles,detail');
    expect(lines.length).toBeGreaterThan(100);
    expect(JSON.parse(s.out())).toHaveProperty('simulated'); // the report stayed on stdout (the trace is not stdout)
  }, 60_000);

  test('a trace without --images to a pipe: the settling runs are spooled, and the reader gets the last one alone', async () => {
    const pipe = fifo('trace3.pipe');
    const sim = spawn(process.execPath, [CLI, 'simulate', '--network', 'lenet5-mnist', '--trace', pipe, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(sim);
    const s = watch(sim);
    const cat = spawnSync('cat', [pipe], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
    const end = await s.ended;
    expect(end.code).toBe(0); // was exit 2, "--trace ... without --images"
    const report = JSON.parse(s.out()) as { images: number };
    const lines = cat.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('kind,'))).toHaveLength(1);
    expect(Math.max(...lines.slice(1).map((l) => Number(l.split(',')[3])))).toBe(report.images - 1);
  }, 30_000);
});

describe('stdout as the output keeps stdout for it alone', () => {
  test('sweep --out /dev/stdout into a pipe: the CSV alone on stdout, the summary on stderr', () => {
    const run = spawnSync(process.execPath, [CLI, 'sweep', '--network', 'lenet5-mnist', '--vary', 'crossbar.rows=64,128', '--workers', '0', '--out', '/dev/stdout'], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^point,network,arch,crossbar\.rows,/);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual(['0,lenet5-mnist,puma,64', '1,lenet5-mnist,puma,128']);
    expect(run.stderr).toContain('sweep: 2 of 2 points written to /dev/stdout');
    // Reading it back needs a file.
    const plots = spawnSync(process.execPath, [CLI, 'sweep', '--network', 'lenet5-mnist', '--vary', 'crossbar.rows=64', '--out', '/dev/stdout', '--plots', path.join(dir, 'plots')], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    expect(plots.status).toBe(2);
    expect(plots.stderr).toContain('read back (--resume, --plots)');
  });

  test('sweep --out /dev/stdout redirected to a file: the summary no longer overwrites the CSV header', () => {
    const file = path.join(dir, 'sweep.csv');
    const fd = fs.openSync(file, 'w');
    try {
      const run = spawnSync(process.execPath, [CLI, 'sweep', '--network', 'lenet5-mnist', '--vary', 'crossbar.rows=64,128', '--workers', '0', '--out', '/dev/stdout'], {
        timeout: 30_000,
      killSignal: 'SIGKILL',
        stdio: ['ignore', fd, 'pipe'],
      });
      expect(run.status).toBe(0);
    } finally {
      fs.closeSync(fd);
    }
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^point,network,arch,crossbar\.rows,throughput_images_per_s,/);
    expect(lines.length).toBe(3);
  });

  test("through a shell's real pipe (a FIFO on fd 1, not the test runner's socketpair): sweep --out /dev/stdout | cat", () => {
    const run = spawnSync('sh', ['-c', '"$NODE" "$LRMP" sweep --network lenet5-mnist --vary crossbar.rows=64,128 --workers 0 --out /dev/stdout | cat'], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, NODE: process.execPath, LRMP: CLI },
    });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^point,network,arch,crossbar\.rows,/);
    expect(lines).toHaveLength(3);
    expect(run.stderr).toContain('sweep: 2 of 2 points written to /dev/stdout');
  });

  test('simulate --trace /dev/stdout redirected to a file, without --images: the file gets the trace (was exit 2, "a device or pipe")', () => {
    const file = path.join(dir, 'trace-stdout.csv');
    const fd = fs.openSync(file, 'w');
    let run: ReturnType<typeof spawnSync>;
    try {
      run = spawnSync(process.execPath, [CLI, 'simulate', '--network', 'lenet5-mnist', '--trace', '/dev/stdout', '--format', 'json', '--out', path.join(dir, 'trace-stdout.json')], {
        timeout: 30_000,
        killSignal: 'SIGKILL',
        stdio: ['ignore', fd, 'pipe'],
      });
    } finally {
      fs.closeSync(fd);
    }
    expect(run.status).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('kind,'))).toHaveLength(1);
    expect(lines.length).toBeGreaterThan(100);
  });

  test('optimize --out /dev/stdout | ...: stdout is the JSON alone (the table goes to stderr)', () => {
    const run = spawnSync(process.execPath, [CLI, 'optimize', '--network', 'resnet20', '--episodes', '4', '--no-confirm', '--out', '/dev/stdout'], {
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveProperty('chosen');
    expect(run.stderr).toContain('baseline');
  }, 70_000);
});

describe('a trace whose output fails', () => {
  // A failed output never drains: waiting for 'drain' alone left nothing pending, and node exited 0 with no output
  // (`simulate --network resnet18 --images 64 --trace /dev/full`). A descriptor opened read-only stands in for the
  // failing device (writes fail with EBADF), so no real device is written.
  test('ends the wait for drain with an OutputFileError, and the rows after it are dropped', async () => {
    const file = path.join(dir, 'read-only.csv');
    fs.writeFileSync(file, '');
    const fd = fs.openSync(file, 'r');
    try {
      const trace = new TraceWriter(`/proc/self/fd/${fd}`);
      const row: TraceRow = ['job', 'conv1', 0, 0, 0, 0, 10, '', 0, ''];
      let error: unknown;
      try {
        for (let i = 0; i < 100_000; i++) {
          trace.write(row);
          if (i % 1000 === 999) await trace.drain();
        }
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OutputFileError);
      expect((error as Error).message).toMatch(/read-only\.csv|\/proc\/self\/fd\/\d+: cannot be written: EBADF/);
      await trace.close(true);
      expect(fs.readFileSync(file, 'utf8')).toBe('');
    } finally {
      fs.closeSync(fd);
    }
  }, 20_000);
});
