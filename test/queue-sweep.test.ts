import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sweepCommand, type SweepArgs } from '../scripts/commands/sweep';
import { reproduceCommand } from '../scripts/commands/reproduce';
import { loadArchFromArgs } from '../scripts/commands/inputs';
import { gridPoints, parseVary } from '../scripts/sweep/grid';
import { sweepPointJobs } from '../scripts/queue/sweep-queue';
import { QUEUE_NAME, lrmpVersion, refusalKey } from '../scripts/queue/jobs';
import { buildVersion, lrmpPackage } from '../scripts/queue/version';
import { LocalRedis } from '../scripts/queue/local-redis';
import { byIndex, describeWithRedis, readRows, startWorker, stopWorker, until, type WorkerProcess } from './helpers/queue';

const ANALYZE_VARY = ['crossbar.rows=64,128,256', 'adc.bits=5,6,7,8']; // 12 cheap points
const SIM_VARY = ['crossbar.rows=64,128', 'adc.bits=6,8']; // 4 points of about 0.5 s each (simulated)

describeWithRedis('lrmp sweep --queue (real redis-server, real worker processes)', () => {
  let server: LocalRedis;
  let dir: string;
  let db = 0;
  let url: string;
  let workers: WorkerProcess[] = [];
  let simReference: Array<Record<string, string>>;

  const sweepArgs = (out: string, vary: string[], extra: Partial<SweepArgs> = {}): SweepArgs => ({
    network: 'resnet18',
    arch: 'puma',
    vary,
    out,
    ...(vary === SIM_VARY ? { simulate: true } : {}),
    ...extra,
  });
  // A 3 s study lock: a killed collector's lock lapses soon, and a loaded machine's stalls of a second or more do
  // not take a live collector's lock away (1 s did, at load 25 on 2 cores).
  // Every in-process collector stops when its test ends, passed or not (one left running after a timeout kept its
  // Redis connections retrying into whatever test this jest worker ran next).
  let testEnd = new AbortController();
  const queued = (out: string, vary: string[], extra: Partial<SweepArgs> = {}): SweepArgs =>
    sweepArgs(out, vary, { queue: url, lockTtlMs: 3000, pollMs: 200, backoffMs: 100, signal: testEnd.signal, ...extra });
  const work = (extra: string[] = []): WorkerProcess => {
    const w = startWorker(url, extra);
    workers.push(w);
    return w;
  };
  const withQueue = async <T>(fn: (q: Queue, r: Redis) => Promise<T>): Promise<T> => {
    const q = new Queue(QUEUE_NAME, { connection: { url, maxRetriesPerRequest: null } });
    const r = new Redis(url);
    // A dropped connection is retried; without listeners BullMQ and ioredis print each error to stderr.
    q.on('error', () => undefined);
    r.on('error', () => undefined);
    try {
      return await fn(q, r);
    } finally {
      await q.close();
      r.disconnect();
    }
  };

  beforeAll(async () => {
    server = await LocalRedis.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-queue-'));
    await sweepCommand(sweepArgs(path.join(dir, 'sim-local.csv'), SIM_VARY, { workers: 0 }));
    simReference = byIndex(readRows(path.join(dir, 'sim-local.csv')));
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    url = server.url(++db); // a database of its own per test: no results shared between tests
    testEnd = new AbortController();
  });
  afterEach(async () => {
    testEnd.abort();
    await Promise.all(workers.map((w) => stopWorker(w)));
    workers = [];
  });

  test('a 12-point sweep over two worker processes gives the same rows as the local pool; submitting it again adds no job', async () => {
    const local = path.join(dir, 'local.csv');
    const remote = path.join(dir, 'remote.csv');
    await sweepCommand(sweepArgs(local, ANALYZE_VARY, { workers: 2 }));
    work();
    work();
    const summary = await sweepCommand(queued(remote, ANALYZE_VARY));
    expect(readRows(remote).filter((r) => r['error'] !== '').map((r) => r['error'])).toEqual([]);
    expect(summary).toMatchObject({ points: 12, written: 12, failed: 0 });
    const rows = byIndex(readRows(remote));
    expect(rows).toHaveLength(12);
    expect(rows).toEqual(byIndex(readRows(local)));
    // Job ids are content hashes: the same study again is served from Redis, no job added.
    const again = path.join(dir, 'again.csv');
    await sweepCommand(queued(again, ANALYZE_VARY));
    expect(byIndex(readRows(again))).toEqual(rows);
    expect(await withQueue((q) => q.getJobCounts('completed', 'waiting', 'active'))).toEqual({ completed: 12, waiting: 0, active: 0 });
  }, 60_000);

  test('a worker SIGKILLed mid-job: its job runs again on another worker and every row is written exactly once', async () => {
    const out = path.join(dir, 'killed.csv');
    const first = work();
    const collecting = sweepCommand(queued(out, SIM_VARY));
    await withQueue((q) => until(async () => (await q.getActiveCount()) > 0, 20_000, 'a job to start'));
    first.child.kill('SIGKILL');
    await first.exited;
    const second = work();
    const summary = await collecting;
    expect(summary).toMatchObject({ points: 4, written: 4, failed: 0 });
    const rows = byIndex(readRows(out));
    expect(rows.map((r) => r['point'])).toEqual(['0', '1', '2', '3']);
    expect(rows).toEqual(simReference);
    expect(second.log()).toMatch(/done in/);
  }, 60_000);

  test('a poison point (its worker dies every time it runs it) becomes an error row; the other point completes', async () => {
    const vary = ['crossbar.rows=64,128'];
    const args = queued(path.join(dir, 'poison.csv'), vary, { simulate: true, images: 2 });
    const base = loadArchFromArgs(args);
    const params = parseVary(vary, base);
    const jobs = sweepPointJobs(args, base, params, gridPoints(params), { mode: 'simulate', images: 2, optimize: { episodes: 40, seed: 1, accuracyBudgetPct: 1 } });
    const poison = jobs.get(1)?.id ?? '';
    let current = work(['--max-stalls', '1']);
    let kills = 0;
    let done = false;
    const collecting = sweepCommand(args).finally(() => (done = true));
    // The test plays the out-of-memory killer: whichever worker takes the poison point dies.
    await withQueue(async (q) => {
      while (!done) {
        // Only once the point runs in the current worker (a killed worker's job stays active until the stalled check).
        const job = (await q.getJobState(poison)) === 'active' ? await q.getJob(poison) : undefined;
        if (job?.processedBy === `${os.hostname()} pid ${current.child.pid}`) {
          current.child.kill('SIGKILL');
          await current.exited;
          kills++;
          current = work(['--max-stalls', '1']);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    await collecting;
    const rows = byIndex(readRows(args.out));
    expect(rows).toHaveLength(2);
    expect(kills).toBeGreaterThanOrEqual(2); // more when a loaded machine delays a lock renewal past its 1 s
    expect(rows[1]?.['error']).toMatch(/worker running this point died [2-9] times/);
    expect(rows[0]?.['error']).toBe('');
    expect(Number(rows[0]?.['sim_throughput_images_per_s'])).toBeGreaterThan(0);
  }, 180_000); // two or more worker processes started and killed: 60 s was not enough at load 22 on 2 cores

  test('a collector killed mid-study, Redis restarted, two collectors started again: nothing lost, nothing duplicated', async () => {
    const out = path.join(dir, 'collector.csv');
    const sweepJs = path.join(__dirname, '..', 'dist', 'scripts', 'commands', 'sweep.js');
    const { signal: _inThisProcess, ...args } = queued(out, SIM_VARY);
    const script = `require(${JSON.stringify(sweepJs)}).sweepCommand(${JSON.stringify(args)})`;
    const collector = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const collectorExited = new Promise<void>((resolve) => collector.on('exit', () => resolve()));
    work();
    await until(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').split('\n').length >= 3, 30_000, 'a first row');
    collector.kill('SIGKILL');
    await collectorExited;
    const before = readRows(out).length;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThan(4);
    // The worker goes on: the results wait in Redis, which survives a restart (append-only file, fsync always).
    await withQueue((q) => until(async () => (await q.getCompletedCount()) === 4, 30_000, 'the 4 jobs to complete'));
    await server.restart();
    const [a, b] = await Promise.all([sweepCommand(queued(out, SIM_VARY, { resume: true })), sweepCommand(queued(out, SIM_VARY, { resume: true }))]);
    expect(a.written + b.written).toBe(4 - before);
    const rows = readRows(out);
    expect(rows).toHaveLength(4);
    expect(byIndex(rows)).toEqual(simReference);
  }, 60_000);

  test('reproduce --queue: a job per network, the same results.csv as the local run', async () => {
    const settings = { networks: 'lenet5-mnist', episodes: 2, images: 1, log: () => undefined };
    const local = path.join(dir, 'reproduce-local');
    const remote = path.join(dir, 'reproduce-queue');
    await reproduceCommand({ ...settings, workers: 0, out: local });
    work();
    const summary = await reproduceCommand({ ...settings, out: remote, queue: url, lockTtlMs: 1000, pollMs: 200 });
    expect(new Set(summary.rows.map((r) => r.network))).toEqual(new Set(['lenet5-mnist']));
    expect(fs.readFileSync(path.join(remote, 'results.csv'), 'utf8')).toBe(fs.readFileSync(path.join(local, 'results.csv'), 'utf8'));
  }, 60_000);

  test('a worker rejects a malformed job; a worker of another build refuses the study with a clear reason, and it goes back to the queue', async () => {
    // Another build: this checkout's dist/ with one module changed (the package version stays 0.1.0).
    const other = path.join(dir, 'other-build');
    fs.mkdirSync(other);
    fs.copyFileSync(path.join(__dirname, '..', 'package.json'), path.join(other, 'package.json'));
    fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(other, 'node_modules'));
    fs.cpSync(path.join(__dirname, '..', 'dist'), path.join(other, 'dist'), { recursive: true, filter: (f) => !f.startsWith(path.join(__dirname, '..', 'dist', 'test')) });
    fs.appendFileSync(path.join(other, 'dist', 'errors.js'), '\n// another build\n');
    const otherVersion = buildVersion(path.join(other, 'dist'), lrmpPackage(other));
    expect(otherVersion).toMatch(/^0\.1\.0\+[0-9a-f]{12}$/);
    expect(otherVersion).not.toBe(lrmpVersion());
    work(['--refusal-delay-s', '1']);
    const stale = startWorker(url, ['--refusal-delay-s', '1'], path.join(other, 'dist', 'scripts', 'cli.js'));
    workers.push(stale);
    await withQueue(async (q) => {
      await q.add('sweep-point', { lrmpVersion: lrmpVersion(), network: { zoo: '../../etc/passwd' } }, { jobId: 'bad-1' });
      await until(async () => (await q.getJobState('bad-1')) === 'failed', 20_000, 'the malformed job to fail');
      expect((await q.getJob('bad-1'))?.failedReason).toMatch(/rejected by the worker: queue job bad-1: field '.*' is/);
    });
    await stopWorker(workers.shift() as WorkerProcess); // only the other build's worker is left
    const logged: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => logged.push(String(chunk)) > 0);
    const controller = new AbortController();
    const collecting = sweepCommand(queued(path.join(dir, 'refused.csv'), ['crossbar.rows=64'], { signal: controller.signal }));
    try {
      await until(() => logged.some((l) => l.includes('refused')), 30_000, "the collector to show the worker's refusal");
    } finally {
      controller.abort();
      await collecting.catch(() => undefined);
      write.mockRestore();
    }
    const notice = logged.find((l) => l.includes('refused')) ?? '';
    expect(notice).toContain(`runs lrmp ${otherVersion} and refused the study's jobs, made by lrmp ${lrmpVersion()}`);
    expect(notice).toMatch(/a result must come from the build that was asked for/);
    expect(stale.log()).toContain(`refusing jobs of lrmp ${lrmpVersion()} (this is lrmp ${otherVersion})`);
    await withQueue(async (q) => expect(await q.getJobCounts('completed', 'failed')).toEqual({ completed: 0, failed: 1 }));
  }, 60_000);

  test('sweep --optimize --accuracy-cmd: a worker without --allow-accuracy-cmd refuses the jobs (back to the queue); one with it runs them, rows as the local pool', async () => {
    const vary = ['crossbar.rows=64,128'];
    // A program nobody here wrote the numbers of: 90% plus one point per 8-bit weight layer (lenet5: 5 layers).
    const accuracyCmd = 'echo "{\\"accuracyPct\\": $(( 90 + $(grep -o "\\"wbits\\":8" | wc -l) ))}"';
    const settings = { network: 'lenet5-mnist', optimize: true, episodes: 2, accuracyCmd };
    const local = path.join(dir, 'cmd-local.csv');
    await sweepCommand({ ...sweepArgs(local, vary), ...settings, workers: 0 });
    const refusing = work(['--refusal-delay-s', '1']);
    const controller = new AbortController(); // a failed expectation must not leave the collector running
    const collecting = sweepCommand({ ...queued(path.join(dir, 'cmd-queue.csv'), vary), ...settings, signal: controller.signal });
    try {
      await withQueue(async (q, r) => {
        await until(async () => (await r.get(refusalKey(lrmpVersion(), 'accuracy-cmd'))) !== null, 30_000, 'the refusal');
        expect(await r.get(refusalKey(lrmpVersion(), 'accuracy-cmd'))).toMatch(/refused this study's jobs that run the shell command 'echo .*' \(--accuracy-cmd\): this worker was not started with --allow-accuracy-cmd/);
        expect(await q.getCompletedCount()).toBe(0);
      });
      expect(refusing.log()).toMatch(/refusing jobs that carry an accuracy command/);
      await stopWorker(refusing);
      const allowed = work(['--allow-accuracy-cmd']);
      const summary = await collecting;
      expect(summary).toMatchObject({ points: 2, written: 2, failed: 0 });
      expect(allowed.log()).toMatch(/runs accuracy commands/);
    } finally {
      controller.abort();
      await collecting.catch(() => undefined);
    }
    const rows = byIndex(readRows(path.join(dir, 'cmd-queue.csv')));
    expect(rows).toEqual(byIndex(readRows(local)));
    expect(rows.map((r) => r['accuracy_drop_pct'])).not.toContain('');
  }, 180_000); // each candidate runs the command (a shell, grep, wc): slow on a loaded machine
});
