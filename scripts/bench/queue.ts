/**
 * The queue's figures, against a private redis-server and real `lrmp worker` processes:
 * - queue_overhead_ms_per_point: cheap analyze points through Redis minus the same points on the local pool
 *   (same number of workers, same run), per point;
 * - sweep_speedup_2_workers: optimize points on two worker processes against one (warm workers, 8 points);
 * - parallel_ceiling_2_procs: two busy-loop processes against one in the same run (what the machine allows now);
 * - sweep_cpu_2_workers_over_1: the CPU time the two workers spend on those points over the one worker's (load
 *   does not move it: 1 means that splitting a study across workers adds no work).
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

/**
 * CPU time (user + system) the worker processes have used so far, in ms, from /proc (Linux; USER_HZ is 100 there);
 * NaN elsewhere. Unlike wall time it does not depend on what else the machine runs.
 */
function cpuMs(workers: readonly Worker[]): number {
  let ticks = 0;
  for (const w of workers) {
    try {
      const fields = fs.readFileSync(`/proc/${w.child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return NaN;
    }
  }
  return ticks * 10;
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
  /** Work done per second by two busy processes over one, between the speedup's timed studies (its ceiling now). */
  parallelCeiling2Procs: number;
  /** CPU time of the two workers over that of the one, on the same points (1 when splitting the study costs nothing). */
  cpu2WorkersOver1: number;
}

/** Wall time of `count` processes each running the same fixed CPU loop at once. */
async function busyWallMs(count: number): Promise<number> {
  const loop = 'let x = 0; for (let i = 0; i < 3e8; i++) x = (x + i * 7) % 1000003; if (x < 0) console.log(x);';
  const start = performance.now();
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve) => spawn(process.execPath, ['-e', loop], { stdio: 'ignore' }).on('exit', () => resolve()))));
  return performance.now() - start;
}


/** Extra wall time per point of 24 analytical points through Redis and two workers over the local pool of two threads. */
async function overheadMsPerPoint(nextUrl: () => string, out: () => string): Promise<number> {
  const cheap: SweepArgs = { network: 'resnet18', arch: 'puma', vary: ['crossbar.rows=64,128,256', 'adc.bits=5,6,7,8', 'noc.flitBits=32,64'], out: '' };
  const points = 24;
  const overheads: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const local = await timedSweep({ ...cheap, out: out(), workers: 2 });
    const url = nextUrl();
    const workers = await startWorkers(url, 2);
    try {
      overheads.push(((await timedSweep({ ...cheap, out: out(), queue: url })) - local) / points);
    } finally {
      await stopWorkers(workers);
    }
  }
  return median(overheads);
}

/**
 * Optimize points (about a second of CPU each once warm) on one worker process against two. Each set of workers
 * lives through the whole measurement on a database of its own and is warmed first by three points per worker:
 * a worker thread's first optimize points cost several times a warm one (V8 tiering up the search, the MILP
 * solver's WebAssembly), and a one-point warm-up left the second worker cold, which is what made two workers read
 * slower than one (0.53x). Every timed study has its own seed, so no result is reused.
 */
async function speedupTwoWorkers(nextUrl: () => string, out: () => string): Promise<{ speedup: number; ceiling: number; cpuRatio: number }> {
  const heavy: SweepArgs = { network: 'resnet18', arch: 'puma', vary: ['crossbar.rows=64,128', 'adc.bits=5,6,7,8'], optimize: true, episodes: 20, out: '' };
  const urlOne = nextUrl();
  const urlTwo = nextUrl();
  const one = await startWorkers(urlOne, 1);
  const two = await startWorkers(urlTwo, 2);
  try {
    const warm = ['crossbar.rows=64,128,256'];
    await Promise.all([
      sweepCommand({ ...heavy, seed: 100, vary: warm, out: out(), queue: urlOne }),
      sweepCommand({ ...heavy, seed: 100, vary: [...warm, 'adc.bits=6,8'], out: out(), queue: urlTwo }),
    ]);
    // Alternated and repeated: the machine is shared, its load drifts during the run; the ceiling is measured
    // between the timed studies, so both see the same load.
    const ones: number[] = [];
    const twos: number[] = [];
    const ceilings: number[] = [];
    const cpuRatios: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const cpuOne = cpuMs(one);
      ones.push(await timedSweep({ ...heavy, seed: 200 + rep, out: out(), queue: urlOne }));
      const cpuOneMs = cpuMs(one) - cpuOne;
      ceilings.push((2 * (await busyWallMs(1))) / (await busyWallMs(2)));
      const cpuTwo = cpuMs(two);
      twos.push(await timedSweep({ ...heavy, seed: 200 + rep, out: out(), queue: urlTwo }));
      cpuRatios.push((cpuMs(two) - cpuTwo) / cpuOneMs);
    }
    return { speedup: median(ones) / median(twos), ceiling: median(ceilings), cpuRatio: median(cpuRatios) };
  } finally {
    await stopWorkers([...one, ...two]);
  }
}

/** The queue's figures, or undefined (with a notice on stderr) when redis-server is not installed. */
export async function benchQueue(): Promise<QueueFigures | undefined> {
  if (findRedisServer() === undefined) {
    process.stderr.write(`queue benchmarks skipped (queue_overhead_ms_per_point, sweep_speedup_2_workers): redis-server not found; ${REDIS_INSTALL_HINT}\n`);
    return undefined;
  }
  const server = await LocalRedis.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-bench-queue-'));
  let db = 0;
  const nextUrl = (): string => server.url(++db);
  const out = (): string => path.join(dir, `s${db}-${Math.random().toString(36).slice(2)}.csv`);
  try {
    const overhead = await overheadMsPerPoint(nextUrl, out);
    const { speedup, ceiling, cpuRatio } = await speedupTwoWorkers(nextUrl, out);
    return { overheadMsPerPoint: overhead, speedup2Workers: speedup, parallelCeiling2Procs: ceiling, cpu2WorkersOver1: cpuRatio };
  } finally {
    await server.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
