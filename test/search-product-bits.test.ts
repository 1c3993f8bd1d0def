/**
 * The search sets the attention products' own bits (rule 2's `layers.<product>.abits`): the separable terms it
 * steps and repairs with agree with the accuracy proxy's whole drop, the RL agent's product steps set bits apart
 * from the output projection's, polishing moves them, and the chosen plan carries them (optimizer/search/product-bits.ts).
 */
import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { planFromChoices, resolvePlan } from '../arch/plan';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { prepareModel } from '../optimizer/model';
import { CandidateEvaluator } from '../optimizer/search/evaluator';
import { polish } from '../optimizer/search/polish';
import { effectiveProductBits, separableTerms } from '../optimizer/search/product-bits';
import { defaultSearchSettings, rlSearch } from '../optimizer/search/rl-search';
import { zoo } from './helpers/model-fixtures';

const net = zoo('deit-tiny');
const oracle = proxyOracle(net);
const n = net.weightedIndices.length;

describe('attention-product bits in the search', () => {
  test('separable terms with own product bits sum to the proxy drop', async () => {
    const random = seedrandom('product-bits');
    const reference = await oracle.referenceAccuracyPct();
    const products = oracle.productDefaultLayer?.length ?? 0;
    expect(products).toBe(24); // 12 blocks x (Q.K^T, A.V)
    for (let k = 0; k < 5; k++) {
      const bits = () => 2 + Math.floor(random() * 7);
      const wbits = Array.from({ length: n }, bits);
      const abits = Array.from({ length: n }, bits);
      // Some products at their own bits, the rest (0) at their projection's.
      const productBits = Array.from({ length: products }, () => (random() < 0.5 ? bits() : 0));
      const terms = separableTerms(oracle, productBits);
      if (terms === undefined) throw new Error('proxy not separable');
      let sum = 0;
      for (let i = 0; i < n; i++) sum += terms.layer(i, wbits[i] ?? 8, abits[i] ?? 8);
      productBits.forEach((b, j) => (sum += b > 0 ? terms.product(j, b) : 0));
      const drop = reference - (await oracle.accuracyPct({ wbits, abits, productBits }));
      expect(sum).toBeCloseTo(drop, 9);
    }
  });

  test('RL steps set product bits apart from the projection; polish moves them; the plan names them', async () => {
    const ctx = prepareModel(presetArch('xformer'), net);
    const evaluator = new CandidateEvaluator(ctx, oracle, {
      budgetCores: 128,
      spec: { kind: 'throughput', mixWeight: 0.5, refBottleneckCycles: 1, refLatencyProxyCycles: 1 },
      refLatencyCycles: 1,
      accuracyBudgetPct: 1,
    });
    const settings = defaultSearchSettings(net, { episodes: 3, warmupEpisodes: 3, seed: 3, topK: 2 });
    const rl = await rlSearch(net, evaluator, settings);
    const best = rl.best;
    if (best === undefined) throw new Error('no feasible plan');
    const own = best.productBits ?? [];
    expect(own).toHaveLength(24);
    expect(own.every((b) => b >= 2 && b <= 8)).toBe(true);
    // Set on their own: at least one product differs from the bits its projection would give it.
    const defaults = effectiveProductBits(ctx, best.abits, []);
    expect(own.some((b, j) => b !== defaults[j])).toBe(true);
    // Within budget by the proxy's full drop (its attention-map terms included).
    const reference = await oracle.referenceAccuracyPct();
    expect(reference - (await oracle.accuracyPct({ wbits: best.wbits, abits: best.abits, productBits: own }))).toBeLessThanOrEqual(1 + 1e-9);
    // Polish, with product moves only (every layer fixed): it keeps or lowers the cost, and moves only product bits.
    const all = [...Array(n).keys()];
    const polished = await polish(evaluator, best, { fixedLayers: all, maxEvaluations: 12 });
    expect(polished.best.cost).toBeLessThanOrEqual(best.cost);
    expect(polished.best.wbits).toEqual(best.wbits);
    expect(polished.best.abits).toEqual(best.abits);
    if (polished.steps > 0) expect(polished.best.productBits).not.toEqual(own);
    const without = await polish(evaluator, best, { fixedLayers: all, maxEvaluations: 12, products: false });
    expect(without.steps).toBe(0);
    // The plan file names each product with its bits, and reads back to the same choices.
    const choices = { wbits: best.wbits, abits: best.abits, replicas: best.replicas, productBits: own };
    const plan = planFromChoices(net.network.name, 'xformer', net, choices);
    expect(plan.layers['blocks.0.attn.context']?.abits).toBe(own[1]);
    expect(resolvePlan(plan, net, 'plan').productBits).toEqual(own);
  });
});
