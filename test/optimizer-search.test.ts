import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { defaultSearchSettings, rlSearch } from '../optimizer/search/rl-search';
import { Mlp } from '../optimizer/search/mlp';
import { actionToBits } from '../optimizer/search/state';
import { optimize } from '../optimizer/lrmp';
import seedrandom from 'seedrandom';
import { baselineEvaluators } from './helpers/search-fixtures';

describe('MLP', () => {
  test('gradient of a 2-3-1 network matches finite differences', () => {
    const net = new Mlp([2, 3, 1], 'sigmoid', seedrandom('g'), 0.5);
    const x = Float64Array.from([0.3, -0.7]);
    const loss = (): number => net.forward(x, 1)[0] ?? 0;
    const dIn = net.backward((net.forward(x, 1), Float64Array.from([1])), false);
    // d(out)/d(x0) by central differences on the input (the network stores Float32, so a wide step).
    const h = 1e-2;
    const x0 = x[0] ?? 0;
    x[0] = x0 + h;
    const up = loss();
    x[0] = x0 - h;
    const down = loss();
    x[0] = x0;
    expect(dIn[0]).toBeCloseTo((up - down) / (2 * h), 4);
    expect(net.weightAt(0, 2, 1)).not.toBe(0);
  });

  test('HAQ action mapping covers 2..8 evenly', () => {
    expect(actionToBits(0, 2, 8)).toBe(2);
    expect(actionToBits(1, 2, 8)).toBe(8);
    expect(actionToBits(0.5, 2, 8)).toBe(5);
    expect(actionToBits(1 / 7 - 1e-9, 2, 8)).toBe(2);
    expect(actionToBits(1 / 7 + 1e-9, 2, 8)).toBe(3);
  });
});

describe('DDPG search', () => {
  test('same seed, same history; another seed differs', async () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('vgg8'));
    const ctx = prepareModel(arch, net);
    const evaluator = baselineEvaluators(arch, net, ctx, 0.5);
    const run = async (seed: number): Promise<string> => {
      const ev = evaluator();
      const settings = defaultSearchSettings(net, { seed, episodes: 12, warmupEpisodes: 4, updatesPerEpisode: 2 });
      settings.ddpg = { ...settings.ddpg, hidden: [16, 16], batchSize: 8 };
      const r = await rlSearch(net, ev, settings);
      for (const h of r.history) expect(h.dropPct).toBeLessThanOrEqual(0.5 + 1e-9);
      return JSON.stringify(r.history);
    };
    const a = await run(3);
    expect(await run(3)).toBe(a);
    expect(await run(4)).not.toBe(a);
  }, 30000);

  test.each(['resnet18', 'resnet50'])('%s: LRMP beats replication only and mixed precision only at the same area and accuracy budget', async (name) => {
    const net = resolveNetwork(zooNetwork(name));
    const result = await optimize(presetArch('puma'), net, proxyOracle(net), {
      objective: 'throughput',
      accuracyBudgetPct: 1,
      episodes: 30,
      seed: 1,
      milp: 'highs',
      topK: 3,
      workers: -1,
      search: { warmupEpisodes: 10, updatesPerEpisode: 2, ddpg: { hidden: [32, 32], actorLr: 1e-4, criticLr: 1e-3, tau: 0.01, batchSize: 16, replaySize: 2000, discount: 1, baselineRate: 0.5 } },
    });
    const get = (v: string) => result.rows.find((r) => r.variant === v);
    const lrmp = get('LRMP (RL)');
    const repl = get('replication only');
    const prec = get('mixed precision only');
    const exact = get('LRMP (exact joint)');
    expect(lrmp && repl && prec && exact).toBeTruthy();
    if (!lrmp || !repl || !prec || !exact) return;
    expect(lrmp.throughputImagesPerS).toBeGreaterThan(repl.throughputImagesPerS);
    expect(lrmp.throughputImagesPerS).toBeGreaterThan(prec.throughputImagesPerS);
    expect(lrmp.dropPct).toBeLessThanOrEqual(1 + 1e-9);
    expect(lrmp.tilesUsed).toBeLessThanOrEqual(result.budget.tiles);
    expect(exact.throughputImagesPerS).toBeGreaterThan(repl.throughputImagesPerS);
    expect(result.replicationCheck.agreesWithExact).toBe(true);
    expect(result.searchGap?.rlGapPct).toBeGreaterThanOrEqual(0);
    // Without simulation the chosen plan is the best row by the model (never worse than random search's).
    const chosen = get(result.chosen);
    for (const r of result.rows) expect(chosen?.throughputImagesPerS ?? 0).toBeGreaterThanOrEqual(r.throughputImagesPerS);
  }, 60000);
});
