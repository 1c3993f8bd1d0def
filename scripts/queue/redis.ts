/**
 * Plain Redis connections (ioredis, the driver BullMQ uses) for lrmp's own keys: a first contact that fails
 * clearly when the server cannot be reached, and the collector's study lock.
 */
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ExternalToolError } from '../../errors';
import { KEY_PREFIX } from './jobs';
import type { QueueUrl } from './url';

/** BullMQ's connection options for a queue URL (workers need maxRetriesPerRequest null to block on Redis). */
export function bullConnection(url: QueueUrl): { url: string; maxRetriesPerRequest: null } {
  return { url: url.url, maxRetriesPerRequest: null };
}

/**
 * Connects and pings; a server that does not answer within `timeoutMs` is the user's ExternalToolError (the
 * URL without its password, and why). Later drops are retried by ioredis (a restarting Redis is waited for).
 */
export async function connectRedis(url: QueueUrl, timeoutMs = 5000): Promise<Redis> {
  const client = new Redis(url.url, { lazyConnect: true, maxRetriesPerRequest: null, connectTimeout: timeoutMs });
  let lastError = '';
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(lastError || `no answer in ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
  } catch (error) {
    client.disconnect();
    // The driver's own error (ECONNREFUSED, WRONGPASS, a TLS failure) says more than the rejected connect().
    const why = (lastError || (error instanceof Error ? error.message : String(error))).replace(/\.+$/, '');
    throw new ExternalToolError(`cannot reach Redis at ${url.display}: ${why.replace(/:[^:@/]*@/, ':***@')}. Start a Redis server there (e.g. redis-server --appendonly yes) or fix --queue.`);
  }
  return client;
}

/** Atomically extends the lock only if it is still ours. */
const REFRESH = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface StudyLock {
  /** False once the lock was lost (Redis down longer than its lifetime, or taken over): stop writing. */
  held(): boolean;
  release(): Promise<void>;
}

/**
 * One collector per study: a key with a short lifetime, refreshed while the collector lives, so two collectors
 * never write the same rows and a killed collector's lock lapses by itself. Waits while another holds it.
 */
export async function lockStudy(client: Redis, study: string, opts: { ttlMs: number; log: (line: string) => void; signal?: AbortSignal | undefined }): Promise<StudyLock> {
  const key = `${KEY_PREFIX}:study:${study}:collector`;
  const token = `${os.hostname()} pid ${process.pid} ${randomBytes(6).toString('hex')}`;
  let told = false;
  for (;;) {
    if (opts.signal?.aborted) throw new Error('aborted while waiting for the study lock');
    if ((await client.set(key, token, 'PX', opts.ttlMs, 'NX')) === 'OK') break;
    if (!told) {
      const holder = (await client.get(key)) ?? 'another collector';
      opts.log(`another collector of this study is running (${holder.replace(/ [0-9a-f]{12}$/, '')}); waiting for it to finish or stop`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, Math.min(500, opts.ttlMs / 4)));
  }
  let ok = true;
  const timer = setInterval(() => {
    client.eval(REFRESH, 1, key, token, String(opts.ttlMs)).then(
      (r) => {
        if (r !== 1) ok = false;
      },
      () => undefined, // Redis briefly away: the next refresh tries again; the key's lifetime covers the gap
    );
  }, Math.max(50, Math.floor(opts.ttlMs / 4)));
  timer.unref();
  return {
    held: () => ok,
    async release() {
      clearInterval(timer);
      await client.eval(RELEASE, 1, key, token).catch(() => undefined);
    },
  };
}
