import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultDistRoot } from '../confirm/pool';
import { highsBackend, highsOptions, highsSolution, toLpFormat } from './highs';
import type { HighsReply, HighsRequest } from './highs-worker';
import type { MilpBackend, MilpProblem, MilpSolution, MilpSolveOptions } from './problem';

/** A MILP backend that holds a thread: close() ends it. */
export interface ClosableMilpBackend extends MilpBackend {
  /** Whether the solves run in a worker thread (false: in this one, highsBackend). */
  readonly inWorker: boolean;
  close(): Promise<void>;
}

/**
 * HiGHS in a worker thread, so a caller can go on with other work while a MILP is solved: optimize's exact MILPs
 * (the replication cross-check, "mixed precision only", the joint floor rounds) take 1.2-1.8 CPU s of a ResNet-50
 * run. The same LP text, options and solver build as highsBackend, one solve after another, so the same answers.
 * In this thread instead when dist/ holds no worker (TypeScript run from source) or `useWorker` is false.
 */
export function highsThreadBackend(useWorker = true, distRoot = defaultDistRoot()): ClosableMilpBackend {
  const filename = path.join(distRoot, 'optimizer', 'milp', 'highs-worker.js');
  if (!useWorker || !fs.existsSync(filename)) return { name: 'highs', inWorker: false, solve: (p, o) => highsBackend.solve(p, o), close: () => Promise.resolve() };
  const worker = new Worker(filename);
  // Only while a solve is waiting does the worker keep the process alive.
  worker.unref();
  const waiting = new Map<number, { resolve: (s: MilpSolution) => void; reject: (e: Error) => void }>();
  let next = 0;
  let ended: Error | undefined;
  const failAll = (error: Error): void => {
    ended ??= error;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    worker.unref();
  };
  worker.on('message', (reply: HighsReply) => {
    const w = waiting.get(reply.id);
    if (w === undefined) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if ('error' in reply) {
      const error = new Error(reply.error.message);
      error.name = reply.error.name;
      w.reject(error);
    } else w.resolve(highsSolution(reply.answer, reply.wallMs));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the HiGHS worker thread exited with code ${code}`)));
  return {
    name: 'highs',
    inWorker: true,
    solve(problem: MilpProblem, options: MilpSolveOptions = {}): Promise<MilpSolution> {
      if (ended !== undefined) return Promise.reject(ended);
      const id = next++;
      const request: HighsRequest = { id, lp: toLpFormat(problem), options: highsOptions(options) };
      return new Promise<MilpSolution>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage(request);
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
