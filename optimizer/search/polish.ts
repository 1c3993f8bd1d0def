import { bitsAt } from '../../arch/plan';
import { CandidateEvaluator, MAX_SEARCH_BITS, MIN_SEARCH_BITS, type EvaluatedCandidate } from './evaluator';

/** One bit change: layer, weights or activations, +1 or -1. */
interface Move {
  layer: number;
  weights: boolean;
  delta: number;
}

export interface PolishSettings {
  /** Weighted layers whose bits stay as they are (the search's fixed layers). */
  fixedLayers: readonly number[];
  /** Stop after this many new (uncached) evaluations. @default Infinity */
  maxEvaluations?: number;
  /** Also try pairs of moves (one layer down, another up), for the long reference search. @default false */
  pairs?: boolean;
}

export interface PolishResult {
  best: EvaluatedCandidate;
  /** Improving moves taken. */
  steps: number;
  /** Full passes over the moves. */
  passes: number;
  evaluations: number;
}

function apply(wbits: number[], abits: number[], m: Move): boolean {
  const bits = m.weights ? wbits : abits;
  const next = bitsAt(bits, m.layer) + m.delta;
  if (next < MIN_SEARCH_BITS || next > MAX_SEARCH_BITS) return false;
  bits[m.layer] = next;
  return true;
}

/**
 * First-improvement local search on the bits: change one layer's weight or activation bits by one (with the
 * evaluator's accuracy repair, so a step down may be paid for elsewhere), or with `pairs` one layer down and
 * another up, each candidate scored with its exact replication by the full model; a change is kept when the
 * plan is feasible and cheaper. Stops at a local optimum (a full pass without improvement) or at the evaluation
 * budget. Deterministic: moves are tried in a fixed order.
 */
export async function polish(evaluator: CandidateEvaluator, start: EvaluatedCandidate, settings: PolishSettings): Promise<PolishResult> {
  const n = start.wbits.length;
  const fixed = new Set(settings.fixedLayers);
  const singles: Move[] = [];
  for (let layer = 0; layer < n; layer++) {
    if (fixed.has(layer)) continue;
    for (const weights of [true, false]) for (const delta of [-1, 1]) singles.push({ layer, weights, delta });
  }
  const downs = singles.filter((m) => m.delta < 0);
  const ups = singles.filter((m) => m.delta > 0);
  const budget = settings.maxEvaluations ?? Infinity;
  const first = evaluator.evaluations;
  let best = start;
  let steps = 0;
  let passes = 0;
  const tryBits = async (wbits: number[], abits: number[]): Promise<boolean> => {
    const c = await evaluator.evaluate(wbits, abits);
    if (c.feasible && c.cost < best.cost * (1 - 1e-12)) {
      best = c;
      steps++;
      return true;
    }
    return false;
  };
  let improved = true;
  while (improved && evaluator.evaluations - first < budget) {
    improved = false;
    passes++;
    for (const m of singles) {
      if (evaluator.evaluations - first >= budget) break;
      const wbits = [...best.wbits];
      const abits = [...best.abits];
      if (apply(wbits, abits, m) && (await tryBits(wbits, abits))) improved = true;
    }
    if (improved || settings.pairs !== true) continue;
    for (const down of downs) {
      for (const up of ups) {
        if (up.layer === down.layer && up.weights === down.weights) continue;
        if (evaluator.evaluations - first >= budget) break;
        const wbits = [...best.wbits];
        const abits = [...best.abits];
        if (apply(wbits, abits, down) && apply(wbits, abits, up) && (await tryBits(wbits, abits))) improved = true;
      }
    }
  }
  return { best, steps, passes, evaluations: evaluator.evaluations - first };
}
