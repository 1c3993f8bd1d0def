import type { PlanChoices } from '../../arch/plan';
import { NO_WORSE_SLACK } from '../../arch/packing-choice';
import { MappingError } from '../../errors';
import { evaluateModel } from '../model/evaluate';
import type { ModelContext, ModelResult } from '../model/types';
import type { ObjectiveSpec } from '../replication/objective';
import { fullModelCost } from '../replication/replicate';
import { searchLayouts } from './layout-search';

/** A plan after the layout step: its own when no layout beat it by the full model. */
export interface LaidOutPlan {
  choices: PlanChoices;
  model: ModelResult;
  /** The compute target of the layout kept (undefined: the plan is unchanged). */
  targetCycles?: number;
  /** Layers with cores left empty before them in the layout kept. */
  movedLayers: number;
  /** Packing walks the layout search made and full-model evaluations that confirmed its layouts. */
  walks: number;
  fullEvaluations: number;
}

/**
 * The layout step (layout-search.ts) applied to a search's plan: every layout the search reached is evaluated by the
 * full model, and the one with the lowest objective cost kept when it beats the plan's own by more than
 * NO_WORSE_SLACK (so no plan comes out worse by the full model; in optimize the simulator confirms or rejects it:
 * layout-confirm.ts). `model`: the plan's full evaluation.
 */
export function layoutStep(ctx: ModelContext, choices: PlanChoices, model: ModelResult, budgetCores: number, spec: ObjectiveSpec, refLatencyCycles: number): LaidOutPlan {
  const search = searchLayouts(ctx, choices, model.bottleneckCycles, budgetCores);
  const cost = (m: ModelResult): number => fullModelCost(spec, m.bottleneckCycles, m.latencyCycles, refLatencyCycles);
  let best: LaidOutPlan = { choices, model, movedLayers: 0, walks: search.walks, fullEvaluations: 0 };
  let bestCost = cost(model) * (1 - NO_WORSE_SLACK);
  let evaluations = 0;
  for (const step of search.reached) {
    let m: ModelResult;
    try {
      evaluations++;
      m = evaluateModel(ctx, step.choices);
    } catch (error) {
      // A layout whose load-aware packing does not fit the chip (the search walks the plain packing only).
      if (error instanceof MappingError) continue;
      throw error;
    }
    if (cost(m) < bestCost) {
      bestCost = cost(m);
      const moved = (step.choices.skipCores ?? []).filter((s) => s > 0).length;
      best = { choices: step.choices, model: m, targetCycles: step.targetCycles, movedLayers: moved, walks: search.walks, fullEvaluations: 0 };
    }
  }
  best.fullEvaluations = evaluations;
  return best;
}
