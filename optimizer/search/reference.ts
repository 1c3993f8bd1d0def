import type { ResolvedNetwork } from '../../workloads/types';
import { CandidateEvaluator, precisionKey, type EvaluatedCandidate } from './evaluator';
import { polish } from './polish';
import { defaultSearchSettings } from './rl-search';
import { randomSearch } from './random-search';

export interface ReferenceSettings {
  seed: number | string;
  /** Random samples (uniform bits per free layer, repaired). @default 5000 */
  samples: number;
  /** Distinct best plans (samples and extra starts) each refined by local search with single and paired moves. */
  starts: number;
  fixedLayers: readonly number[];
  /** Plans found by other methods, refined as further starts. */
  extraStarts?: readonly EvaluatedCandidate[];
}

export interface ReferenceResult {
  best: EvaluatedCandidate | undefined;
  /** Best of the random samples alone, before refinement. */
  bestSample: EvaluatedCandidate | undefined;
  evaluations: number;
}

/**
 * The best-known plan of a network: a long seeded random search, then first-improvement local search (one
 * layer's bits up or down, and pairs of one down and one up, each with exact replication by the full model)
 * from the best distinct plans among the samples and the plans other methods found. An upper bound on the optimum's
 * cost, used as the yardstick of the search's gap; not a proof of optimality.
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
  for (const start of starts) {
    const p = await polish(evaluator, start, { fixedLayers: settings.fixedLayers, pairs: true });
    if (best === undefined || p.best.cost < best.cost) best = p.best;
  }
  return { best, bestSample: sampled.best, evaluations: evaluator.evaluations };
}
