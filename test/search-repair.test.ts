import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { cachedMapping } from '../optimizer/model/context';
import { CandidateEvaluator } from '../optimizer/search/evaluator';
import { pressureCost, repairBits, wallRaisesWeights, wallReserves, workShareCost, type RepairCost } from '../optimizer/search/repair';
import type { SeparableTerms } from '../optimizer/search/product-bits';
import { defaultSearchSettings, rlSearch } from '../optimizer/search/rl-search';
import { randomSearch } from '../optimizer/search/random-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { baselineEvaluators } from './helpers/search-fixtures';

/**
 * Two layers, drop terms by table: layer 0 loses 0.4 pt at 2-bit weights (0 from 3 bits), layer 1 0.3 pt at 2-bit
 * weights and 0.2 pt at 2-bit activations (0 from 3 bits). Work (crossbar-cycles): layer 0 is 100x layer 1,
 * both w x a, except that layer 1's weight bits 2 -> 3 cost nothing (one cell slice holds them).
 */
const dropTable = (i: number, w: number, a: number): number => (i === 0 ? (w <= 2 ? 0.4 : 0) : (w <= 2 ? 0.3 : 0) + (a <= 2 ? 0.2 : 0));
const terms: SeparableTerms = { layer: dropTable, product: () => 0 };
const work = (pos: number, w: number, a: number): number => (pos === 0 ? 100 * w * a : Math.max(3, w) * a);
// 100 x 64 + 64 at 8/8.
const cost = (p: number): RepairCost => workShareCost(p, work, 6464, () => 1);

describe('cost-aware repair (repair.ts)', () => {
  test('gain alone raises the layer with the largest gain; cost-aware the largest gain per extra work', () => {
    // Drop 0.4 + 0.3 = 0.7 at (2, 8) and (2, 8); budget 0.45 needs one move of gain >= 0.25.
    const byGain = { w: [2, 2], a: [8, 8] };
    repairBits(terms, byGain.w, byGain.a, [], 0.45, undefined);
    // HAQ's order: layer 0's weights (gain 0.4 > 0.3), whatever they cost (100 x 8 more crossbar-cycles).
    expect(byGain.w).toEqual([3, 2]);
    const byCost = { w: [2, 2], a: [8, 8] };
    repairBits(terms, byCost.w, byCost.a, [], 0.45, cost(1));
    // Layer 1's weights 2 -> 3 cost no work (a free bit: score 0.3 x 1e9), layer 0's 800 of 6464 (score 3.2).
    expect(byCost.w).toEqual([2, 3]);
    expect(byCost.a).toEqual([8, 8]);
  });

  test('among costed moves: gain / (extra work share)^p, so p decides between a large gain and a cheap one', () => {
    // Drop 0.4 (layer 0's weights) + 0.2 (layer 1's activations) = 0.6. Layer 0 weights 2 -> 3 at a = 2: gain 0.4,
    // extra 100 x 2 = 200. Layer 1 activations 2 -> 3 at w = 3: gain 0.2, extra 3 x 1 = 3. Budget 0.45: one move of
    // either suffices.
    const start = (): { w: number[]; a: number[] } => ({ w: [2, 3], a: [2, 2] });
    const p1 = start();
    repairBits(terms, p1.w, p1.a, [], 0.45, cost(1));
    // p = 1: 0.4 / (200 / 6464) = 12.9 against 0.2 / (3 / 6464) = 431: the activations of layer 1.
    expect(p1).toEqual({ w: [2, 3], a: [2, 3] });
    const p0 = start();
    repairBits(terms, p0.w, p0.a, [], 0.45, cost(0));
    expect(p0).toEqual({ w: [3, 3], a: [2, 2] });
  });

  test('the step wall raises the weights or the activations of its layer by the same score', () => {
    // Layer 1 at (2, 2): gains 0.3 (weights) and 0.2 (activations): gain alone takes the weights.
    expect(wallRaisesWeights(dropTable, 1, 2, 2, undefined, [8, 2])).toBe(true);
    // A layer whose activation bit gains more but costs more: gain alone takes the activations, cost the weights.
    const layer = (_i: number, w: number, a: number): number => (w <= 2 ? 0.2 : 0) + (a <= 2 ? 0.3 : 0);
    const heavyA = workShareCost(1, (_p, w, a) => w + 50 * a, 1000, () => 0);
    expect(wallRaisesWeights(layer, 0, 2, 2, undefined, [2])).toBe(false);
    // 0.2 / (1 / 1000) = 200 against 0.3 / (50 / 1000) = 6.
    expect(wallRaisesWeights(layer, 0, 2, 2, heavyA, [2])).toBe(true);
  });
});

describe('the step wall reserve (wallReserves)', () => {
  test('step t - 1 keeps share x what steps t.. spend in the reference plan', () => {
    // Reference plan spends 0.1, 0.3, 0.6 of drop at steps 0, 1, 2; half kept: the first step may spend the budget
    // less 0.45, the second less 0.3, the last the whole rest.
    const r = wallReserves(0.5, [0.1, 0.3, 0.6]);
    expect(r.map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.5, 0.45, 0.3, 0]);
    expect(wallReserves(0, [0.1, 0.3])).toEqual([0, 0, 0]);
  });
});

describe('pressure cost (repair.ts pressureCost)', () => {
  // Three layers, work w x a each. Layer 0 produces the tensor layers 1 and 2 read (rule 2: stored at their largest
  // abits). Pressure (stage / bottleneck in the reference plan): layer 0 binds (1), layer 1 0.5, layer 2 0.1.
  const pressure = (pos: number): number => [1, 0.5, 0.1][pos] ?? 0;
  const reads = [[], [{ others: [2], producers: [0] }], [{ others: [1], producers: [0] }]];
  const c = pressureCost(1, (_p, w, a) => w * a, pressure, reads, () => 0);

  test("a weight bit costs the layer's relative extra work x its pressure", () => {
    // Layer 2 at (4, 4): work 16 -> 20, +25% x 0.1.
    expect(c.extra(2, 'w', 4, 4, [8, 4, 4])).toBeCloseTo(0.025, 12);
  });

  test("an activation bit adds 1/a of the producer's pressure only when it raises the tensor's stored bits", () => {
    // Layer 2 at a = 4, layer 1 at 6: the tensor stays at 6 bits; only layer 2's own work: +25% x 0.1.
    expect(c.extra(2, 'a', 4, 4, [8, 6, 4])).toBeCloseTo(0.025, 12);
    // Layer 1 at 4 too: 4 -> 5 raises the stored bits, so conv 0's output traffic (pressure 1) grows by 1/4.
    expect(c.extra(2, 'a', 4, 4, [8, 4, 4])).toBeCloseTo(0.025 + 0.25, 12);
  });

  test('the repair pays with the reader below its tensor-mate instead of the one that sets the tensor', () => {
    // Drop 0.3 for layer 1 below 5 activation bits and layer 2 below 4; budget 0.35: one of them must go up a bit.
    const layer = (i: number, _w: number, a: number): number => (i > 0 && a < 6 - i ? 0.3 : 0);
    const w = [8, 4, 4];
    const a = [8, 4, 3];
    repairBits({ layer, product: () => 0 }, w, a, [], 0.35, c);
    // Layer 1 (4 -> 5): 25% x 0.5 + 1/4 of conv 0's pressure = 0.375; layer 2 (3 -> 4): 33% x 0.1, no traffic (layer
    // 1 reads 4 bits): 0.033. Gain alone would take layer 1 (first of equal gains).
    expect(a).toEqual([8, 4, 4]);
    const b = [8, 4, 3];
    repairBits({ layer, product: () => 0 }, [8, 4, 4], b, [], 0.35, undefined);
    expect(b).toEqual([8, 5, 3]);
  });
});

describe('cost-aware repair in the evaluator', () => {
  const arch = presetArch('puma');
  const net = resolveNetwork(zooNetwork('vgg8'));
  const ctx = prepareModel(arch, net);

  test("a layer's work is its crossbars per replica x MVM cycles x output pixels", () => {
    const ev = baselineEvaluators(arch, net, ctx, 1)();
    const m = cachedMapping(ctx, 2, 4, 6);
    expect(ev.work(2, 4, 6)).toBe(m.crossbarsPerReplica * m.mvmCycles * m.outputPixels);
    expect(ev.work(2, 4, 7)).toBeGreaterThan(ev.work(2, 4, 6));
    expect(ev.repairCost()).toBeUndefined();
  });

  test('repaired plans fit the budget either way; on vgg8 from uniform 2 or 3 bits at a 0.05-pt budget the cost-aware repair ends with less work', () => {
    // Gain alone raises weights 3 -> 4 and activations to 4 everywhere; by cost, weight bits stay at 2 where a slice
    // would be added and activations rise (a bit of activations adds 1/a of a layer's cycles, 2 -> 3 weight bits 2x its crossbars).
    const base = baselineEvaluators(arch, net, ctx, 0.05)();
    const withCost = new CandidateEvaluator(ctx, base.oracle, { ...base.settings, repairCost: 1 });
    const n = net.weightedIndices.length;
    const totalWork = (w: readonly number[], a: readonly number[]): number => w.reduce((s, wi, i) => s + base.work(i, wi, a[i] ?? 8), 0);
    const drop = (w: readonly number[], a: readonly number[]): number => w.reduce((s, wi, i) => s + (base.oracle.layerDropPct?.(i, wi, a[i] ?? 8) ?? 0), 0);
    let cheaper = 0;
    for (const lo of [2, 3]) {
      const w0 = Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 8 : lo));
      const a0 = [...w0];
      const g = { w: [...w0], a: [...a0] };
      const c = { w: [...w0], a: [...a0] };
      base.repair(g.w, g.a);
      withCost.repair(c.w, c.a);
      expect(drop(w0, a0)).toBeGreaterThan(0.05);
      expect(drop(g.w, g.a)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(drop(c.w, c.a)).toBeLessThanOrEqual(0.05 + 1e-9);
      if (totalWork(c.w, c.a) < totalWork(g.w, g.a)) cheaper++;
    }
    expect(cheaper).toBe(2);
  });

  test('with the wall reserve and the cost-aware wall every episode stays within the accuracy budget', async () => {
    const settings = defaultSearchSettings(net, { seed: 2, episodes: 12, warmupEpisodes: 6, updatesPerEpisode: 1, polishEvaluations: 0, wallReserve: 0.5, repairCost: 1 });
    settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4 };
    const base = baselineEvaluators(arch, net, ctx, 1)();
    const r = await rlSearch(net, new CandidateEvaluator(ctx, base.oracle, { ...base.settings, repairCost: 1 }), settings);
    expect(r.history.length).toBe(18);
    for (const h of r.history) expect(h.dropPct).toBeLessThanOrEqual(1 + 1e-9);
  });

  test('repairCost is a search setting; the search refuses an evaluator built with another value', async () => {
    expect(parseSearchSettings('repairCost=1').overrides.repairCost).toBe(1);
    expect(() => parseSearchSettings('repairCost=-1')).toThrow();
    const settings = defaultSearchSettings(net, { seed: 1, episodes: 1, warmupEpisodes: 1, repairCost: 1 });
    await expect(randomSearch(net, baselineEvaluators(arch, net, ctx, 1)(), settings)).rejects.toThrow(/repairCost/);
  });
});
