import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PlanChoices } from '../../arch/plan';
import type { AccuracyOracle } from '../accuracy/types';
import { isProxyOracle } from '../accuracy/proxy';
import { defaultDistRoot } from '../confirm/pool';
import type { ModelContext } from '../model/types';
import type { MilpBackend } from '../milp';
import { SideSearches, type SideFirst, type SideJob, type SideJoint } from './side-searches';
import type { SideRequest, SideWorkerData } from './worker';

/** The side work of optimize (side-searches.ts), in a worker thread or in this one; same answers either way. */
export interface SideRunner {
  /** Where it runs (optimize's settings record says so). */
  readonly inWorker: boolean;
  first(): Promise<SideFirst>;
  /** The joint floor rounds from the RL plan (call once, after first()). */
  joint(rlChoices: PlanChoices | undefined): Promise<SideJoint>;
  close(): Promise<void>;
}

type Message = { kind: 'first'; value: SideFirst } | { kind: 'joint'; value: SideJoint } | { kind: 'error'; name: string; message: string; stack: string };

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failure while the caller is still busy with the RL search is reported when it awaits, not as unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function workerRunner(filename: string, data: SideWorkerData): SideRunner {
  const worker = new Worker(filename, { workerData: data });
  // The caller's close() ends it; an idle worker must not keep the process alive meanwhile.
  worker.unref();
  const first = deferred<SideFirst>();
  const joint = deferred<SideJoint>();
  const failAll = (error: Error): void => {
    first.reject(error);
    joint.reject(error);
  };
  worker.on('message', (m: Message) => {
    if (m.kind === 'first') first.resolve(m.value);
    else if (m.kind === 'joint') joint.resolve(m.value);
    else {
      const error = new Error(`optimize's side worker (${filename}): ${m.name}: ${m.message}`);
      error.stack = m.stack;
      failAll(error);
    }
  });
  worker.on('error', failAll);
  // An exit before both answers (after them, settling again is a no-op).
  worker.on('exit', (code) => failAll(new Error(`optimize's side worker exited with code ${code} before answering`)));
  return {
    inWorker: true,
    first: () => first.promise,
    joint: (rl) => {
      worker.postMessage({ kind: 'joint', rl } satisfies SideRequest);
      return joint.promise;
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Starts the side work: in a worker thread when `useWorker` and the oracle can be rebuilt there (the proxy, from
 * its parameters) and dist/ holds the worker, else in this thread when asked for, its MILPs on `backend` (default
 * HiGHS in this thread; optimize passes HiGHS in a process of its own).
 */
export function startSideSearches(ctx: ModelContext, oracle: AccuracyOracle, job: SideJob, useWorker: boolean, backend?: MilpBackend): SideRunner {
  const filename = path.join(defaultDistRoot(), 'optimizer', 'side', 'worker.js');
  if (useWorker && isProxyOracle(oracle) && fs.existsSync(filename)) return workerRunner(filename, { job, proxy: oracle.parameters });
  const side = new SideSearches(ctx, oracle, job, backend);
  return { inWorker: false, first: () => side.first(), joint: (rl) => side.joint(rl), close: () => Promise.resolve() };
}
