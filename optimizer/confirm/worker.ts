import type { ArchSpec } from '../../arch/types';
import type { PlanChoices } from '../../arch/plan';
import type { Network } from '../../workloads/types';
import { resolveNetwork } from '../../workloads/shapes';
import { simulateSettled } from '../../sim/settle';

/** One confirmation job: simulate a candidate plan (sent as plain data to a piscina worker). */
export interface ConfirmJob {
  arch: ArchSpec;
  network: Network;
  choices: PlanChoices;
  /**
   * Images streamed. @default the settle rule of `lrmp simulate` (sim/settle.ts), so a row's simulated figures are
   * the ones `lrmp simulate --plan` prints for its plan
   */
  images?: number | undefined;
}

export interface ConfirmOutcome {
  throughputImagesPerS: number;
  latencyCycles: number;
  intervalCycles: number;
  /** Images of the stream the figures come from (the last run of the settle rule). */
  images: number;
  /** Whether the steady-state interval settled within 1% (sim/steady-state.ts); with it, why not. */
  settled: boolean;
  settleNote: string;
  error?: string;
}

/** Runs in a worker thread (dist/optimizer/confirm/worker.js) or in-process. */
export default async function confirmJob(job: ConfirmJob): Promise<ConfirmOutcome> {
  try {
    const net = resolveNetwork(job.network);
    const { sim } = await simulateSettled(job.arch, net, job.choices, { images: job.images });
    return {
      throughputImagesPerS: sim.throughputImagesPerS, latencyCycles: sim.latencyCycles, intervalCycles: sim.intervalCycles,
      images: sim.images, settled: sim.steadyState.settled, settleNote: sim.steadyState.note,
    };
  } catch (error) {
    return {
      throughputImagesPerS: 0, latencyCycles: 0, intervalCycles: 0, images: 0, settled: false, settleNote: '',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
