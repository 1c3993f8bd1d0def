import type { ArchSpec } from '../arch/types';
import type { PlanChoices } from '../arch/plan';
import type { ResolvedNetwork } from '../workloads/types';
import { ValidationError } from '../errors';
import { Engine } from './engine';
import { collectResults, type SimResult } from './results';
import { buildTopology, type SimTopology } from './topology';
import { TraceWriter } from './trace';

export interface SimulateOptions {
  /** Images streamed back to back (>= 1). */
  images: number;
  /** CSV trace file, streamed (temp file + rename). @default none */
  traceFile?: string;
  /** Called with the fraction of jobs done and the images finished, now and then. @default none */
  onProgress?: (fraction: number, imagesDone: number) => void;
  /**
   * With images > 1, also simulate one image alone for `latencyCycles` (in a stream image 0 also waits at shared
   * resources for the images behind it, so its latency grows with the stream). false skips that run (one image's
   * worth of events) and reports image 0 of the stream, with `latencyAlone: false`. @default true
   */
  loneLatency?: boolean;
}

/** Events run between trace flushes and progress reports. */
const CHUNK_EVENTS = 200_000;

/**
 * Simulates `images` images of `net` on `arch` with the plan `choices`, event by event
 * (docs/hardware-model.md). Throws MappingError when the plan does not fit, DeadlockError when eDRAM
 * buffers are too small for the pipeline to progress. Memory follows the images in flight, not `images`; the
 * trace is written as the run goes (the event loop waits for the file when it falls behind).
 */
export async function simulate(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices, options: SimulateOptions): Promise<SimResult> {
  if (!Number.isInteger(options.images) || options.images < 1) {
    throw new ValidationError('simulate options', 'images', String(options.images), 'an integer >= 1');
  }
  const topo = buildTopology(arch, net, choices);
  const stream = await run(topo, options);
  if (options.images === 1 || options.loneLatency === false) return stream;
  return withLoneLatency(stream, await run(topo, { images: 1 }));
}

/**
 * A stream's result with one image's lone latency, for a caller that ran several streams of the same plan with
 * `loneLatency: false` (sim/settle.ts) and needs the lone run once, not once per stream.
 */
export async function simulateLoneLatency(
  arch: ArchSpec,
  net: ResolvedNetwork,
  choices: PlanChoices,
  stream: SimResult,
): Promise<SimResult> {
  return withLoneLatency(stream, await run(buildTopology(arch, net, choices), { images: 1 }));
}

function withLoneLatency(stream: SimResult, alone: SimResult): SimResult {
  return { ...stream, latencyCycles: alone.latencyCycles, latencyS: alone.latencyS, latencyAlone: true };
}

/** One run of the event loop over `options.images` images of a built topology (the engine only reads it). */
async function run(topo: SimTopology, options: SimulateOptions): Promise<SimResult> {
  const trace = options.traceFile !== undefined ? new TraceWriter(options.traceFile) : undefined;
  const engine = new Engine(topo, trace ? { images: options.images, trace } : { images: options.images });
  try {
    engine.start();
    for (;;) {
      const ran = engine.env.run(Infinity, CHUNK_EVENTS);
      if (trace?.backlogged) await trace.drain();
      options.onProgress?.(engine.jobsDone / Math.max(1, engine.jobsTotal), engine.imagesDone);
      if (ran < CHUNK_EVENTS) break;
    }
    engine.checkDeadlock();
  } catch (error) {
    await trace?.close(true);
    throw error;
  }
  await trace?.close();
  return collectResults(engine);
}
