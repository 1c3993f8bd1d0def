import { MappingError } from '../../errors';
import { allCandidates, minimumCores, type Candidate } from './candidates';
import type { ReplicationTables } from './tables';

/** A replication answer on the tables (not yet re-evaluated by the full model). */
export interface ReplicationSolution {
  replicas: number[];
  /** Bottleneck of the tables: max(global floor, max_l T_l(r_l)). */
  bottleneckCycles: number;
  /** Latency proxy of the tables: bottleneck + sum_l latencyWeight_l * T_l(r_l) (see objective.ts). */
  latencyProxyCycles: number;
  cores: number;
}

/** Smallest candidate index of each layer with stage time <= z (candidates have decreasing time), or -1. */
function pickFor(cands: Candidate[], z: number): number {
  let lo = 0;
  let hi = cands.length - 1;
  if (hi < 0 || (cands[hi]?.stageCycles ?? Infinity) > z) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cands[mid]?.stageCycles ?? Infinity) <= z) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function summarize(tables: ReplicationTables, cands: Candidate[][], picks: readonly number[]): ReplicationSolution {
  let bottleneck = tables.globalFloorCycles;
  let weighted = 0;
  let cores = 0;
  const replicas = picks.map((j, l) => {
    const c = cands[l]?.[j];
    if (c === undefined) throw new Error(`replication: no candidate ${j} for layer ${l}`);
    bottleneck = Math.max(bottleneck, c.stageCycles);
    weighted += (tables.layers[l]?.latencyWeight ?? 0) * c.stageCycles;
    cores += c.cores;
    return c.replicas;
  });
  return { replicas, bottleneckCycles: bottleneck, latencyProxyCycles: bottleneck + weighted, cores };
}

/**
 * Exact minimum bottleneck under a core budget: feasibility of a target z is monotone (each layer takes its
 * fewest cores with T_l <= z), and the optimum is one of the candidate stage times (or the global floor), so a
 * bisection over the sorted candidate times finds it; ties are broken by fewest cores. O(sum J log sum J).
 * Throws MappingError when even r = 1 everywhere exceeds the budget.
 */
export function exactThroughput(tables: ReplicationTables, budgetCores: number): ReplicationSolution {
  const need = minimumCores(tables);
  if (need > budgetCores) {
    throw new MappingError(`replication: the layers need ${need} cores at r = 1 and the budget is ${budgetCores} cores.`);
  }
  const cands = allCandidates(tables, budgetCores);
  return exactOnCandidates(tables, cands, budgetCores);
}

export function exactOnCandidates(tables: ReplicationTables, cands: Candidate[][], budgetCores: number): ReplicationSolution {
  // NOTE: written for speed (thousands of times per optimize): a typed array's numeric sort, without a comparator.
  let count = 1;
  for (const list of cands) for (const c of list) if (c.stageCycles >= tables.globalFloorCycles) count++;
  const times = new Float64Array(count);
  times[0] = tables.globalFloorCycles;
  count = 1;
  for (const list of cands) for (const c of list) if (c.stageCycles >= tables.globalFloorCycles) times[count++] = c.stageCycles;
  times.sort();
  // Whether every layer reaches z within the budget (the bisection's test: no picks kept).
  const feasible = (z: number): boolean => {
    let cores = 0;
    for (const list of cands) {
      const j = pickFor(list, z);
      if (j < 0) return false;
      cores += list[j]?.cores ?? 0;
      if (cores > budgetCores) return false;
    }
    return true;
  };
  const picksFor = (z: number): number[] | undefined => {
    if (!feasible(z)) return undefined;
    return cands.map((list) => pickFor(list, z));
  };
  let lo = 0;
  let hi = times.length - 1;
  // The largest time (every layer at r = 1 is among the candidates) is always feasible.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (feasible(times[mid] ?? Infinity)) hi = mid;
    else lo = mid + 1;
  }
  const picks = picksFor(times[lo] ?? Infinity);
  if (picks === undefined) throw new Error('exactThroughput: the r = 1 plan should be feasible');
  return summarize(tables, cands, picks);
}
