import type { ArchSpec } from '../../arch/types';
import { baselineChoices } from '../../arch/plan';
import type { ResolvedNetwork } from '../../workloads/types';
import { evaluateModel } from '../../optimizer/model';
import type { ModelContext } from '../../optimizer/model/types';
import { proxyOracle } from '../../optimizer/accuracy/proxy';
import { CandidateEvaluator } from '../../optimizer/search/evaluator';

/**
 * A factory of fresh throughput-objective evaluators for the search tests: the core budget is the 8-bit, one-replica
 * baseline's tiles, the objective referenced to that baseline's bottleneck and latency, the proxy oracle.
 */
export function baselineEvaluators(arch: ArchSpec, net: ResolvedNetwork, ctx: ModelContext, accuracyBudgetPct: number): () => CandidateEvaluator {
  const base = evaluateModel(ctx, baselineChoices(net.weightedIndices.length));
  return () =>
    new CandidateEvaluator(ctx, proxyOracle(net), {
      budgetCores: base.tilesUsed * arch.tile.cores,
      spec: { kind: 'throughput', mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: base.latencyCycles },
      refLatencyCycles: base.latencyCycles,
      accuracyBudgetPct,
    });
}
