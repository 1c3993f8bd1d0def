import { bitsAt } from '../../arch/plan';
import { candidateKey, type CandidateEvaluator, type EvaluatedCandidate } from './evaluator';
import { noProductBits } from './product-bits';

/** What a relinking walk asks of an evaluator (CandidateEvaluator). */
export type RelinkEvaluator = Pick<CandidateEvaluator, 'evaluate' | 'evaluations'>;

/** One step of a walk: the bit moved one level toward the guide, and the plan it scores (repaired). */
export interface RelinkStep {
  layer: number;
  weights: boolean;
  /** The layer's walked bits before and after the step (|to - from| = 1, toward the guide's). */
  from: number;
  to: number;
  plan: EvaluatedCandidate;
}

export interface RelinkResult {
  /** The best feasible plan scored at a step before the last (the last scores the guide's bits): undefined if none. */
  best: EvaluatedCandidate | undefined;
  steps: RelinkStep[];
  evaluations: number;
}

/**
 * Lower cost first; a feasible plan before an infeasible one; at equal cost the lower smooth cost (the stages near
 * the bottleneck faster: on a plateau of equal cost the walk moves where the next step down is nearer).
 */
function better(x: EvaluatedCandidate, y: EvaluatedCandidate): boolean {
  if (x.feasible !== y.feasible) return x.feasible;
  if (x.cost < y.cost * (1 - 1e-12)) return true;
  return x.cost <= y.cost * (1 + 1e-12) && x.smoothCost < y.smoothCost * (1 - 1e-12);
}

/** Feasible and strictly cheaper (no tie-break: a plateau mate of a plan is no reason to refine it again). */
function cheaper(x: EvaluatedCandidate, y: EvaluatedCandidate): boolean {
  return x.feasible && (!y.feasible || x.cost < y.cost * (1 - 1e-12));
}

/**
 * Path relinking (Glover): walks from `start`'s bits to `guide`'s one bit level at a time. At each step every
 * one-level move of a free layer's weight or activation bits toward the guide's is scored as the searches score a
 * plan (the evaluator's repair to the accuracy budget, exact replication, full model) and the best taken (at
 * equal cost the lower smooth cost, then layer order, weights before activations), even when it is worse than the
 * plan before: a walk crosses the plateaus and valleys between two local optima that no improving move leaves (s64:
 * ResNet-50's 7086.2 img/s plan lies 14 steps from an RL plan at 5905.1, on the path to one at 6369.4). The walked
 * bits are the unrepaired ones, so a whole walk ends on the guide; `maxSteps` truncates it. Product own bits are not
 * walked: plans with any are returned unwalked. Deterministic.
 */
export async function relinkPath(evaluator: RelinkEvaluator, start: EvaluatedCandidate, guide: EvaluatedCandidate, fixedLayers: readonly number[], maxSteps = Infinity): Promise<RelinkResult> {
  const first = evaluator.evaluations;
  const steps: RelinkStep[] = [];
  if (!noProductBits(start.productBits) || !noProductBits(guide.productBits)) return { best: undefined, steps, evaluations: 0 };
  const fixed = new Set(fixedLayers);
  const n = start.wbits.length;
  const wbits = [...start.wbits];
  const abits = [...start.abits];
  while (steps.length < maxSteps) {
    let chosen: RelinkStep | undefined;
    for (let layer = 0; layer < n; layer++) {
      if (fixed.has(layer)) continue;
      for (const weights of [true, false]) {
        const bits = weights ? wbits : abits;
        const from = bitsAt(bits, layer);
        const target = bitsAt(weights ? guide.wbits : guide.abits, layer);
        if (from === target) continue;
        const to = from + Math.sign(target - from);
        const next = [...bits];
        next[layer] = to;
        const plan = await evaluator.evaluate(weights ? next : wbits, weights ? abits : next);
        if (chosen === undefined || better(plan, chosen.plan)) chosen = { layer, weights, from, to, plan };
      }
    }
    if (chosen === undefined) break;
    (chosen.weights ? wbits : abits)[chosen.layer] = chosen.to;
    steps.push(chosen);
  }
  // A whole walk's last step scores the guide itself.
  const inner = sameBits(wbits, abits, guide) ? steps.slice(0, -1) : steps;
  let best: EvaluatedCandidate | undefined;
  for (const s of inner) if (s.plan.feasible && (best === undefined || better(s.plan, best))) best = s.plan;
  return { best, steps, evaluations: evaluator.evaluations - first };
}

function sameBits(wbits: readonly number[], abits: readonly number[], c: EvaluatedCandidate): boolean {
  return wbits.every((w, i) => w === c.wbits[i]) && abits.every((a, i) => a === c.abits[i]);
}

export interface RelinkPoolSettings {
  fixedLayers: readonly number[];
  /** Steps walked from each plan toward each other one (the walk the other way covers the guide's end). @default Infinity */
  maxSteps?: number;
  /** Local search from a walk's best plan (each distinct one once). */
  refine: (plan: EvaluatedCandidate) => Promise<EvaluatedCandidate>;
  /** No walk starts once this many new evaluations (walks and refinement) are spent. @default Infinity */
  maxEvaluations?: number;
  /**
   * Plans a refinement finds, distinct and better than the pool's best, join the pool (at most this many) and are
   * relinked with the others in turn. @default 0
   */
  grow?: number;
  /** Called after each walk (probes; pool positions). */
  onWalk?: (from: number, to: number, walk: RelinkResult, refined: EvaluatedCandidate | undefined) => void;
}

export interface RelinkPoolResult {
  /** The best plan a refinement found (undefined: none ran). */
  best: EvaluatedCandidate | undefined;
  walks: number;
  /** The pool at the end, the given plans first. */
  pool: EvaluatedCandidate[];
  evaluations: number;
}

/**
 * Relinks a pool of plans: walks from each toward each other one (relinkPath; the pairs of the best plans first, as
 * given: pass them best first), and refines the best plan of a walk when it beats the walk's start (a walk whose
 * best is its first step's plateau mate leads back to the start's optimum). With `grow`, a refined plan better than
 * the pool's best joins it and is relinked with every member. Deterministic.
 */
export async function relinkPool(evaluator: RelinkEvaluator, plans: readonly EvaluatedCandidate[], settings: RelinkPoolSettings): Promise<RelinkPoolResult> {
  const first = evaluator.evaluations;
  const budget = settings.maxEvaluations ?? Infinity;
  const pool = distinctPlans(plans);
  const keys = new Set(pool.map(candidateKey));
  const refinedFrom = new Set<string>();
  // Pairs in order of their worse member's rank, then the better one's; both directions.
  const queue: Array<[number, number]> = [];
  for (let j = 1; j < pool.length; j++) for (let i = 0; i < j; i++) queue.push([i, j], [j, i]);
  let best: EvaluatedCandidate | undefined;
  let walks = 0;
  let grown = 0;
  while (queue.length > 0 && evaluator.evaluations - first < budget) {
    const [i, j] = queue.shift() ?? [0, 0];
    const from = pool[i];
    const guide = pool[j];
    if (from === undefined || guide === undefined) continue;
    const walk = await relinkPath(evaluator, from, guide, settings.fixedLayers, settings.maxSteps);
    walks++;
    let refined: EvaluatedCandidate | undefined;
    if (walk.best !== undefined && cheaper(walk.best, from) && !refinedFrom.has(candidateKey(walk.best))) {
      refinedFrom.add(candidateKey(walk.best));
      refined = await settings.refine(walk.best);
      const top = pool.reduce((b, c) => (better(c, b) ? c : b));
      if (grown < (settings.grow ?? 0) && cheaper(refined, top) && !keys.has(candidateKey(refined))) {
        grown++;
        keys.add(candidateKey(refined));
        const k = pool.push(refined) - 1;
        // The new plan's pairs before the rest: it is the pool's best.
        queue.unshift(...pool.slice(0, k).flatMap((_, m): Array<[number, number]> => [[k, m], [m, k]]));
      }
      if (best === undefined || cheaper(refined, best)) best = refined;
    }
    settings.onWalk?.(i, j, walk, refined);
  }
  return { best, walks, pool, evaluations: evaluator.evaluations - first };
}

/** The distinct plans (by their bits) among these, in order: the first of equal ones kept. */
export function distinctPlans(plans: readonly EvaluatedCandidate[]): EvaluatedCandidate[] {
  const seen = new Set<string>();
  return plans.filter((c) => {
    const key = candidateKey(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
