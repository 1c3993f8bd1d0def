/**
 * The metamorphic suite's simulated figures: streams grown by simulate's settle rule (sim/settle.ts) within the
 * suite's own limits, and lengthened on demand so that a check compares streams of equal length.
 */
import type { ArchSpec } from '../../arch/types';
import type { PlanChoices } from '../../arch/plan';
import { simulateSettled, unconfirmedNote, unconfirmedState, type SettledRun, type SettleLimits } from '../../sim/settle';
import type { SteadyState } from '../../sim/steady-state';
import type { ResolvedNetwork } from '../../workloads/types';

/**
 * The suite's stream limits, lifted from simulate's (256 images, 40M events for the next run): a verdict on a large
 * transformer (ViT-B/16, BERT-base, GPT-2, DeiT-S) must not rest on a 64-image stream the event cap cut short, whose
 * transients read as drops of up to 4.7% (xformer BERT-base 2x eDRAM: -4.73% at 64 images, +0.12% at 256). A stream
 * still grows only while it has not settled and been confirmed (sim/settle.ts), so plans that settle early cost the
 * same; 500M events is about 1,100 images of ViT-B/16, 7 min at 1.2M events/s. 16,384 images: xformer LeNet-5's
 * replicated plan (42 replicas of conv1) holds ~770 images in its 1 MB eDRAM buffers; their drain at the stream's end,
 * faster than the steady 5,130 cycles per image, bends the window by 1.2% at 4,096 images and 0.37% at 16,384.
 */
export const SUITE_LIMITS: Required<SettleLimits> = { maxImages: 16384, maxRunEvents: 500e6 };

export interface Figures {
  throughputImagesPerS: number;
  latencyCycles: number;
  /** Simulated: the steady-state throughput's relative spread (sim/steady-state.ts) and whether it settled. */
  spread?: number;
  settled?: boolean;
  /**
   * Simulated: images of each run (the last is the figures'): the settle rule's growing stream, then any run at a
   * given length (lengthen); and why the last one stopped ('given': a lengthened run that was not confirmed).
   */
  runs?: number[];
  stop?: SettledRun['stop'];
  /** Simulated and not settled: why (the steady state's note). */
  note?: string;
  /** Simulated: events per image of the last run (what a longer run will cost). */
  eventsPerImage?: number;
}

/** The steady state of a simulated figure's last run, which a longer run is confirmed against. */
const lastSteady = new WeakMap<Figures, SteadyState>();

function fromRun(sim: SettledRun['sim'], steady: SteadyState, runs: number[], stop: SettledRun['stop'], latencyCycles: number): Figures {
  const f: Figures = {
    throughputImagesPerS: sim.throughputImagesPerS, latencyCycles, spread: steady.spread, settled: steady.settled, runs, stop,
    ...(steady.settled ? {} : { note: steady.note }), eventsPerImage: sim.events / sim.images,
  };
  lastSteady.set(f, steady);
  return f;
}

/** Simulated figures: `images` per stream, or as many as the interval needs to settle within `limits`. */
export async function simulatedFigures(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices, images: number | undefined, limits: SettleLimits): Promise<Figures> {
  // latencyCycles is one image's alone (sim/simulate.ts; in a stream image 0 also waits for later images).
  const { sim, runs, stop } = await simulateSettled(arch, net, choices, { images, ...limits });
  return fromRun(sim, sim.steadyState, runs, stop, sim.latencyCycles);
}

/** Images of the run `f` comes from. */
export function imagesOf(f: Figures): number {
  return f.runs?.[f.runs.length - 1] ?? 0;
}

/**
 * The stream length a check's two figures should be compared at next: the longer one's, when they differ (a stream
 * that settled early can sit in a transient the other left: xformer DeiT-S with one router cycle less read -1.74% at
 * 64 images against the baseline's 1,024), else 4x that; undefined past `limits`.
 */
export function nextLength(before: Figures, after: Figures, limits: Required<SettleLimits>): number | undefined {
  const longest = Math.max(imagesOf(before), imagesOf(after));
  const images = imagesOf(before) === imagesOf(after) ? longest * 4 : longest;
  const events = Math.max(...[before, after].map((f) => (f.eventsPerImage ?? Infinity) * images));
  return images <= limits.maxImages && events <= limits.maxRunEvents ? images : undefined;
}

/**
 * `f` from a run of `images` images (f itself when it already has them): settled when its window is straight and
 * confirmed by the settle rule against f's own run (at its bound, or within 1% of it). Latency is f's (one image
 * alone, the same for any stream).
 */
export async function lengthen(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices, f: Figures, images: number): Promise<Figures> {
  if (imagesOf(f) === images) return f;
  const previous = lastSteady.get(f);
  const { sim } = await simulateSettled(arch, net, choices, { images, loneLatency: false });
  const note = unconfirmedNote(sim.steadyState, previous);
  const steady = note === '' ? sim.steadyState : unconfirmedState(sim.steadyState, previous, note);
  return fromRun(sim, steady, [...(f.runs ?? []), images], note === '' ? 'settled' : 'given', f.latencyCycles);
}
