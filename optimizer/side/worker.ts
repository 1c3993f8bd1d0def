import { parentPort, workerData } from 'node:worker_threads';
import { proxyOracleOf, type ProxyParameters } from '../accuracy/proxy';
import { prepareModel } from '../model/context';
import { SideSearches, type SideJob } from './side-searches';
import type { PlanChoices } from '../../arch/plan';

/**
 * The side work of optimize in a worker thread (dist/optimizer/side/worker.js, started by side-runner.ts): the
 * context and the proxy oracle are rebuilt from plain data, so the answers are the in-process ones. Posts
 * {kind: 'first'} at once, then {kind: 'joint'} when sent the RL plan; {kind: 'error'} on a failure.
 */
export interface SideWorkerData {
  job: SideJob;
  proxy: ProxyParameters;
}

export type SideRequest = { kind: 'joint'; rl: PlanChoices | undefined };

function fail(error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  parentPort?.postMessage({ kind: 'error', name: e.name, message: e.message, stack: e.stack ?? '' });
}

if (parentPort !== null) {
  const port = parentPort;
  const { job, proxy } = workerData as SideWorkerData;
  try {
    const side = new SideSearches(prepareModel(job.arch, job.net), proxyOracleOf(job.net, proxy), job);
    const first = side.first();
    first.then((value) => port.postMessage({ kind: 'first', value }), fail);
    port.on('message', (request: SideRequest) => {
      // The floor rounds run after the first part (one thread, in order), as in-process.
      first.then(() => side.joint(request.rl)).then((value) => port.postMessage({ kind: 'joint', value }), fail);
    });
  } catch (error) {
    fail(error);
  }
}
