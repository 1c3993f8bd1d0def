/** yargs options of the study queue: `--queue` and friends on the submitting commands, and `lrmp worker`. */
import type { Argv } from 'yargs';
import { option } from '../options';
import type { WorkerArgs } from '../queue/worker';

const URL_FORMAT = 'redis://[user:password@]host:port[/db] or rediss://... (TLS)';

/** --queue, --attempts, --retry-failed: run a study's points on `lrmp worker`s through Redis. */
export function withQueue<T>(y: Argv<T>) {
  return y.options({
    queue: option.text('queue', `run the points on lrmp workers through this Redis: ${URL_FORMAT}`),
    attempts: option.numeric('attempts', 'attempts', '--queue: tries per job before its row becomes an error', { default: 3 }),
    'retry-failed': { type: 'boolean', default: false, describe: '--queue: try again the jobs of this study that failed before' },
  });
}

export function withWorkerOptions<T>(y: Argv<T>) {
  return y.options({
    queue: option.text('queue', `the Redis of the study queue: ${URL_FORMAT}`, { demandOption: true }),
    concurrency: option.numeric('concurrency', 'concurrency', 'jobs at once, one thread each (default: the CPU count)', { alias: 'c' }),
    'stalled-check-s': option.numeric('stalled-check-s', 'stalledCheckS', "seconds before a dead worker's job runs again elsewhere", { default: 30 }),
    'max-stalls': option.numeric('max-stalls', 'maxStalls', 'worker deaths on one job before the job fails (its row then says so)', { default: 2 }),
    'refusal-delay-s': option.numeric('refusal-delay-s', 'refusalDelayS', 'seconds before a job this worker refused (another lrmp build, an accuracy command) is offered again', { default: 10 }),
    'allow-accuracy-cmd': { type: 'boolean', default: false, describe: "run the shell command of jobs from 'sweep --optimize --accuracy-cmd' (without it such jobs are refused: a job is untrusted input)" },
  });
}

/** Runs a worker until SIGINT/SIGTERM (a second signal exits at once). */
export async function workerCommand(args: Omit<WorkerArgs, 'signal' | 'log'>): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('lrmp worker: stopping after the running jobs (signal again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Loaded only here: bullmq and ioredis cost every other command ~0.5 s of start-up.
  const { runWorker } = await import('../queue/worker');
  await runWorker({ ...args, signal: controller.signal });
  process.exit(0); // nothing of this worker's runs any more; a connection BullMQ left open must not keep it alive
}
