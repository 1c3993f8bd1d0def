/**
 * `lrmp worker --queue redis://...`: takes jobs from the study queue and runs them on a pool of threads (the
 * same evaluation as a local sweep), as many at once as it has cores unless told otherwise. The job's payload is
 * untrusted: checked before anything runs. A job made by another lrmp version is refused, not run: it goes back
 * to the queue for a worker of that version, and the refusal is left where the study's collector shows it.
 * BullMQ keeps a lock on every running job; a worker that dies stops renewing it, and the stalled-job check of
 * the other workers puts the job back (after `maxStalls` deaths the job fails and its row says so).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Piscina } from 'piscina';
import { isLrmpError } from '../../errors';
import { LIMITS, checkNumber } from '../../limits';
import { distRoot } from '../sweep/run-points';
import { errorText } from '../sweep/point';
import { JOB_KINDS, QUEUE_NAME, lrmpVersion, refusalKey, type JobKind } from './jobs';
import { bullConnection, connectRedis } from './redis';
import { validateSweepPointJob } from './validate-job';
import { validateReproduceJob } from './reproduce-job';
import { parseQueueUrl } from './url';
import type { ThreadJob } from './run-job';

export interface WorkerArgs {
  queue: string;
  /** Jobs at once (threads). @default the CPU count */
  concurrency?: number | undefined;
  /** Seconds a job's lock lives without renewal, and how often dead workers' jobs are looked for. @default 30 */
  stalledCheckS?: number | undefined;
  /** Deaths of the worker running a job before the job fails. @default 2 */
  maxStalls?: number | undefined;
  /** Seconds before a refused job (another lrmp build, an accuracy command) is offered again. @default 10 */
  refusalDelayS?: number | undefined;
  /** Run the shell command of jobs that carry one (sweep --optimize --accuracy-cmd). @default false: refused */
  allowAccuracyCmd?: boolean | undefined;
  /** Stops the worker (after its running jobs finish). */
  signal?: AbortSignal | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface WorkerSummary {
  completed: number;
  failed: number;
  refused: number;
}

/** The compiled thread module. @throws Error when dist/ has not been built */
export function queueWorkerFile(root = distRoot()): string {
  const file = path.join(root, 'scripts', 'workers', 'queue-job.js');
  if (!fs.existsSync(file)) throw new Error(`queue worker ${file} is missing: build with 'npx tsc -p .' first.`);
  return file;
}

/** Checks a job before anything of it runs; a bad job is unrecoverable (trying it again cannot help). */
function checkJob(job: Job): ThreadJob & { accuracyCmd?: string | undefined } {
  const source = `queue job ${job.id ?? '(no id)'}`;
  if (!(JOB_KINDS as readonly string[]).includes(job.name)) {
    throw new UnrecoverableError(`${source}: unknown job kind '${String(job.name).slice(0, 60)}'; this worker runs ${JOB_KINDS.join(', ')}`);
  }
  let accuracyCmd: string | undefined;
  try {
    const kind = job.name as JobKind;
    if (kind === 'sweep-point') accuracyCmd = validateSweepPointJob(job.data, source).optimize.accuracyCmd;
    else validateReproduceJob(job.data, source);
  } catch (error) {
    if (isLrmpError(error)) throw new UnrecoverableError(`rejected by the worker: ${error.message}`);
    throw error;
  }
  return { id: String(job.id), kind: job.name, data: job.data, accuracyCmd };
}

/** The lrmp version a job was made by, if it says. */
function jobVersion(job: Job): string | undefined {
  const data: unknown = job.data;
  if (typeof data !== 'object' || data === null || !('lrmpVersion' in data)) return undefined;
  return typeof data.lrmpVersion === 'string' ? data.lrmpVersion.slice(0, 100) : undefined;
}

/** Runs until `signal` aborts; resolves after the running jobs have finished and the pool is destroyed. */
export async function runWorker(args: WorkerArgs): Promise<WorkerSummary> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const url = parseQueueUrl(args.queue);
  const concurrency = checkNumber(args.concurrency ?? os.availableParallelism(), LIMITS.concurrency, '--concurrency', 'concurrency');
  const stalledMs = checkNumber(args.stalledCheckS ?? 30, LIMITS.stalledCheckS, '--stalled-check-s', 'stalled-check-s') * 1000;
  const maxStalls = checkNumber(args.maxStalls ?? 2, LIMITS.maxStalls, '--max-stalls', 'max-stalls');
  const refusalMs = checkNumber(args.refusalDelayS ?? 10, LIMITS.refusalDelayS, '--refusal-delay-s', 'refusal-delay-s') * 1000;
  const version = lrmpVersion();
  const name = `${os.hostname()} pid ${process.pid}`;
  const redis = await connectRedis(url);
  const pool = new Piscina({ filename: queueWorkerFile(), minThreads: concurrency, maxThreads: concurrency, idleTimeout: 60_000 });
  const summary: WorkerSummary = { completed: 0, failed: 0, refused: 0 };
  const told = new Set<string>();
  let active = 0;

  /** Puts the job back for another worker and leaves the reason where the study's collector shows it. */
  const refuse = async (job: Job, token: string | undefined, key: string, reason: string, logLine: string): Promise<never> => {
    summary.refused++;
    if (!told.has(key)) log(logLine);
    told.add(key);
    await redis.set(key, reason, 'EX', 600).catch(() => undefined);
    await job.moveToDelayed(Date.now() + refusalMs, token);
    throw new DelayedError();
  };

  const processor = async (job: Job, token?: string): Promise<unknown> => {
    const made = jobVersion(job);
    if (made !== undefined && made !== version) {
      return refuse(
        job,
        token,
        refusalKey(made, 'version'),
        `worker ${name} runs lrmp ${version} and refused the study's jobs, made by lrmp ${made}: a result must come from the build that was asked for ` +
          "(after '+' is a hash of the compiled code and pinned dependencies); run the workers from the submitter's checkout, built with 'npx tsc -p .'",
        `lrmp worker: refusing jobs of lrmp ${made} (this is lrmp ${version}); they go back to the queue`,
      );
    }
    const checked = checkJob(job);
    if (checked.accuracyCmd !== undefined && args.allowAccuracyCmd !== true) {
      return refuse(
        job,
        token,
        refusalKey(version, 'accuracy-cmd'),
        `worker ${name} refused this study's jobs that run the shell command '${checked.accuracyCmd.slice(0, 200)}' (--accuracy-cmd): this worker was not started with --allow-accuracy-cmd; ` +
          'start workers that may run it with: lrmp worker --allow-accuracy-cmd --queue ...',
        'lrmp worker: refusing jobs that carry an accuracy command (start with --allow-accuracy-cmd to run them); they go back to the queue',
      );
    }
    const started = performance.now();
    active++;
    try {
      const result: unknown = await pool.run(checked);
      log(`lrmp worker: ${checked.kind} ${checked.id} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (error) {
      // The thread died (out of memory, a crash) or the code threw outside the point's own error handling.
      throw new Error(`worker ${name}: ${errorText(error)}`);
    } finally {
      active--;
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: bullConnection(url),
    concurrency,
    name,
    lockDuration: stalledMs,
    stalledInterval: stalledMs,
    maxStalledCount: maxStalls,
    autorun: false,
  });
  worker.on('completed', () => summary.completed++);
  worker.on('failed', (job, error) => {
    if (error instanceof DelayedError || error.name === 'DelayedError') return;
    summary.failed++;
    log(`lrmp worker: ${job?.name ?? 'job'} ${job?.id ?? ''} failed: ${error.message.split('\n')[0] ?? ''}`);
  });
  let lastError = '';
  worker.on('error', (error) => {
    if (error.message !== lastError) log(`lrmp worker: ${error.message.replace(/:[^:@/]*@/, ':***@')} (retrying)`);
    lastError = error.message;
  });
  const cmd = args.allowAccuracyCmd === true ? ', runs accuracy commands' : '';
  log(`lrmp worker: ${name}, lrmp ${version}, ${concurrency} at once, on ${url.display} (stalled check every ${stalledMs / 1000} s${cmd})`);
  const stopped = new Promise<void>((resolve) => {
    if (args.signal === undefined) return;
    if (args.signal.aborted) resolve();
    else args.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const running = worker.run();
  try {
    await Promise.race([stopped, running]);
  } finally {
    // close() lets the running jobs finish. After a Redis restart it can wait on its blocking connection
    // forever (BullMQ 6.7), so once no job of ours runs it gets a few seconds, then the connections are dropped.
    const closing = worker.close().then(() => running.catch(() => undefined));
    for (let idleMs = 0; idleMs < 3000; idleMs = active > 0 ? 0 : idleMs + 100) {
      if (await Promise.race([closing.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))])) break;
    }
    void worker.disconnect().catch(() => undefined);
    await pool.destroy();
    redis.disconnect();
  }
  log(`lrmp worker: stopped (${summary.completed} jobs done, ${summary.failed} failed, ${summary.refused} refused)`);
  return summary;
}
