/** Random search at the RL's evaluation budget (issue 17's yardstick); beside rl-search.ts. */
import { purposeStream } from './seed-stream';
import { baselineChoices } from '../../arch/plan';
import type { ResolvedNetwork } from '../../workloads/types';
import { CandidateEvaluator, MAX_SEARCH_BITS, MIN_SEARCH_BITS, type EvaluatorSettings } from './evaluator';
import type { ModelContext } from '../model';
import type { AccuracyOracle } from '../accuracy/types';
import { TopK } from './top-k';
import { actionToBits } from './state';
import { assertRepairCost } from './step-wall';
import { record, type EpisodeRecord } from './history';
import type { SearchResult, SearchSettings } from './rl-search';

/**
 * The evaluator optimize's random search runs on: its candidates are read for their cost and plan only (its row is
 * evaluated again), so under the throughput objective their single-image latency is left out (700 latency
 * recurrences, ~0.4 s of ResNet-50's optimize); the history's rows then carry none.
 */
export function randomSearchEvaluator(ctx: ModelContext, oracle: AccuracyOracle, settings: EvaluatorSettings): CandidateEvaluator {
  const evaluator = new CandidateEvaluator(ctx, oracle, settings);
  evaluator.setLatencyNeeded(false);
  return evaluator;
}

/** Random search with the same evaluation budget: uniform bits per free layer, repaired the same way. */
export async function randomSearch(net: ResolvedNetwork, evaluator: CandidateEvaluator, settings: SearchSettings): Promise<SearchResult> {
  assertRepairCost(evaluator, settings);
  const random = purposeStream(settings.seed, 'random');
  const n = net.weightedIndices.length;
  const fixed = new Set(settings.fixedLayers);
  const top = new TopK(settings.topK);
  const history: EpisodeRecord[] = [];
  const total = settings.warmupEpisodes + settings.episodes;
  for (let episode = 0; episode < total; episode++) {
    const { wbits, abits } = baselineChoices(n);
    for (let i = 0; i < n; i++) {
      if (fixed.has(i)) continue;
      wbits[i] = actionToBits(random(), MIN_SEARCH_BITS, MAX_SEARCH_BITS);
      abits[i] = actionToBits(random(), MIN_SEARCH_BITS, MAX_SEARCH_BITS);
    }
    const c = await evaluator.evaluate(wbits, abits);
    top.offer(c);
    const row = record(episode, 'random', 0, c, top);
    history.push(row);
    settings.onEpisode?.(row);
  }
  return { best: top.best, top: [...top.items], history, evaluations: evaluator.evaluations };
}
