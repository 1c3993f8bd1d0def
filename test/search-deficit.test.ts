import { CandidateEvaluator, type EvaluatedCandidate } from '../optimizer/search/evaluator';
import { TopK } from '../optimizer/search/top-k';
import { buildTables, coresFor, layerTable, stageCycles } from '../optimizer/replication/tables';
import { evaluateModel } from '../optimizer/model';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { setup } from '../scripts/search-study';

/**
 * CandidateEvaluator.deficitCores against a brute force: every replica count r of every layer up to what the whole
 * budget holds, its stage time and cores straight from the replication tables' formulas (tables.ts stageCycles,
 * coresFor), with the plan's floors fixed (mode 'fixed') or the layer's non-compute share scaling its compute
 * ('scaled'); per layer the fewest cores whose stage time is at most the target, summed, less the budget.
 */
function bruteDeficit(p: ReturnType<typeof setup>, c: EvaluatedCandidate, target: number, mode: 'fixed' | 'scaled'): number {
  const perCore = p.ctx.arch.core.crossbars;
  const budget = p.settings.budgetCores;
  if (mode === 'fixed' && (c.globalFloorCycles ?? 0) > target) return Infinity;
  let sum = 0;
  for (let pos = 0; pos < c.wbits.length; pos++) {
    const bare = layerTable(p.ctx, pos, c.wbits[pos] ?? 8, c.abits[pos] ?? 8);
    const t = mode === 'fixed' ? { ...bare, floorCycles: c.floorCycles?.[pos] ?? 0 } : bare;
    const share = mode === 'fixed' ? 1 : Math.max(1, (c.pressureCycles[pos] ?? 0) / stageCycles(bare, c.replicas[pos] ?? 1));
    let best = Infinity;
    for (let r = 1; coresFor(t, r, perCore) <= budget && r <= (t.isFc ? 4096 : t.pixels); r++) {
      if (stageCycles(t, r) * share <= target) best = Math.min(best, coresFor(t, r, perCore));
    }
    sum += best;
  }
  return sum - budget;
}

describe('core deficit to the next interval (deficitRank)', () => {
  const p = setup('resnet18');
  const ev = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
  // ResNet-18's 9386.9 and 11022.9 img/s plans of the default search (docs/validation.md, s64).
  const low = { w: [8, 5, 4, 5, 3, 4, 4, 6, 5, 4, 4, 2, 4, 4, 4, 2, 2, 7, 5, 6, 8], a: [8, 3, 3, 5, 3, 4, 3, 6, 4, 5, 5, 6, 4, 6, 6, 4, 6, 7, 7, 7, 8] };
  const high = { w: [8, 5, 4, 3, 4, 4, 3, 4, 4, 4, 5, 4, 5, 4, 4, 4, 4, 4, 3, 4, 8], a: [8, 2, 2, 4, 3, 4, 5, 4, 5, 5, 6, 5, 5, 6, 6, 6, 6, 6, 5, 6, 8] };

  test("the floors kept are the replication tables' at the plan's own placement (an independent evaluation of its replicas)", async () => {
    for (const plan of [low, high]) {
      const c = await ev.evaluate(plan.w, plan.a);
      const tables = buildTables(p.ctx, c.wbits, c.abits, evaluateModel(p.ctx, { wbits: c.wbits, abits: c.abits, replicas: c.replicas }));
      expect(c.floorCycles).toEqual(tables.layers.map((l) => l.floorCycles));
      expect(c.globalFloorCycles).toBe(tables.globalFloorCycles);
    }
  });

  test('equals the brute force over replica counts, both modes, targets from 0.5 to 2 x the interval', async () => {
    let finite = 0;
    for (const plan of [low, high, { w: new Array<number>(21).fill(8), a: new Array<number>(21).fill(8) }]) {
      const c = await ev.evaluate(plan.w, plan.a);
      for (const k of [0.5, 0.9, 0.99, 1, 1.2, 2]) {
        for (const mode of ['fixed', 'scaled'] as const) {
          const got = ev.deficitCores(c, k * c.bottleneckCycles, mode);
          expect(got).toBe(bruteDeficit(p, c, k * c.bottleneckCycles, mode));
          if (Number.isFinite(got)) finite++;
        }
      }
    }
    expect(finite).toBeGreaterThan(10);
  });

  test("the plateau plans' fixed floors forbid any lower interval: conv1's NoC input and the layer after it are the bottleneck", async () => {
    for (const plan of [low, high]) {
      const c = await ev.evaluate(plan.w, plan.a);
      expect(c.floorCycles?.[0]).toBe(c.bottleneckCycles);
      expect(ev.deficitCores(c, 0.99 * c.bottleneckCycles, 'fixed')).toBe(Infinity);
      expect(Number.isFinite(ev.deficitCores(c, 0.99 * c.bottleneckCycles, 'scaled'))).toBe(true);
    }
  });

  test('the interval itself is within the budget (the plan uses at most the budget), and a lower target never needs fewer cores', async () => {
    const c = await ev.evaluate(low.w, low.a);
    expect(ev.deficitCores(c, c.bottleneckCycles, 'fixed')).toBeLessThanOrEqual(0);
    let last = -Infinity;
    for (const k of [1.5, 1.2, 1, 0.98, 0.95, 0.9, 0.8]) {
      const d = ev.deficitCores(c, k * c.bottleneckCycles, 'scaled');
      expect(d).toBeGreaterThanOrEqual(last);
      last = d;
    }
  });

  test('--search-settings deficitRank: 0, 1 or 2; deficitDelta from 0 to 0.5; default off', () => {
    expect(parseSearchSettings('deficitRank=1,deficitDelta=0.02').overrides).toMatchObject({ deficitRank: 1, deficitDelta: 0.02 });
    expect(parseSearchSettings('haq').overrides.deficitRank).toBe(0);
    for (const bad of ['deficitRank=3', 'deficitRank=1.5', 'deficitRank=-1', 'deficitDelta=0.6', 'deficitDelta=x']) expect(() => parseSearchSettings(bad)).toThrow(/deficit/);
    const s = defaultSearchSettings(p.net);
    expect([s.deficitRank, s.deficitDelta]).toEqual([0, 0.01]);
  });

  test('TopK with a tie-break (deficitBest): among equal costs the lower value leads, otherwise first seen; cost still first', () => {
    const cand = (w: number, cost: number): EvaluatedCandidate => ({ wbits: [w], abits: [8], cost, feasible: true }) as EvaluatedCandidate;
    const value = (c: EvaluatedCandidate): number => [0, 5, 3, 9][c.wbits[0] ?? 0] ?? 0;
    const plain = new TopK(3);
    const tied = new TopK(3, value);
    for (const c of [cand(1, 0.5), cand(2, 0.5), cand(3, 0.5 * (1 + 1e-3))]) {
      plain.offer(c);
      tied.offer(c);
    }
    expect(plain.items.map((c) => c.wbits[0])).toEqual([1, 2, 3]);
    expect(tied.items.map((c) => c.wbits[0])).toEqual([2, 1, 3]);
    expect(parseSearchSettings('deficitRank=2,deficitBest=1').overrides).toMatchObject({ deficitRank: 2, deficitBest: true });
  });

  test('the tie-break costs no evaluation (one per distinct plan, at most one per episode), and deficitRank 0 is the default search', async () => {
    const run = async (o: SearchOverrides) => {
      const e = new CandidateEvaluator(p.ctx, p.oracle, p.settings);
      const settings = defaultSearchSettings(p.net, { seed: 3, episodes: 40, warmupEpisodes: 20, polishEvaluations: 0, ...o });
      settings.ddpg = { ...settings.ddpg, hidden: [16, 16], batchSize: 8 };
      const r = await rlSearch(p.net, e, settings);
      return { plans: r.history.map((h) => `${h.wbits}|${h.abits}|${h.cost}`), evaluations: e.evaluations, episodes: r.history.length };
    };
    const base = await run({});
    expect(await run({ deficitRank: 0 })).toEqual(base);
    for (const o of [{ deficitRank: 1 }, { deficitRank: 2 }, { deficitRank: 2, deficitBest: true }]) {
      const tied = await run(o);
      expect(tied.episodes).toBe(60);
      // Repeated plans are memoised either way: the evaluations are the distinct plans, at most one per episode.
      expect(tied.evaluations).toBeLessThanOrEqual(60);
      expect(tied.evaluations).toBe(new Set(tied.plans.map((x) => x.split('|').slice(0, 2).join('|'))).size);
    }
  });
});
