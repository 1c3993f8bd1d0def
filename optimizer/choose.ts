import type { ModelResult } from './model';
import type { ObjectiveSpec } from './replication/objective';
import { fullModelCost } from './replication/replicate';

/** A plan optimize computed (a table row, or one of the RL search's further candidates). */
export interface Contender {
  variant: string;
  model: Pick<ModelResult, 'bottleneckCycles' | 'latencyCycles'>;
  dropPct: number;
  /** Simulated figures, when the plan was confirmed in the simulator (error: the simulation failed). */
  simulated?: { throughputImagesPerS: number; latencyCycles: number; error?: string | undefined };
}

/**
 * Simulated costs closer than this fraction count as a tie (then the smaller accuracy drop wins): the simulated
 * steady state of a few images resolves throughput to about this much, so a smaller difference is no reason to
 * give up accuracy. Model costs are exact: ties there are within 1e-9.
 */
export const SIMULATED_TIE_FRACTION = 0.01;

export interface ChoiceSettings {
  spec: ObjectiveSpec;
  accuracyBudgetPct: number;
  clockGHz: number;
  /** Latency that normalises the objective: the baseline's (simulated when judging simulated figures). */
  refLatencyCycles: number;
  /** Judge on simulated figures (every contender was simulated) instead of the model's. */
  simulated: boolean;
}

/**
 * The one rule for optimize's final plan: the cheapest contender on the optimized objective among those within
 * the accuracy budget, so the chosen plan is never worse (beyond the tie band) than any row optimize computed (random search,
 * replication only and the baseline included). With confirmation the cost comes from the simulated figures
 * (a plan whose simulation failed cannot be chosen), so a plan that wins only by a model error loses to the
 * simulator; without it, from the model's. A tie (within SIMULATED_TIE_FRACTION on simulated figures, 1e-9 on
 * the model's) goes to the smaller accuracy drop, then to the earlier contender. Returns the index of the
 * winner, or -1 when no contender qualifies.
 */
export function choosePlan(contenders: readonly Contender[], settings: ChoiceSettings): number {
  const scored: Array<{ cost: number; dropPct: number; k: number }> = [];
  contenders.forEach((c, k) => {
    if (!(c.dropPct <= settings.accuracyBudgetPct + 1e-9)) return;
    const cost = settings.simulated ? simulatedCost(c.simulated, settings) : fullModelCost(settings.spec, c.model.bottleneckCycles, c.model.latencyCycles, settings.refLatencyCycles);
    if (cost !== undefined && Number.isFinite(cost)) scored.push({ cost, dropPct: c.dropPct, k });
  });
  // Among the contenders tied with the cheapest, the smallest drop (then the earliest) wins.
  const cheapest = Math.min(...scored.map((x) => x.cost));
  const band = settings.simulated ? SIMULATED_TIE_FRACTION : 1e-9;
  let best: { cost: number; dropPct: number; k: number } | undefined;
  for (const x of scored) {
    if (x.cost > cheapest * (1 + band)) continue;
    if (best === undefined || x.dropPct < best.dropPct) best = x;
  }
  return best?.k ?? -1;
}

/**
 * A plan's cost on the optimized objective from its simulated figures (undefined: not simulated, or the simulation
 * failed): the cost choosePlan judges confirmed plans by.
 */
export function simulatedCost(sim: Contender['simulated'], settings: Pick<ChoiceSettings, 'spec' | 'clockGHz' | 'refLatencyCycles'>): number | undefined {
  if (sim === undefined || sim.error !== undefined || !(sim.throughputImagesPerS > 0)) return undefined;
  const bottleneckCycles = (settings.clockGHz * 1e9) / sim.throughputImagesPerS;
  return fullModelCost(settings.spec, bottleneckCycles, sim.latencyCycles, settings.refLatencyCycles);
}
