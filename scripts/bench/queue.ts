/**
 * The queue's figures, against a private redis-server and real `lrmp worker` processes:
 * - queue_overhead_ms_per_point: cheap analyze points through Redis minus the same points on the local pool
 *   (same number of workers, same run), per point;
 * - sweep_speedup_2_workers: optimize points on two worker processes against one.
 * Workers are started (and ready, and warmed by a study of their own for the optimize points) before a study is
 * timed; each timed study uses a fresh database.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { sweepCommand, type SweepArgs } from '../commands/sweep';
import { LocalRedis, findRedisServer, REDIS_INSTALL_HINT } from '../queue/local-redis';
import { distRoot } from '../sweep/run-points';
import { median } from './measure';

interface Worker {
  child: ChildProcess;
  exited: Promise<void>;
}

async function startWorkers(url: string, count: number): Promise<Worker[]> {
  const cli = path.join(distRoot(), 'scripts', 'cli.js');
  return Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, [cli, 'worker', '--queue', url, '--concurrency', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      // Ready once it has said where it listens.
      return new Promise<Worker>((resolve, reject) => {
        let text = '';
        child.stderr?.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes(' at once, on ')) resolve({ child, exited });
        });
        child.on('exit', (code) => reject(new Error(`lrmp worker exited (${code}): ${text}`)));
      });
    }),
  );
}

async function stopWorkers(workers: readonly Worker[]): Promise<void> {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

async function timedSweep(args: SweepArgs): Promise<number> {
  const start = performance.now();
  await sweepCommand(args);
  return performance.now() - start;
}

export interface QueueFigures {
  overheadMsPerPoint: number;
  speedup2Workers: number;
}

/** The two figures, or undefined (with a notice on stderr) when redis-server is not installed. */
export async function benchQueue(): Promise<QueueFigures | undefined> {
  if (findRedisServer() === undefined) {
    process.stderr.write(`queue benchmarks skipped (queue_overhead_ms_per_point, sweep_speedup_2_workers): redis-server not found; ${REDIS_INSTALL_HINT}\n`);
    return undefined;
  }
  const server = await LocalRedis.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-bench-queue-'));
  let db = 0;
  const out = (): string => path.join(dir, `s${db}-${Math.random().toString(36).slice(2)}.csv`);
  try {
    // Cheap points: 24 analytical evaluations of ResNet-18.
    const cheap: SweepArgs = { network: 'resnet18', arch: 'puma', vary: ['crossbar.rows=64,128,256', 'adc.bits=5,6,7,8', 'noc.flitBits=32,64'], out: '' };
    const points = 24;
    const overheads: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const local = await timedSweep({ ...cheap, out: out(), workers: 2 });
      const url = server.url(++db);
      const workers = await startWorkers(url, 2);
      try {
        overheads.push((await timedSweep({ ...cheap, out: out(), queue: url })) - local);
      } finally {
        await stopWorkers(workers);
      }
      overheads[overheads.length - 1] = (overheads[overheads.length - 1] ?? 0) / points;
    }
    // Optimize points (a few seconds each): one worker process against two.
    const heavy: SweepArgs = { network: 'lenet5-mnist', arch: 'puma', vary: ['crossbar.rows=64,128', 'adc.bits=6,8'], optimize: true, episodes: 5, out: '' };
    const wall = async (count: number): Promise<number> => {
      const url = server.url(++db);
      const workers = await startWorkers(url, count);
      try {
        // A worker's first optimize point pays its thread's warm-up (several seconds on a loaded machine): a
        // study of other points (seed 2) first, so the timed one compares warm workers.
        await sweepCommand({ ...heavy, seed: 2, vary: ['crossbar.rows=64,128'], out: out(), queue: url });
        return await timedSweep({ ...heavy, out: out(), queue: url });
      } finally {
        await stopWorkers(workers);
      }
    };
    // Alternated and repeated: the machine is shared, its load drifts during the run.
    const ones: number[] = [];
    const twos: number[] = [];
    for (let rep = 0; rep < 2; rep++) {
      ones.push(await wall(1));
      twos.push(await wall(2));
    }
    return { overheadMsPerPoint: median(overheads), speedup2Workers: median(ones) / median(twos) };
  } finally {
    await server.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
