/**
 * The default image count of a simulation (`simulate`, `sweep --simulate`, the metamorphic suite): the stream starts
 * at AUTO_FIRST_IMAGES and grows AUTO_GROWTH-fold while the steady-state interval has not settled within 1%
 * (sim/steady-state.ts), up to AUTO_MAX_IMAGES and while the next run is expected to take at most
 * AUTO_NEXT_RUN_EVENTS events (events grow with the images; a count, not a clock, so a loaded machine gets the same
 * figures). ISAAC VGG-8's optimized plan: 16 images jitter +-7.4%, 64 +-1.8%, 256 settle (all within 0.1% of each
 * other). When it stops unsettled the result's steadyState says so (settled false, note why).
 */
import type { ArchSpec } from '../arch/types';
import type { PlanChoices } from '../arch/plan';
import type { ResolvedNetwork } from '../workloads/types';
import type { SimResult } from './results';
import { simulate, simulateLoneLatency, type SimulateOptions } from './simulate';

export const AUTO_FIRST_IMAGES = 16;
export const AUTO_GROWTH = 4;
export const AUTO_MAX_IMAGES = 256;
/** About 30 s at the bench's event rate on a loaded 2-core machine (~1.3M events/s); BERT-base's 64 images fit. */
export const AUTO_NEXT_RUN_EVENTS = 40e6;

export interface SettledRun {
  /** The last run's result (its steadyState says whether it settled). */
  sim: SimResult;
  /** Images of every run, in order (the last is sim's). */
  runs: number[];
}

/**
 * Simulates `options.images` images when given, else runs of AUTO_FIRST_IMAGES, x AUTO_GROWTH, ... images until
 * the interval settles (see the rule at the top of this file).
 */
export async function simulateSettled(
  arch: ArchSpec,
  net: ResolvedNetwork,
  choices: PlanChoices,
  options: Omit<SimulateOptions, 'images'> & { images?: number | undefined; onRun?: (images: number) => void },
): Promise<SettledRun> {
  const runs: number[] = [];
  let images = options.images ?? AUTO_FIRST_IMAGES;
  for (;;) {
    options.onRun?.(images);
    // Streams only: the lone image's latency is the same for every run, so it is simulated once, at the end.
    const sim = await simulate(arch, net, choices, {
      images,
      loneLatency: false,
      ...(options.traceFile !== undefined ? { traceFile: options.traceFile } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    });
    runs.push(images);
    const next = images * AUTO_GROWTH;
    const nextEvents = (sim.events / images) * next;
    if (options.images !== undefined || sim.steadyState.settled || next > AUTO_MAX_IMAGES || nextEvents > AUTO_NEXT_RUN_EVENTS) {
      const lone = images === 1 || options.loneLatency === false ? sim : await simulateLoneLatency(arch, net, choices, sim);
      return { sim: lone, runs };
    }
    images = next;
  }
}
