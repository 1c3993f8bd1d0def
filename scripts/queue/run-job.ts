/**
 * Runs one validated queue job (inside a worker thread of `lrmp worker`): the same evaluation a local sweep or
 * reproduction runs, on the job's own content.
 */
import { evaluateLoaded } from '../sweep/point';
import type { SweepPointResult } from './jobs';
import { loadSweepJobInputs, validateSweepPointJob } from './validate-job';
import { runReproduceJob, validateReproduceJob, type ReproduceNetworkResult } from './reproduce-job';

export interface ThreadJob {
  id: string;
  kind: string;
  data: unknown;
}

export async function runQueueJob(job: ThreadJob): Promise<SweepPointResult | ReproduceNetworkResult> {
  const source = `queue job ${job.id}`;
  if (job.kind === 'reproduce-network') return runReproduceJob(validateReproduceJob(job.data, source));
  const point = validateSweepPointJob(job.data, source);
  const outcome = await evaluateLoaded({ index: 0, mode: point.mode, images: point.images, optimize: point.optimize }, () => loadSweepJobInputs(point));
  return { metrics: outcome.metrics, error: outcome.error };
}
