/**
 * `lrmp reproduce --queue`: one job per network (the optimizer's whole flow on it, confirmations included), so a
 * five-network study keeps five workers busy. The job carries the network and the architecture by value.
 */
import type { ArchSpec } from '../../arch/types';
import { validateArchSpec } from '../../arch/validate';
import { isLrmpError, ValidationError } from '../../errors';
import { OBJECTIVES, type ObjectiveKind } from '../../optimizer/replication/objective';
import { checkKeys, expectObject, readEnum, readFiniteNumber, readInt, readString } from '../../workloads/json-fields';
import { reproduceNetwork, type NetworkStudy } from '../reproduce/network';
import type { PortableNetwork } from './jobs';
import { loadPortableNetwork, validatePortableNetwork } from './validate-job';

export interface ReproduceNetworkJob {
  lrmpVersion: string;
  network: PortableNetwork;
  /** The user's architecture (the job enlarges the chip itself when the 8-bit baseline needs it). */
  arch: ArchSpec;
  objective: ObjectiveKind;
  accuracyBudgetPct: number;
  episodes: number;
  seed: number;
  /** Images per confirming simulation; null: simulate's settle rule. */
  images: number | null;
}

/** The study of one network, or the user-facing reason it could not be done (as the local run notes it). */
export type ReproduceNetworkResult = { study: Omit<NetworkStudy, 'result'> & { result: unknown } } | { error: string };

const MAX_COUNT = 10_000_000;

function count(source: string, field: string, v: unknown): number {
  const n = readInt(source, field, v, 1);
  if (n > MAX_COUNT) throw new ValidationError(source, field, String(n), `an integer from 1 to ${MAX_COUNT}`);
  return n;
}

export function validateReproduceJob(raw: unknown, source: string): ReproduceNetworkJob {
  const obj = expectObject(source, '(job data)', raw);
  checkKeys(source, '', obj, ['lrmpVersion', 'network', 'arch', 'objective', 'accuracyBudgetPct', 'episodes', 'seed', 'images']);
  const version = readString(source, 'lrmpVersion', obj['lrmpVersion']);
  return {
    lrmpVersion: version.slice(0, 100),
    network: validatePortableNetwork(source, obj['network']),
    arch: validateArchSpec(obj['arch'], `${source}, field 'arch'`),
    objective: readEnum(source, 'objective', obj['objective'], OBJECTIVES),
    accuracyBudgetPct: readFiniteNumber(source, 'accuracyBudgetPct', obj['accuracyBudgetPct'], 0, 100),
    episodes: count(source, 'episodes', obj['episodes']),
    seed: readFiniteNumber(source, 'seed', obj['seed'], -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    images: obj['images'] === null ? null : count(source, 'images', obj['images']),
  };
}

/** Runs in a worker thread; confirmations simulate in that thread (the worker's concurrency is its thread count). */
export async function runReproduceJob(job: ReproduceNetworkJob): Promise<ReproduceNetworkResult> {
  try {
    const net = loadPortableNetwork(job.network);
    const study = await reproduceNetwork(job.arch, net, { ...job, images: job.images ?? undefined, workers: 0 });
    return { study };
  } catch (error) {
    if (!isLrmpError(error)) throw error;
    return { error: error.message };
  }
}
