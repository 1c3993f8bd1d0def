import { bitsAt } from '../../arch/plan';

/** What a plan's deficit reads of it (an EvaluatedCandidate's fields). */
export interface DeficitPlan {
  wbits: readonly number[];
  abits: readonly number[];
  replicas: readonly number[];
  pressureCycles: readonly number[];
  floorCycles?: readonly number[];
  globalFloorCycles?: number;
}

/** How the non-compute terms enter (deficitCores). */
export type DeficitFloors = 'fixed' | 'scaled';

/** The replication tables' figures the deficit needs (CandidateEvaluator). */
export interface DeficitTables {
  readonly settings: { budgetCores: number };
  /** Fewest cores for layer `pos`'s compute to take at most `stageCycles` (Infinity: none within the budget). */
  coresAt(pos: number, wbits: number, abits: number, stageCycles: number): number;
  /** Layer `pos`'s compute stage time at r replicas. */
  computeCycles(pos: number, wbits: number, abits: number, replicas: number): number;
}

/**
 * Core deficit of a plan against a target interval (the search's deficitRank tie-break): the fewest cores its bits
 * need for every layer's stage time on the replication tables to be at most `targetCycles`, less the core budget
 * (negative: spare cores). Infinity when no replica count of some layer reaches the target within the budget.
 * Layer tables only: no model evaluation.
 * - `floors` 'fixed': compute and the floors at the plan's placement (EvaluatedCandidate.floorCycles and
 *   globalFloorCycles), what the exact replication's next pass would solve on; a floor above the target: Infinity
 *   (per layer the fewest cores reaching T >= its floor is then its first compute level at or below T, as in
 *   replication/candidates.ts). No floors (a plan not placed): Infinity.
 * - 'scaled': each weighted layer's non-compute share at its placement kept as replicas change: its stage, or a
 *   non-weighted layer's it feeds, over its compute at its replica count (pressureCycles / compute, at least 1)
 *   multiplies its compute at every count. The per-tile NoC and eDRAM terms spread as the replicas spread over
 *   tiles (ResNet-18's conv1: NoC input 106,531.8 cycles at 119 replicas, 90,720 at 140, docs/validation.md), which
 *   the fixed floors hold at the bottleneck, so every plan on that plateau has an infinite fixed deficit.
 */
export function deficitCores(tables: DeficitTables, c: DeficitPlan, targetCycles: number, floors: DeficitFloors): number {
  const fixed = c.floorCycles;
  if (floors === 'fixed' && (fixed === undefined || (c.globalFloorCycles ?? 0) > targetCycles)) return Infinity;
  let cores = 0;
  for (let pos = 0; pos < c.wbits.length; pos++) {
    const w = bitsAt(c.wbits, pos);
    const a = bitsAt(c.abits, pos);
    let computeTarget = targetCycles;
    if (floors === 'fixed') {
      if ((fixed?.[pos] ?? 0) > targetCycles) return Infinity;
    } else {
      const compute = tables.computeCycles(pos, w, a, c.replicas[pos] ?? 1);
      const share = compute > 0 ? Math.max(1, (c.pressureCycles[pos] ?? 0) / compute) : 1;
      computeTarget = targetCycles / share;
    }
    const need = tables.coresAt(pos, w, a, computeTarget);
    if (need === Infinity) return Infinity;
    cores += need;
  }
  return cores - tables.settings.budgetCores;
}
