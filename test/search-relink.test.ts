import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { defaultSearchSettings } from '../optimizer/search/rl-search';
import { randomSearch } from '../optimizer/search/random-search';
import { referenceSearch } from '../optimizer/search/reference';
import { relinkPath } from '../optimizer/search/relink';
import type { EvaluatedCandidate } from '../optimizer/search/evaluator';
import { baselineEvaluators } from './helpers/search-fixtures';

const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('resnet20'));
const ctx = prepareModel(arch, net);
const evaluators = baselineEvaluators(arch, net, ctx, 1);
const fixedLayers = defaultSearchSettings(net).fixedLayers;

/** Two distinct feasible plans from two seeded random searches. */
async function endpoints(): Promise<[EvaluatedCandidate, EvaluatedCandidate]> {
  const pick = async (seed: number): Promise<EvaluatedCandidate> => {
    const best = (await randomSearch(net, evaluators(), defaultSearchSettings(net, { seed, episodes: 8, warmupEpisodes: 0 }))).best;
    if (best === undefined) throw new Error('no feasible plan');
    return best;
  };
  return [await pick(1), await pick(2)];
}

describe('path relinking', () => {
  test('each step moves one free bit one level toward the guide, the best move of that step, and the walk is deterministic', async () => {
    const [start, guide] = await endpoints();
    const free = [...start.wbits.keys()].filter((l) => !fixedLayers.includes(l));
    const distance = free.reduce((s, l) => s + Math.abs((start.wbits[l] ?? 0) - (guide.wbits[l] ?? 0)) + Math.abs((start.abits[l] ?? 0) - (guide.abits[l] ?? 0)), 0);
    expect(distance).toBeGreaterThan(4);
    const walk = await relinkPath(evaluators(), start, guide, fixedLayers);
    expect(walk.steps.length).toBe(distance);
    // Replay the walk on the unrepaired bits, checking each step against every move of that step scored afresh.
    const check = evaluators();
    const w = [...start.wbits];
    const a = [...start.abits];
    for (const s of walk.steps) {
      expect(fixedLayers).not.toContain(s.layer);
      const bits = s.weights ? w : a;
      const target = (s.weights ? guide.wbits : guide.abits)[s.layer] ?? 0;
      expect(s.from).toBe(bits[s.layer]);
      expect(Math.abs(s.to - s.from)).toBe(1);
      expect(Math.abs(target - s.to)).toBe(Math.abs(target - s.from) - 1);
      let bestCost = Infinity;
      for (const l of free) {
        for (const weights of [true, false]) {
          const own = weights ? w : a;
          const t = (weights ? guide.wbits : guide.abits)[l] ?? 0;
          if (own[l] === t) continue;
          const next = [...own];
          next[l] = (own[l] ?? 0) + Math.sign(t - (own[l] ?? 0));
          const c = await check.evaluate(weights ? next : w, weights ? a : next);
          if (c.feasible) bestCost = Math.min(bestCost, c.cost);
        }
      }
      expect(s.plan.cost).toBe(bestCost);
      bits[s.layer] = s.to;
    }
    // The walk ends on the guide; its best is the cheapest feasible plan scored before the last step.
    expect(w).toEqual(guide.wbits);
    expect(a).toEqual(guide.abits);
    expect(walk.steps.at(-1)?.plan.cost).toBe(guide.cost);
    const inner = walk.steps.slice(0, -1).map((s) => s.plan).filter((c) => c.feasible);
    expect(walk.best?.cost).toBe(Math.min(...inner.map((c) => c.cost)));
    const again = await relinkPath(evaluators(), start, guide, fixedLayers);
    expect(again.steps.map((s) => [s.layer, s.weights, s.to, s.plan.cost])).toEqual(walk.steps.map((s) => [s.layer, s.weights, s.to, s.plan.cost]));
  }, 60000);

  test('the reference search with relinking is never worse than without, from the same samples', async () => {
    const run = (relink: boolean) => referenceSearch(net, evaluators(), { seed: 3, samples: 40, starts: 3, fixedLayers, relink });
    const without = await run(false);
    const withRelink = await run(true);
    expect(without.best).toBeDefined();
    expect(withRelink.optima.map((c) => c.cost)).toEqual(without.optima.map((c) => c.cost));
    expect(withRelink.optima.length).toBeGreaterThan(1);
    expect(withRelink.best?.cost ?? Infinity).toBeLessThanOrEqual(without.best?.cost ?? Infinity);
    expect(withRelink.relinked).toBeDefined();
    expect(withRelink.evaluations).toBeGreaterThan(without.evaluations);
  }, 120000);
});
