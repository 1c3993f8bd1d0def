import type { ResolvedNetwork } from '../../workloads/types';
import { CandidateEvaluator, precisionKey, type EvaluatedCandidate } from './evaluator';
import { polish } from './polish';
import { defaultSearchSettings } from './rl-search';
import { randomSearch } from './random-search';
import { distinctPlans, relinkPool, type RelinkPoolSettings } from './relink';

export interface ReferenceSettings {
  seed: number | string;
  /** Random samples (uniform bits per free layer, repaired). @default 5000 */
  samples: number;
  /** Distinct best plans (samples and extra starts) each refined by local search with single and paired moves. */
  starts: number;
  fixedLayers: readonly number[];
  /** Plans found by other methods, refined as further starts. */
  extraStarts?: readonly EvaluatedCandidate[];
  /**
   * Path relinking between the local optima (relink.ts): from each toward each other one bit at a time, then local
   * search from the best plan on each walk. @default true
   */
  relink?: boolean;
  /** Steps of each relinking walk (relink.ts). @default REFERENCE_RELINK_STEPS */
  relinkSteps?: number;
  /** New evaluations of the local search from each walk's best plan. @default REFERENCE_RELINK_POLISH */
  relinkPolish?: number;
  /** Probes: called after each relinking walk. */
  onWalk?: RelinkPoolSettings['onWalk'];
}

/**
 * One-bit steps per relinking walk (the walk the other way covers the guide's end). Whole walks between ResNet-50's
 * sampled optima took 346,354 evaluations for 20 walks and their local searches, 4.7 times the search without them.
 */
export const REFERENCE_RELINK_STEPS = 30;
/** New evaluations of the local search from a walk's best plan. */
export const REFERENCE_RELINK_POLISH = 2000;
/** Plans the relinking finds that join its pool (relinkPool's grow). */
export const REFERENCE_RELINK_GROW = 4;

export interface ReferenceResult {
  best: EvaluatedCandidate | undefined;
  /** Best of the random samples alone, before refinement. */
  bestSample: EvaluatedCandidate | undefined;
  evaluations: number;
  /** The distinct local optima of the starts' local searches, best first. */
  optima: EvaluatedCandidate[];
  /** Best plan of the relinking phase (undefined without it). */
  relinked: EvaluatedCandidate | undefined;
}

/**
 * The best-known plan of a network: a long seeded random search, then first-improvement local search (one
 * layer's bits up or down, and pairs of one down and one up, each with exact replication by the full model)
 * from the best distinct plans among the samples and the plans other methods found, then path relinking between
 * the local optima (relink.ts: walks of REFERENCE_RELINK_STEPS one-bit steps from each toward each other, local
 * search of at most REFERENCE_RELINK_POLISH evaluations from a walk's best plan when it beats the walk's start, up
 * to REFERENCE_RELINK_GROW better plans joining the pool; no walk starts once as many evaluations again as the
 * samples and local searches took are spent, so the search costs at most about twice what it did without). An
 * upper bound on the optimum's cost, used as the yardstick of the search's gap; not a proof of optimality.
 */
export async function referenceSearch(net: ResolvedNetwork, evaluator: CandidateEvaluator, settings: ReferenceSettings): Promise<ReferenceResult> {
  const search = defaultSearchSettings(net, {
    seed: `${String(settings.seed)}:reference`,
    episodes: settings.samples,
    warmupEpisodes: 0,
    topK: settings.starts,
    fixedLayers: [...settings.fixedLayers],
  });
  const sampled = await randomSearch(net, evaluator, search);
  let best = sampled.best;
  // The best `starts` distinct plans among the samples and the given ones, each refined to a local optimum.
  const seen = new Set<string>();
  const starts = [...sampled.top, ...(settings.extraStarts ?? [])]
    .filter((c) => c.feasible)
    .sort((a, b) => a.cost - b.cost)
    .filter((c) => {
      const key = precisionKey(c.wbits, c.abits);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, settings.starts);
  const refine = async (start: EvaluatedCandidate): Promise<EvaluatedCandidate> => {
    const p = await polish(evaluator, start, { fixedLayers: settings.fixedLayers, pairs: true });
    if (best === undefined || p.best.cost < best.cost) best = p.best;
    return p.best;
  };
  const refined: EvaluatedCandidate[] = [];
  for (const start of starts) refined.push(await refine(start));
  const optima = distinctPlans([...refined].sort((a, b) => a.cost - b.cost));
  let relinked: EvaluatedCandidate | undefined;
  if (settings.relink !== false) {
    const pool = await relinkPool(evaluator, optima, {
      fixedLayers: settings.fixedLayers,
      maxSteps: settings.relinkSteps ?? REFERENCE_RELINK_STEPS,
      // At most as many evaluations again as the samples and their local searches took.
      maxEvaluations: evaluator.evaluations,
      grow: REFERENCE_RELINK_GROW,
      refine: async (start) => {
        const p = await polish(evaluator, start, { fixedLayers: settings.fixedLayers, pairs: true, maxEvaluations: settings.relinkPolish ?? REFERENCE_RELINK_POLISH });
        if (best === undefined || p.best.cost < best.cost) best = p.best;
        return p.best;
      },
      ...(settings.onWalk ? { onWalk: settings.onWalk } : {}),
    });
    relinked = pool.best;
  }
  return { best, bestSample: sampled.best, evaluations: evaluator.evaluations, optima, relinked };
}
