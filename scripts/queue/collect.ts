/**
 * The submitting side of a queued study: adds the study's jobs (ids are content hashes, so jobs already there,
 * running or finished, are not added twice), then hands each job's end to `onFinished` as it happens. Finished
 * results stay in Redis (for RETAIN_S), so a collector that was killed collects them when it is started again.
 * BullMQ's events wake the collector; a full check of the pending jobs every few seconds covers anything missed
 * (events emitted while no collector listened, a Redis restart).
 */
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExternalToolError } from '../../errors';
import { QUEUE_NAME, lrmpVersion, refusalKey, type JobKind } from './jobs';
import type { StudyLock } from './redis';
import { bullConnection } from './redis';
import type { QueueUrl } from './url';

/** Finished jobs (results and failures) are kept this long for collectors and for re-submissions. */
export const RETAIN_S = 7 * 24 * 3600;

export interface QueuedJob {
  id: string;
  kind: JobKind;
  data: object;
}

export type Finished = { ok: true; value: unknown } | { ok: false; reason: string };

export interface CollectOptions {
  /** Tries per job before it becomes a failure (a thrown error or a thread crash counts one). */
  attempts: number;
  /** Wait before a failed attempt is tried again. @default 1000 */
  backoffMs?: number | undefined;
  /** Jobs of this study already failed in Redis are tried again (their attempts start over). */
  retryFailed?: boolean | undefined;
  /** Full check of every pending job at least this often. @default 2000 */
  pollMs?: number | undefined;
  lock: StudyLock;
  /** For the workers' refusal notices. */
  redis: Redis;
  log: (line: string) => void;
  signal?: AbortSignal | undefined;
}

/** A failed job's reason as one line, with how it failed. */
export function failureText(job: Pick<Job, 'failedReason' | 'attemptsMade' | 'stalledCounter'>): string {
  const reason = (job.failedReason ?? 'no reason recorded').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' | ');
  if (/stalled more than allowable limit/.test(reason)) {
    return `queue: the worker running this point died ${job.stalledCounter} times (killed or out of memory); given up after that (${reason})`;
  }
  return `queue: failed ${job.attemptsMade} time${job.attemptsMade === 1 ? '' : 's'}: ${reason}`;
}

export async function submitAndCollect(url: QueueUrl, jobs: readonly QueuedJob[], onFinished: (id: string, f: Finished) => void, opts: CollectOptions): Promise<void> {
  if (jobs.length === 0) return;
  const connection = bullConnection(url);
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  // Without listeners BullMQ prints each dropped connection's error with console.error (every reconnect, and from
  // anything else sharing the process, e.g. a test's captured stderr). ioredis reconnects by itself; say it once.
  let lastDrop = '';
  let closing = false; // a close cuts commands in flight ('Connection is closed'): not a drop worth a line
  const onDrop = (error: Error): void => {
    if (closing || error.message === lastDrop) return;
    lastDrop = error.message;
    opts.log(`queue: lost the connection to Redis at ${url.display} (${error.message.replace(/:[^:@/]*@/, ':***@')}); waiting for it to come back`);
  };
  queue.on('error', onDrop);
  events.on('error', onDrop);
  const pending = new Map(jobs.map((j) => [j.id, j]));
  const woken = new Set<string>();
  let wake: (() => void) | undefined;
  const onEvent = ({ jobId }: { jobId: string }): void => {
    if (!pending.has(jobId)) return;
    woken.add(jobId);
    wake?.();
  };
  events.on('completed', onEvent);
  events.on('failed', onEvent);
  const onAbort = (): void => wake?.();
  opts.signal?.addEventListener('abort', onAbort);
  const refusals = new Set<string>();
  const aborted = (): boolean => opts.signal?.aborted === true;
  try {
    await events.waitUntilReady();
    const jobOpts = {
      attempts: opts.attempts,
      backoff: { type: 'fixed', delay: opts.backoffMs ?? 1000 },
      removeOnComplete: { age: RETAIN_S },
      removeOnFail: { age: RETAIN_S },
    };
    const add = (list: readonly QueuedJob[]) => queue.addBulk(list.map((j) => ({ name: j.kind, data: j.data, opts: { ...jobOpts, jobId: j.id } })));
    for (let i = 0; i < jobs.length; i += 500) await add(jobs.slice(i, i + 500));

    const check = async (id: string, first: boolean): Promise<void> => {
      const spec = pending.get(id);
      if (spec === undefined) return;
      // The state first: once completed or failed, the job's result is in place (read before, it may not be).
      const state = await queue.getJobState(id);
      const job = state === 'unknown' ? undefined : ((await queue.getJob(id)) as Job | undefined);
      if (job === undefined) {
        await add([spec]); // removed meanwhile (by age, or by hand): submitted again
        return;
      }
      if (state === 'completed') {
        pending.delete(id);
        onFinished(id, { ok: true, value: job.returnvalue });
      } else if (state === 'failed') {
        if (first && opts.retryFailed === true) {
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          return;
        }
        pending.delete(id);
        onFinished(id, { ok: false, reason: failureText(job) });
      }
    };
    const refusalKeys = [refusalKey(lrmpVersion(), 'version'), refusalKey(lrmpVersion(), 'accuracy-cmd')];
    let first = true;
    let lastFull = -Infinity;
    while (pending.size > 0 && !aborted()) {
      if (!opts.lock.held()) {
        throw new ExternalToolError('this collector lost its study lock (Redis was away longer than the lock lives, or another collector took over); rows written so far are kept: run again with --resume');
      }
      const full = performance.now() - lastFull >= (opts.pollMs ?? 2000);
      const ids = full ? [...pending.keys()] : [...woken].filter((id) => pending.has(id));
      woken.clear();
      if (full) lastFull = performance.now();
      for (let i = 0; i < ids.length && !aborted(); i += 200) {
        await Promise.all(ids.slice(i, i + 200).map((id) => check(id, first)));
      }
      first = false;
      if (full) {
        for (const refused of await opts.redis.mget(refusalKeys)) {
          if (refused === null || refusals.has(refused)) continue;
          refusals.add(refused);
          opts.log(`queue: ${refused}`);
        }
      }
      if (pending.size === 0 || aborted()) break;
      if (woken.size === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(10, (opts.pollMs ?? 2000) - (performance.now() - lastFull)));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    // Both, even when one fails: a connection left open would retry forever.
    closing = true;
    await Promise.allSettled([events.close(), queue.close()]);
  }
}
