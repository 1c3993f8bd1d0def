/**
 * The default image count of a simulation (`simulate`, `sweep --simulate`, the metamorphic suite): the stream starts
 * at AUTO_FIRST_IMAGES and grows AUTO_GROWTH-fold until its interval is settled and confirmed, up to AUTO_MAX_IMAGES
 * and while the next run is expected to take at most AUTO_NEXT_RUN_EVENTS events (events grow with the images; a
 * count, not a clock, so a loaded machine gets the same figures). Settled: the window's completions lie within 1% of
 * a straight line (sim/steady-state.ts). Confirmed: the window ran at its busiest resource's bound (within
 * AT_BOUND_TOLERANCE: the bottleneck was saturated, no stream is faster), or the previous, AUTO_GROWTH-fold shorter run
 * settled and measured the same interval within 1%. A straight window alone is not enough: a stream can hold a regime for longer
 * than a short window and then leave it (xformer's DeiT-S baseline: images 4-15 complete every 235,132 cycles within
 * 0.06%, images 16-64 every 237,809 within 0.5%, and from about image 130 on every 232,848, its bound; with 2x eDRAM
 * ports 16 images read 239,341 within 0.99%, 2.7% below the steady state, and were taken as settled). ISAAC VGG-8's
 * optimized plan: 16 images jitter +-7.4%, 64 +-1.8%, 256 settle (all within 0.1% of each other). When it stops
 * unsettled or unconfirmed the result's steadyState says so (settled false, note why; unconfirmed, its spread is at
 * least its move from the shorter run).
 */
import type { ArchSpec } from '../arch/types';
import type { PlanChoices } from '../arch/plan';
import type { ResolvedNetwork } from '../workloads/types';
import type { SimResult } from './results';
import { simulate, simulateLoneLatency, type SimulateOptions } from './simulate';
import { AT_BOUND_TOLERANCE, SETTLE_TOLERANCE, type SteadyState } from './steady-state';
import { AUTO_MAX_IMAGES } from './settle-limits';
import { outputTarget, releaseTemp, tempFileFor } from '../io';

export const AUTO_FIRST_IMAGES = 16;
export const AUTO_GROWTH = 4;
export { AUTO_MAX_IMAGES };
/** About 30 s at the bench's event rate on a loaded 2-core machine (~1.3M events/s); BERT-base's 64 images fit. */
export const AUTO_NEXT_RUN_EVENTS = 40e6;
export { AT_BOUND_TOLERANCE };

export interface SettledRun {
  /** The last run's result (its steadyState says whether it settled). */
  sim: SimResult;
  /** Images of every run, in order (the last is sim's). */
  runs: number[];
  /**
   * Why the runs stopped: 'settled' (settled and confirmed), 'given' (options.images), 'images' (the next run would
   * pass maxImages), 'events' (the next run would pass maxRunEvents).
   */
  stop: 'settled' | 'given' | 'images' | 'events';
}

/** Limits of the growing stream (simulate's defaults: AUTO_MAX_IMAGES, AUTO_NEXT_RUN_EVENTS). */
export interface SettleLimits {
  /** Longest stream (images). @default AUTO_MAX_IMAGES */
  maxImages?: number;
  /** Largest expected event count of the next run. @default AUTO_NEXT_RUN_EVENTS */
  maxRunEvents?: number;
}

/**
 * Simulates `options.images` images when given, else runs of AUTO_FIRST_IMAGES, x AUTO_GROWTH, ... images until
 * the interval settles (see the rule at the top of this file), within `options`' limits (the metamorphic suite
 * lifts them so that every verdict rests on settled streams).
 */
export async function simulateSettled(
  arch: ArchSpec,
  net: ResolvedNetwork,
  choices: PlanChoices,
  options: Omit<SimulateOptions, 'images'> & SettleLimits & { images?: number | undefined; onRun?: (images: number) => void },
): Promise<SettledRun> {
  // Each run writes its own trace, and only the last run's is wanted. A file is replaced by each run; a device or
  // pipe (or stdout) cannot take back what it was sent, so the runs trace into a temp file (removed on Ctrl-C) and
  // the last one is copied in at the end. With --images there is one run, streamed straight in (sim/trace.ts).
  const traceFile = options.traceFile;
  if (options.images === undefined && traceFile !== undefined && outputTarget(traceFile).direct) {
    const spool = tempFileFor(traceFile);
    let settled: SettledRun;
    try {
      settled = await simulateSettled(arch, net, choices, { ...options, traceFile: spool });
    } catch (error) {
      await releaseTemp(spool, traceFile, false);
      throw error;
    }
    await releaseTemp(spool, traceFile, true);
    return settled;
  }
  const maxImages = options.maxImages ?? AUTO_MAX_IMAGES;
  const maxRunEvents = options.maxRunEvents ?? AUTO_NEXT_RUN_EVENTS;
  const runs: number[] = [];
  let images = options.images ?? AUTO_FIRST_IMAGES;
  let previous: SteadyState | undefined;
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
    const unconfirmed = options.images === undefined ? unconfirmedNote(sim.steadyState, previous) : '';
    const stop = options.images !== undefined ? 'given' : unconfirmed === '' ? 'settled' : next > maxImages ? 'images' : nextEvents > maxRunEvents ? 'events' : undefined;
    if (stop !== undefined) {
      const steadyState = unconfirmed === '' ? sim.steadyState : unconfirmedState(sim.steadyState, previous, unconfirmed);
      const last = { ...sim, steadyState };
      const lone = images === 1 || options.loneLatency === false ? last : await simulateLoneLatency(arch, net, choices, last);
      return { sim: lone, runs, stop };
    }
    previous = sim.steadyState;
    images = next;
  }
}

/**
 * A stream that stopped unconfirmed: not settled, and its spread at least its move from the shorter run (the
 * window's jitter alone does not say how far a regime the stream had not left is from its steady state; xformer
 * DeiT-Tiny's baseline: 16 images 4,700 img/s, 64 images 4,812 within 0.02%).
 */
export function unconfirmedState(s: SteadyState, previous: SteadyState | undefined, note: string): SteadyState {
  const moved = previous === undefined ? 0 : Math.abs(s.intervalCycles / previous.intervalCycles - 1);
  return { ...s, settled: false, note, spread: Math.max(s.spread, moved) };
}

/** '' when `s` is settled and confirmed (see the rule at the top of this file), else why not. */
export function unconfirmedNote(s: SteadyState, previous: SteadyState | undefined): string {
  if (!s.settled) return s.note;
  const aboveBound = s.measuredIntervalCycles / s.boundIntervalCycles - 1;
  if (aboveBound <= AT_BOUND_TOLERANCE) return '';
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const head = `the window is straight but ${pct(aboveBound)} above the busiest resource's bound`;
  if (previous === undefined) return `${head}, and no longer run confirmed it; simulate more images`;
  // A shorter run that had not settled (still filling, drifting or jittering) measured no steady state to agree with:
  // xformer DeiT-S's 16 images, still filling, agreed with 64 images on a plateau 1% above its steady state.
  if (!previous.settled) return `${head}, and the shorter run had not settled to confirm it; simulate more images`;
  const change = s.intervalCycles / previous.intervalCycles - 1;
  if (Math.abs(change) <= SETTLE_TOLERANCE) return '';
  return `${head}, and it moved ${change >= 0 ? '+' : ''}${pct(change)} from the shorter run's; simulate more images`;
}
