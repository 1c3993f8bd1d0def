import { CandidateEvaluator } from '../optimizer/search/evaluator';
import { eliteRank } from '../optimizer/search/reward';
import { coresFor, layerTable, stageCycles } from '../optimizer/replication/tables';
import { setup } from '../scripts/search-study';
import type { EvaluatedCandidate } from '../optimizer/search/evaluator';

/**
 * CandidateEvaluator.computeReachCycles against a brute force: every replica count r of every layer (up to what the
 * whole budget holds), its compute stage time and cores straight from the replication tables' formulas, and the
 * smallest of all those stage times T at which the cheapest count of each layer reaching T fits the budget.
 */
function bruteReach(p: ReturnType<typeof setup>, wbits: number[], abits: number[]): number {
  const n = wbits.length;
  const perCore = p.ctx.arch.core.crossbars;
  const budget = p.settings.budgetCores;
  const levels: Array<Array<{ t: number; cores: number }>> = [];
  for (let pos = 0; pos < n; pos++) {
    const t = layerTable(p.ctx, pos, wbits[pos] ?? 8, abits[pos] ?? 8);
    const rows: Array<{ t: number; cores: number }> = [];
    for (let r = 1; coresFor(t, r, perCore) <= budget && r <= (t.isFc ? 4096 : t.pixels); r++) rows.push({ t: stageCycles(t, r), cores: coresFor(t, r, perCore) });
    levels.push(rows);
  }
  const times = [...new Set(levels.flatMap((rows) => rows.map((x) => x.t)))].sort((a, b) => a - b);
  for (const time of times) {
    let sum = 0;
    for (const rows of levels) {
      const fit = rows.filter((x) => x.t <= time).map((x) => x.cores);
      sum += fit.length > 0 ? Math.min(...fit) : Infinity;
    }
    if (sum <= budget) return time;
  }
  return Infinity;
}

describe('compute-only reach (reachRank)', () => {
  const p = setup('resnet18');
  const ev = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
  // ResNet-18 seeds 1 and 4 of the default search (docs/validation.md, s64): the 9386.9 and 11022.9 img/s plans.
  const low = { w: [8, 5, 4, 5, 3, 4, 4, 6, 5, 4, 4, 2, 4, 4, 4, 2, 2, 7, 5, 6, 8], a: [8, 3, 3, 5, 3, 4, 3, 6, 4, 5, 5, 6, 4, 6, 6, 4, 6, 7, 7, 7, 8] };
  const high = { w: [8, 5, 4, 3, 4, 4, 3, 4, 4, 4, 5, 4, 5, 4, 4, 4, 4, 4, 3, 4, 8], a: [8, 2, 2, 4, 3, 4, 5, 4, 5, 5, 6, 5, 5, 6, 6, 6, 6, 6, 5, 6, 8] };

  test('equals the brute force on the baseline and both plateau plans', () => {
    const eights = new Array<number>(21).fill(8);
    for (const plan of [{ w: eights, a: eights }, low, high]) expect(ev.computeReachCycles(plan.w, plan.a)).toBe(bruteReach(p, plan.w, plan.a));
  });

  test('ranks the two plans the full model separates the same way, and never rises when bits fall', () => {
    expect(ev.computeReachCycles(high.w, high.a)).toBeLessThan(ev.computeReachCycles(low.w, low.a));
    const fewer = { w: low.w.map((b, i) => (i === 0 || i === 20 ? b : Math.max(2, b - 1))), a: low.a };
    expect(ev.computeReachCycles(fewer.w, fewer.a)).toBeLessThanOrEqual(ev.computeReachCycles(low.w, low.a));
  });

  test('eliteRank: the reward less reachRank x log(reach / bottleneck); nothing without reachCycles or weight', () => {
    const c = { feasible: true, reward: 0.4, cost: 0.5, smoothCost: 0.5, bottleneckCycles: 1000 } as EvaluatedCandidate;
    const shaping = { smoothShaping: 0, bitShaping: 0, smoothRank: 0, reachRank: 0.2 };
    expect(eliteRank(c, shaping, 800)).toBeCloseTo(0.4 - 0.2 * Math.log(0.8), 12);
    expect(eliteRank(c, shaping)).toBe(0.4);
    expect(eliteRank(c, { ...shaping, reachRank: 0 }, 800)).toBe(0.4);
  });
});
