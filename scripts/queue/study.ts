/**
 * A queued study as its submitting command sees it: connect, take the study's lock (one collector per study),
 * then submit the jobs and collect their ends. Shared by `sweep --queue` and `reproduce --queue`.
 */
import type { Redis } from 'ioredis';
import { LIMITS, checkNumber } from '../../limits';
import { networkToJson } from '../../workloads/json';
import type { Network } from '../../workloads/types';
import { submitAndCollect, type Finished, type QueuedJob } from './collect';
import { studyId, type JobKind, type PortableNetwork } from './jobs';
import { connectRedis, lockStudy, type StudyLock } from './redis';
import { parseQueueUrl, type QueueUrl } from './url';

/** Queue options shared by the submitting commands. */
export interface QueueArgs {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`: run on `lrmp worker`s through this Redis. */
  queue?: string | undefined;
  /** --queue: tries per job before its row becomes an error. @default 3 */
  attempts?: number | undefined;
  /** --queue: jobs of this study that failed before are tried again. @default false */
  retryFailed?: boolean | undefined;
  /** API only: lifetime of the collector's study lock. @default 5000 */
  lockTtlMs?: number | undefined;
  /** API only: full check of the pending jobs at least this often. @default 2000 */
  pollMs?: number | undefined;
  /** API only: wait before a failed attempt runs again. @default 1000 */
  backoffMs?: number | undefined;
}

/** A network by value for a job: zoo networks by name, files as their JSON layer graph (named as the user did). */
export function portableNetwork(spec: string, network: Network): PortableNetwork {
  const isZooName = !/[/\\.]/.test(spec);
  return isZooName ? { zoo: spec } : { json: networkToJson(network), label: spec };
}

export class QueuedStudy {
  private constructor(
    readonly url: QueueUrl,
    private readonly redis: Redis,
    private readonly lock: StudyLock,
    private readonly args: QueueArgs,
    private readonly log: (line: string) => void,
  ) {}

  /** Connects and takes the lock of the study made of `ids` (waits while another collector holds it). */
  static async open(args: QueueArgs & { queue: string }, kind: JobKind, ids: readonly string[], log: (line: string) => void, signal?: AbortSignal): Promise<QueuedStudy> {
    const url = parseQueueUrl(args.queue);
    checkNumber(args.attempts ?? 3, LIMITS.attempts, '--attempts', 'attempts');
    const redis = await connectRedis(url);
    try {
      const lock = await lockStudy(redis, studyId(kind, ids), { ttlMs: args.lockTtlMs ?? 5000, log, signal });
      return new QueuedStudy(url, redis, lock, args, log);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  }

  /** Submits `jobs` (those already in Redis are not added again) and reports each one's end as it comes. */
  async run(jobs: readonly QueuedJob[], onFinished: (id: string, f: Finished) => void, signal?: AbortSignal): Promise<void> {
    await submitAndCollect(this.url, jobs, onFinished, {
      attempts: this.args.attempts ?? 3,
      backoffMs: this.args.backoffMs,
      retryFailed: this.args.retryFailed,
      pollMs: this.args.pollMs,
      lock: this.lock,
      redis: this.redis,
      log: this.log,
      signal,
    });
  }

  async close(): Promise<void> {
    await this.lock.release();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
