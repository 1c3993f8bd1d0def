/**
 * The continuous-relaxation bound of replication: replicas may be fractional, so a layer's
 * compute time is P * t_MVM / r (no ceil) and its cores crossbars * r / crossbarsPerCore (no ceil). No integer
 * replication under the same core budget, precisions and data-movement floors can have a smaller bottleneck.
 * Floors come from a full-model evaluation (their placement), as in the replication tables.
 */
import type { ReplicationTables } from './tables';

/** Cores the relaxed replication needs for every stage to be at most `t` cycles; Infinity if a floor exceeds t. */
function relaxedCores(tables: ReplicationTables, t: number): number {
  let cores = 0;
  for (const l of tables.layers) {
    if (l.floorCycles > t) return Infinity;
    const work = (l.isFc ? 1 : l.pixels) * l.perMvmCycles;
    const r = Math.max(1, work / t);
    cores += (l.crossbarsPerReplica * r) / tables.crossbarsPerCore;
  }
  return cores;
}

/**
 * Smallest bottleneck stage time (cycles) reachable with fractional replicas within `budgetCores`
 * (bisection on t: the cores needed fall as t grows). Undefined when even r = 1 everywhere exceeds the budget.
 */
export function relaxedBottleneckCycles(tables: ReplicationTables, budgetCores: number): number | undefined {
  let lo = tables.globalFloorCycles;
  for (const l of tables.layers) lo = Math.max(lo, l.floorCycles);
  let hi = lo;
  for (const l of tables.layers) hi = Math.max(hi, (l.isFc ? 1 : l.pixels) * l.perMvmCycles);
  if (relaxedCores(tables, hi) > budgetCores) return undefined;
  if (relaxedCores(tables, lo) <= budgetCores) return lo;
  for (let i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (relaxedCores(tables, mid) <= budgetCores) hi = mid;
    else lo = mid;
  }
  return hi;
}
