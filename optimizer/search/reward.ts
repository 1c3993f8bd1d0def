import { bitsAt } from '../../arch/plan';
import { MAX_SEARCH_BITS, MIN_SEARCH_BITS, type EvaluatedCandidate } from './evaluator';

/**
 * What the agent learns from and ranks its imitated episodes by (the search's answer and every reported figure
 * stay the plan's true cost). HAQ learns from -log(cost) alone; on a plateau (ResNet-18's 9320 img/s plan: 35
 * of 38 one-layer steps leave the cost exactly unchanged, docs/validation.md) that gives no gradient, so two
 * optional secondary terms guide it:
 * - smoothShaping w: -((1 - w) log cost + w log smoothCost), the p-norm of the stage times in place of their
 *   maximum (evaluator.ts), so a faster near-bottleneck stage scores before all of them are faster;
 * - bitShaping l: minus l times the plan's pressure-weighted bits (bitPressure): among plans of equal cost, the
 *   one with fewer bits where the stages are near the bottleneck (and more where they have slack) scores higher,
 *   the direction in which the tensors' shared bits and the binding links get relieved when the coupled readers
 *   move together, which no single-layer step shows in the cost.
 */
export interface RewardShaping {
  smoothShaping: number;
  bitShaping: number;
  /**
   * Weight of log(smoothCost / cost) in the elite ranking only (eliteRank): among plans of equal cost, the one
   * whose other stages are further below the bottleneck ranks first. 0: none.
   */
  smoothRank: number;
  /**
   * Weight of log(reach / bottleneck) in the elite ranking only (eliteRank), reach being the interval the plan's
   * bits reach by compute alone within the core budget (CandidateEvaluator.computeReachCycles): among plans of equal
   * cost, the one whose compute could go furthest below its bottleneck ranks first. 0 or absent: none.
   */
  reachRank?: number;
}

/**
 * Bits weighted by each layer's pressure (its stage time, or its fed non-weighted layers', over the bottleneck:
 * EvaluatedCandidate.pressureCycles), in [0, 1]: 0 when every layer is at the fewest bits, 1 at the most.
 */
export function bitPressure(c: Pick<EvaluatedCandidate, 'wbits' | 'abits' | 'pressureCycles' | 'bottleneckCycles'>): number {
  if (!(c.bottleneckCycles > 0)) return 1;
  const span = 2 * (MAX_SEARCH_BITS - MIN_SEARCH_BITS);
  let sum = 0;
  let weight = 0;
  c.pressureCycles.forEach((cycles, i) => {
    const p = Math.min(1, cycles / c.bottleneckCycles);
    sum += (p * (bitsAt(c.wbits, i) + bitsAt(c.abits, i) - 2 * MIN_SEARCH_BITS)) / span;
    weight += p;
  });
  return weight > 0 ? sum / weight : 1;
}

/**
 * What the imitated (elite) episodes are ranked by: the reward less the bit-shaping, smooth-rank and reach-rank terms
 * (smoothShaping guides the critic only; `reachCycles`: the plan's compute-only reach, needed when reachRank > 0).
 * Infeasible plans: their penalty.
 */
export function eliteRank(c: EvaluatedCandidate, shaping: RewardShaping, reachCycles?: number): number {
  if (!c.feasible) return c.reward;
  let rank = c.reward;
  if (shaping.bitShaping > 0) rank -= shaping.bitShaping * bitPressure(c);
  if (shaping.smoothRank > 0 && c.cost > 0) rank -= shaping.smoothRank * Math.log(c.smoothCost / c.cost);
  const reach = shaping.reachRank ?? 0;
  if (reach > 0 && reachCycles !== undefined && reachCycles > 0 && c.bottleneckCycles > 0) rank -= reach * Math.log(reachCycles / c.bottleneckCycles);
  return rank;
}

/** The reward the agent learns from (infeasible plans: their penalty, unshaped). */
export function learnedReward(c: EvaluatedCandidate, shaping: RewardShaping): number {
  if (!c.feasible) return c.reward;
  const w = shaping.smoothShaping;
  const base = w > 0 ? -((1 - w) * Math.log(c.cost) + w * Math.log(c.smoothCost)) : c.reward;
  return shaping.bitShaping > 0 ? base - shaping.bitShaping * bitPressure(c) : base;
}
