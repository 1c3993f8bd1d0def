import type { ArchSpec } from '../../arch/types';
import type { PlanChoices } from '../../arch/plan';
import type { Network } from '../../workloads/types';
import { resolveNetwork } from '../../workloads/shapes';
import { simulate } from '../../sim/simulate';

/** One confirmation job: simulate a candidate plan (sent as plain data to a piscina worker). */
export interface ConfirmJob {
  arch: ArchSpec;
  network: Network;
  choices: PlanChoices;
  images: number;
}

export interface ConfirmOutcome {
  throughputImagesPerS: number;
  latencyCycles: number;
  intervalCycles: number;
  error?: string;
}

/** Runs in a worker thread (dist/optimizer/confirm/worker.js) or in-process. */
export default async function confirmJob(job: ConfirmJob): Promise<ConfirmOutcome> {
  try {
    const net = resolveNetwork(job.network);
    const r = await simulate(job.arch, net, job.choices, { images: job.images });
    return { throughputImagesPerS: r.throughputImagesPerS, latencyCycles: r.latencyCycles, intervalCycles: r.intervalCycles };
  } catch (error) {
    return { throughputImagesPerS: 0, latencyCycles: 0, intervalCycles: 0, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
