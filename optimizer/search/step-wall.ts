/**
 * The RL search's step wall helpers (rl-search.ts): the budget each step keeps for the steps after it, the repair of
 * the layers visited so far (wallRepair), and the check that the evaluator repairs as the search settings say.
 */
import { BASELINE_BITS, bitsAt } from '../../arch/plan';
import type { CandidateEvaluator, EvaluatedCandidate } from './evaluator';
import type { SeparableTerms } from './product-bits';
import { repairBits, separableDrop, wallReserves, type RepairCost } from './repair';

type Step = { product: boolean; k: number };

/** Per step t, the drop kept for steps t.. (wallReserves of the best plan so far); empty without a reserve or a plan. */
export function episodeReserve(share: number, steps: readonly Step[], best: EvaluatedCandidate | undefined, terms: SeparableTerms | undefined, evaluator: CandidateEvaluator): number[] {
  if (!(share > 0) || best === undefined || terms === undefined) return [];
  const productBits = evaluator.productBitsInEffect(best);
  const drops = steps.map((step) => (step.product ? terms.product(step.k, productBits[step.k] ?? BASELINE_BITS) : terms.layer(step.k, bitsAt(best.wbits, step.k), bitsAt(best.abits, step.k))));
  return wallReserves(share, drops);
}

/** wallRepair: repairs the episode's plan so far within `limitPct`; the drop it then spends and its visited layers' core share. */
export function repairVisited(terms: SeparableTerms, plan: { wbits: number[]; abits: number[]; productBits: number[] }, limitPct: number, cost: RepairCost | undefined, evaluator: CandidateEvaluator, steps: readonly Step[], current: Step): { spentPct: number; coresSpent: number } {
  repairBits(terms, plan.wbits, plan.abits, plan.productBits, limitPct, cost);
  return { spentPct: separableDrop(terms, plan.wbits, plan.abits, plan.productBits), coresSpent: visitedCores(evaluator, steps, current, plan.wbits, plan.abits) };
}

/** Core-budget share of the free layers visited up to `current` (inclusive) at their bits now (the state's feature). */
export function visitedCores(evaluator: CandidateEvaluator, steps: readonly Step[], current: Step, wbits: readonly number[], abits: readonly number[]): number {
  let sum = 0;
  for (const step of steps) {
    if (!step.product) sum += evaluator.coreShare(step.k, bitsAt(wbits, step.k), bitsAt(abits, step.k));
    if (step === current) break;
  }
  return sum;
}

/** The evaluator repairs as the search settings say (one value, set on both by the caller). */
export function assertRepairCost(evaluator: CandidateEvaluator, settings: { repairCost: number; repairPressure: boolean }): void {
  if ((evaluator.settings.repairCost ?? 0) !== settings.repairCost || (evaluator.settings.repairPressure ?? false) !== settings.repairPressure) {
    throw new Error(`search repairCost ${settings.repairCost} repairPressure ${settings.repairPressure} but the evaluator's are ${evaluator.settings.repairCost ?? 0} ${evaluator.settings.repairPressure ?? false}`);
  }
}
