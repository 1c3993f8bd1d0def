/**
 * `lrmp sweep --queue`: each grid point becomes a job carrying the network, the architecture and the plan by
 * value; the study's outcomes come back as the same rows the local pool writes.
 */
import type { ArchSpec } from '../../arch/types';
import { validatePlan } from '../../arch/plan';
import { readJsonFile } from '../../io';
import { loadNetworkFromArgs, type NetworkArchArgs } from '../commands/inputs';
import type { SweepPoint, VariedParam } from '../sweep/grid';
import { pointAssignments } from '../sweep/grid';
import type { SweepOptimizeSettings } from '../sweep/optimize-point';
import type { SweepMode, SweepOutcome } from '../sweep/point';
import { jobId, lrmpVersion, type SweepPointJob, type SweepPointResult } from './jobs';
import { portableNetwork, QueuedStudy, type QueueArgs } from './study';

export interface SweepJobSettings {
  mode: SweepMode;
  /** undefined: the settle rule of sim/settle.ts */
  images: number | undefined;
  optimize: SweepOptimizeSettings;
}

/** The job of every point, by point index (the network and plan are loaded once, here, and travel by value). */
export function sweepPointJobs(args: NetworkArchArgs, base: ArchSpec, params: readonly VariedParam[], points: readonly SweepPoint[], s: SweepJobSettings): Map<number, { id: string; data: SweepPointJob }> {
  const net = loadNetworkFromArgs(args);
  const network = portableNetwork(args.network, net.network);
  const plan = args.plan !== undefined ? { plan: validatePlan(readJsonFile(args.plan), args.plan), planLabel: args.plan } : {};
  const jobs = new Map<number, { id: string; data: SweepPointJob }>();
  for (const p of points) {
    const data: SweepPointJob = {
      lrmpVersion: lrmpVersion(),
      network,
      arch: base,
      set: pointAssignments(params, p),
      ...plan,
      ...(args.wbits !== undefined ? { wbits: args.wbits } : {}),
      ...(args.abits !== undefined ? { abits: args.abits } : {}),
      ...(args.replicas !== undefined ? { replicas: args.replicas } : {}),
      mode: s.mode,
      ...(s.images !== undefined ? { images: s.images } : {}),
      optimize: s.optimize,
    };
    jobs.set(p.index, { id: jobId('sweep-point', data), data });
  }
  return jobs;
}

/** A sweep's queued study: open (lock taken) before the CSV is read, run on the points still to do. */
export class SweepQueue {
  private constructor(
    private readonly study: QueuedStudy,
    private readonly jobs: Map<number, { id: string; data: SweepPointJob }>,
  ) {}

  static async open(args: QueueArgs & { queue: string }, jobs: Map<number, { id: string; data: SweepPointJob }>, log: (line: string) => void, signal?: AbortSignal): Promise<SweepQueue> {
    const ids = [...jobs.entries()].sort(([a], [b]) => a - b).map(([, j]) => j.id);
    return new SweepQueue(await QueuedStudy.open(args, 'sweep-point', ids, log, signal), jobs);
  }

  /** Runs the points of `indices`; each outcome is handed on as it is collected. */
  async run(indices: readonly number[], onOutcome: (outcome: SweepOutcome) => void, signal?: AbortSignal): Promise<void> {
    const byId = new Map<string, number[]>();
    for (const index of indices) {
      const job = this.jobs.get(index);
      if (job === undefined) continue;
      byId.set(job.id, [...(byId.get(job.id) ?? []), index]);
    }
    const queued = [...byId.keys()].map((id) => ({ id, kind: 'sweep-point' as const, data: this.jobs.get(byId.get(id)?.[0] ?? -1)?.data ?? {} }));
    await this.study.run(
      queued,
      (id, finished) => {
        const result = finished.ok ? toResult(finished.value) : { metrics: {}, error: finished.reason };
        for (const index of byId.get(id) ?? []) onOutcome({ index, ...result });
      },
      signal,
    );
  }

  close(): Promise<void> {
    return this.study.close();
  }
}

/** A job's return value as a row's cells; anything else (an older worker's shape) is the row's error. */
function toResult(value: unknown): SweepPointResult {
  if (typeof value === 'object' && value !== null && 'metrics' in value && 'error' in value) {
    const v = value as { metrics: unknown; error: unknown };
    if (typeof v.metrics === 'object' && v.metrics !== null && typeof v.error === 'string') {
      const metrics = Object.fromEntries(Object.entries(v.metrics).filter(([, c]) => typeof c === 'string' || (typeof c === 'number' && Number.isFinite(c)))) as Record<string, string | number>;
      return { metrics, error: v.error };
    }
  }
  return { metrics: {}, error: `queue: the job's result is not a sweep row (${JSON.stringify(value)?.slice(0, 80) ?? 'nothing'})` };
}
