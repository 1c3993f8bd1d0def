/**
 * `lrmp reproduce --queue`: one job per network; each finished network is reported (and plotted) by the
 * submitting command as the local run does, in the order the networks finish.
 */
import type { ArchSpec } from '../../arch/types';
import { validateArchSpec } from '../../arch/validate';
import type { ResolvedNetwork } from '../../workloads/types';
import type { NetworkStudy, NetworkStudySettings } from '../reproduce/network';
import { jobId, lrmpVersion } from './jobs';
import type { ReproduceNetworkJob } from './reproduce-job';
import { portableNetwork, QueuedStudy, type QueueArgs } from './study';

export interface ReproduceHooks {
  finish(study: NetworkStudy, net: ResolvedNetwork, t0: number): Promise<void>;
  failed(network: string, message: string): void;
  log(line: string): void;
}

/** The study of one network as a job returned it; undefined when the value is not one. */
function asStudy(value: unknown, source: string): NetworkStudy | string {
  if (typeof value !== 'object' || value === null) return `${source}: no result`;
  if ('error' in value && typeof value.error === 'string') return value.error;
  if (!('study' in value) || typeof value.study !== 'object' || value.study === null) return `${source}: the result is not a network study`;
  const study = value.study as Partial<NetworkStudy>;
  if (!Array.isArray(study.rows) || !Array.isArray(study.notes) || typeof study.chosen !== 'string' || typeof study.result !== 'object') {
    return `${source}: the result is not a network study`;
  }
  return { ...(study as NetworkStudy), arch: validateArchSpec(study.arch, `${source}, field 'arch'`) };
}

/** `archs[i]` is the architecture of `nets[i]` (each network may run on its own preset). */
export async function reproduceOnQueue(args: QueueArgs & { queue: string }, archs: readonly ArchSpec[], names: readonly string[], nets: readonly ResolvedNetwork[], s: NetworkStudySettings, hooks: ReproduceHooks): Promise<void> {
  const jobs = nets.map((net, i) => {
    const data: ReproduceNetworkJob = {
      lrmpVersion: lrmpVersion(),
      network: portableNetwork(names[i] ?? net.network.name, net.network),
      arch: archs[i] ?? archs[0] as ArchSpec,
      objective: s.objective,
      accuracyBudgetPct: s.accuracyBudgetPct,
      episodes: s.episodes,
      seed: s.seed,
      images: s.images ?? null,
    };
    return { id: jobId('reproduce-network', data), kind: 'reproduce-network' as const, data, net };
  });
  const study = await QueuedStudy.open(args, 'reproduce-network', jobs.map((j) => j.id), hooks.log);
  const t0 = performance.now();
  let tail = Promise.resolve();
  try {
    hooks.log(`reproduce: ${jobs.length} networks queued on ${study.url.display} (${s.episodes} episodes each); waiting for lrmp workers...`);
    await study.run(jobs, (id, finished) => {
      for (const job of jobs.filter((j) => j.id === id)) {
        const name = job.net.network.name;
        const got = finished.ok ? asStudy(finished.value, `queue job ${id}`) : finished.reason;
        tail = tail.then(() => (typeof got === 'string' ? hooks.failed(name, got) : hooks.finish(got, job.net, t0)));
      }
    });
    await tail;
  } finally {
    await study.close();
  }
}
