import type { Candidate } from './candidates';
import { exactOnCandidates, summarize, type ReplicationSolution } from './exact';
import { objectiveCost, type ObjectiveSpec } from './objective';
import type { ReplicationTables } from './tables';

/**
 * Fast path for the latency and mix objectives (the throughput objective is exact): start from the exact
 * minimum-bottleneck, fewest-cores solution, then spend the remaining cores one candidate step at a time on
 * the step with the best cost decrease per core. Not optimal in general (the MILP is); good enough to rank
 * candidates inside the search, whose finalists are re-solved by the MILP.
 */
export function greedyReplication(
  tables: ReplicationTables,
  cands: Candidate[][],
  budgetCores: number,
  spec: ObjectiveSpec,
): ReplicationSolution {
  const start = exactOnCandidates(tables, cands, budgetCores);
  if (spec.kind === 'throughput') return start;
  const picks = cands.map((list, l) => list.findIndex((c) => c.replicas === start.replicas[l]));
  let current = summarize(tables, cands, picks);
  for (;;) {
    const baseCost = objectiveCost(spec, current.bottleneckCycles, current.latencyProxyCycles);
    let best = -1;
    let bestRate = 0;
    for (let l = 0; l < picks.length; l++) {
      const list = cands[l] ?? [];
      const j = picks[l] ?? 0;
      const next = list[j + 1];
      const now = list[j];
      if (next === undefined || now === undefined) continue;
      const extra = next.cores - now.cores;
      if (current.cores + extra > budgetCores) continue;
      picks[l] = j + 1;
      const trial = summarize(tables, cands, picks);
      picks[l] = j;
      const rate = (baseCost - objectiveCost(spec, trial.bottleneckCycles, trial.latencyProxyCycles)) / Math.max(1, extra);
      if (rate > bestRate) {
        bestRate = rate;
        best = l;
      }
    }
    if (best < 0) return current;
    picks[best] = (picks[best] ?? 0) + 1;
    current = summarize(tables, cands, picks);
  }
}
