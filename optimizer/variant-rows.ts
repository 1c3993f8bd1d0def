import type { PlanChoices } from '../arch/plan';
import type { ModelResult } from './model';
import type { ConfirmOutcome } from './confirm/worker';

/** The rows the searches make (the layout step serves them alike; the RL's gap is measured against the best of them). */
export const SEARCH_VARIANTS: ReadonlyArray<VariantRow['variant']> = ['LRMP (RL)', 'LRMP (RL + polish)', 'LRMP (random search)', 'LRMP (exact joint)'];

/** One row of the comparison table `lrmp optimize` prints (baseline, replication only, mixed precision only, LRMP). */
export interface VariantRow {
  variant: 'baseline' | 'replication only' | 'mixed precision only' | 'LRMP (RL)' | 'LRMP (RL + polish)' | 'LRMP (random search)' | 'LRMP (exact joint)';
  /** What the table prints: the variant, naming the RL candidate when the simulator chose another than the first. */
  label: string;
  method: string;
  choices: PlanChoices;
  bottleneckCycles: number;
  throughputImagesPerS: number;
  latencyCycles: number;
  latencyS: number;
  throughputGain: number;
  latencyGain: number;
  dropPct: number;
  areaMm2: number;
  tilesUsed: number;
  simulated?: { throughputImagesPerS: number; latencyCycles: number; throughputGain: number; latencyGain: number };
}


export function row(variant: VariantRow['variant'], method: string, choices: PlanChoices, m: ModelResult, base: ModelResult, dropPct: number): VariantRow {
  return {
    variant,
    label: variant,
    method,
    choices,
    bottleneckCycles: m.bottleneckCycles,
    throughputImagesPerS: m.throughputImagesPerS,
    latencyCycles: m.latencyCycles,
    latencyS: m.latencyS,
    throughputGain: m.throughputImagesPerS / base.throughputImagesPerS,
    latencyGain: base.latencyCycles / Math.max(1, m.latencyCycles),
    dropPct,
    areaMm2: m.areaMm2,
    tilesUsed: m.tilesUsed,
  };
}


export function simulatedGains(sim: ConfirmOutcome, baseSim: ConfirmOutcome): NonNullable<VariantRow['simulated']> {
  return {
    throughputImagesPerS: sim.throughputImagesPerS,
    latencyCycles: sim.latencyCycles,
    throughputGain: sim.throughputImagesPerS / Math.max(1e-12, baseSim.throughputImagesPerS),
    latencyGain: baseSim.latencyCycles / Math.max(1, sim.latencyCycles),
  };
}

/** A plan optimize computed: a table row's, or one of the RL search's further top candidates ('RL top-k'). */
export interface PoolEntry {
  variant: string;
  choices: PlanChoices;
  model: ModelResult;
  dropPct: number;
  simulated?: ConfirmOutcome;
}

/**
 * Makes the rows describe the plan optimize chose (pool[k]; -1: none qualified, the baseline stays). When an RL
 * candidate other than the first won in the simulator, the RL row is replaced by that candidate's figures and
 * labelled with its rank ('LRMP (RL, candidate 3)'), so the table and the written plan agree. Mutates rows.
 */
export function applyChoice(
  rows: VariantRow[],
  pool: readonly PoolEntry[],
  k: number,
  base: ModelResult,
  baseSim: ConfirmOutcome | undefined,
  baseChoices: PlanChoices,
): { chosen: VariantRow['variant']; chosenChoices: PlanChoices } {
  const winner = pool[k] ?? pool[0];
  if (winner === undefined) return { chosen: 'baseline', chosenChoices: baseChoices };
  const rank = /^RL top-(\d+)$/.exec(winner.variant)?.[1];
  const rlIndex = rows.findIndex((r) => r.variant === 'LRMP (RL)');
  const rlRow = rows[rlIndex];
  if (rank === undefined || rlRow === undefined) {
    return { chosen: rows.find((r) => r.variant === winner.variant)?.variant ?? 'baseline', chosenChoices: winner.choices };
  }
  const ofTop = pool.filter((p) => p.variant.startsWith('RL top-')).length + 1;
  const replaced = row('LRMP (RL)', `${rlRow.method}, candidate ${rank} of top ${ofTop} by simulated figures`, winner.choices, winner.model, base, winner.dropPct);
  replaced.label = `LRMP (RL, candidate ${rank})`;
  if (winner.simulated && !winner.simulated.error && baseSim && !baseSim.error) replaced.simulated = simulatedGains(winner.simulated, baseSim);
  rows[rlIndex] = replaced;
  return { chosen: 'LRMP (RL)', chosenChoices: winner.choices };
}
