import type { CandidateEvaluator, EvaluatedCandidate } from './evaluator';

/** SearchSettings.eliteEpisodes' default: the best distinct episodes the actor imitates. */
export const DEFAULT_ELITE_EPISODES = 3;

/**
 * One imitated (elite) episode of the RL search. reward: its elite rank (reward.ts eliteRank); trueReward: the plan's
 * reward; deficit: its core deficit to the next interval (deficitRank's tie-break, Infinity without it).
 */
export interface Elite {
  reward: number;
  trueReward: number;
  deficit: number;
  key: string;
  states: Float64Array[];
  actions: number[][];
}

/**
 * A plan's deficit as the search's deficitRank reads it, memoised per candidate: the cores short of reaching
 * (1 - deficitDelta) x its interval (deficitDelta 0: the next compute level below it) on the replication tables
 * (1: the placement's floors fixed; 2: scaled, search/deficit.ts). Infinity when off or the plan is infeasible.
 */
export function planDeficit(evaluator: CandidateEvaluator, settings: { deficitRank: number; deficitDelta: number }): (c: EvaluatedCandidate) => number {
  const known = new WeakMap<EvaluatedCandidate, number>();
  return (c) => {
    if (settings.deficitRank === 0 || !c.feasible) return Infinity;
    const hit = known.get(c);
    if (hit !== undefined) return hit;
    const target = settings.deficitDelta > 0 ? (1 - settings.deficitDelta) * c.bottleneckCycles : evaluator.nextStageBelow(c.wbits, c.abits, c.bottleneckCycles);
    const deficit = target === undefined ? Infinity : evaluator.deficitCores(c, target, settings.deficitRank === 2 ? 'scaled' : 'fixed');
    known.set(c, deficit);
    return deficit;
  };
}

/**
 * Whether elite x ranks above y: with deficitRank, by the smaller deficit when their rewards are equal within a
 * relative 1e-9 (a plateau of the full model); otherwise, and on equal deficits, by the elite rank.
 */
export function eliteAbove(deficitRank: number): (x: Elite, y: Elite) => boolean {
  return (x, y) => {
    const tied = deficitRank > 0 && Math.abs(x.trueReward - y.trueReward) <= 1e-9 * Math.max(1, Math.abs(y.trueReward));
    if (tied && x.deficit !== y.deficit) return x.deficit < y.deficit;
    return x.reward > y.reward;
  };
}

/**
 * Adds `entry` to the elite (best first, at most `capacity`) when there is room or it ranks above the worst; its
 * states and actions are filled only then. Returns whether it was added.
 */
export function admitElite(elite: Elite[], entry: Elite, capacity: number, above: (x: Elite, y: Elite) => boolean, fill: (e: Elite) => void): boolean {
  const worst = elite[elite.length - 1];
  if (elite.length >= capacity && (worst === undefined || !above(entry, worst))) return false;
  fill(entry);
  elite.push(entry);
  elite.sort((x, y) => (above(x, y) ? -1 : above(y, x) ? 1 : 0));
  elite.length = Math.min(elite.length, capacity);
  return true;
}
