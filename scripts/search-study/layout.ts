/**
 * The layout step (optimizer/layout/layout-step.ts) on the study's plans, as `optimize` applies it to each search's
 * row: every row's final plan and every best-known source is scored by its best layout, so the searches are compared
 * on the plans a user of `optimize` gets.
 */
import type { PlanChoices } from '../../arch/plan';
import { layoutStep } from '../../optimizer/layout/layout-step';
import { evaluateModel } from '../../optimizer/model';
import type { ModelContext } from '../../optimizer/model/types';
import { fullModelCost } from '../../optimizer/replication/replicate';
import type { EvaluatedCandidate, EvaluatorSettings } from '../../optimizer/search/evaluator';

/** Scores plans by their laid-out cost, once per distinct plan. */
export class LaidOutCosts {
  private readonly done = new Map<string, number>();
  /** Plans whose layout beat their own (for the study's log line). */
  improved = 0;

  constructor(
    private readonly ctx: ModelContext,
    private readonly settings: EvaluatorSettings,
  ) {}

  /** The plan's objective cost after the layout step (its own cost when no layout beats it). */
  cost(c: EvaluatedCandidate): number {
    const choices: PlanChoices = { wbits: c.wbits, abits: c.abits, replicas: c.replicas, ...(c.productBits ? { productBits: c.productBits } : {}) };
    const key = JSON.stringify(choices);
    const known = this.done.get(key);
    if (known !== undefined) return known;
    const { spec, refLatencyCycles, budgetCores } = this.settings;
    const laid = layoutStep(this.ctx, choices, evaluateModel(this.ctx, choices), budgetCores, spec, refLatencyCycles);
    // The step keeps the plan's own layout unless the full model finds another better, so this never exceeds c.cost
    // but for the evaluator's and the step's rounding; min() keeps the study's rows monotone regardless.
    const cost = Math.min(c.cost, fullModelCost(spec, laid.model.bottleneckCycles, laid.model.latencyCycles, refLatencyCycles));
    if (cost < c.cost) this.improved++;
    this.done.set(key, cost);
    return cost;
  }
}
