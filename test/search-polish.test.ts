import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { orderedMoves, polish } from '../optimizer/search/polish';
import { defaultSearchSettings } from '../optimizer/search/rl-search';
import { randomSearch } from '../optimizer/search/random-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { describeSearchGap } from '../scripts/commands/optimize';
import { ValidationError } from '../errors';
import { baselineEvaluators } from './helpers/search-fixtures';

describe('local polishing', () => {
  test('keeps only feasible improvements, ends at a local optimum of single moves, and is deterministic', async () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('vgg8'));
    const ctx = prepareModel(arch, net);
    const n = net.weightedIndices.length;
    const evaluator = baselineEvaluators(arch, net, ctx, 0.5);
    const settings = defaultSearchSettings(net, { seed: 2, episodes: 6, warmupEpisodes: 0 });
    const run = async () => {
      const ev = evaluator();
      const start = (await randomSearch(net, ev, settings)).best;
      if (start === undefined) throw new Error('no feasible start');
      return { start, result: await polish(ev, start, { fixedLayers: settings.fixedLayers }), ev };
    };
    const { start, result, ev } = await run();
    expect(result.best.feasible).toBe(true);
    expect(result.best.dropPct).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(result.best.cost).toBeLessThanOrEqual(start.cost);
    expect(result.steps).toBeGreaterThan(0);
    // No single bit change (with repair) improves the polished plan.
    for (let i = 1; i < n - 1; i++) {
      for (const [dw, da] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
        const w = [...result.best.wbits];
        const a = [...result.best.abits];
        w[i] = (w[i] ?? 8) + (dw ?? 0);
        a[i] = (a[i] ?? 8) + (da ?? 0);
        if (Math.min(w[i] ?? 8, a[i] ?? 8) < 2 || Math.max(w[i] ?? 8, a[i] ?? 8) > 8) continue;
        const c = await ev.evaluate(w, a);
        if (c.feasible) expect(c.cost).toBeGreaterThanOrEqual(result.best.cost * (1 - 1e-9));
      }
    }
    const again = await run();
    expect(again.result.best.wbits).toEqual(result.best.wbits);
    expect(again.result.best.abits).toEqual(result.best.abits);
    // Pressure: every weighted layer's is at least its own stage time, and the bottleneck is some layer's pressure.
    const m = evaluateModel(ctx, { wbits: result.best.wbits, abits: result.best.abits, replicas: result.best.replicas });
    net.weightedIndices.forEach((li, pos) => expect(result.best.pressureCycles[pos]).toBeGreaterThanOrEqual(m.layers[li]?.stageCycles ?? Infinity));
    expect(Math.max(...result.best.pressureCycles)).toBeCloseTo(m.bottleneckCycles, 6);
  }, 30000);

  test('pair moves: steps down at the layers nearest the bound first, steps up farthest from it first', () => {
    const pressureCycles = [9, 5, 7, 1, 9];
    const plan = { wbits: [8, 4, 4, 4, 8], abits: [8, 4, 4, 4, 8], pressureCycles } as unknown as Parameters<typeof orderedMoves>[0];
    const moves = orderedMoves(plan, new Set([0, 4]));
    expect(moves.map((m) => `${m.layer}${m.weights ? 'w' : 'a'}${m.delta > 0 ? '+' : '-'}`).join(' ')).toBe('2w- 2a- 1w- 1a- 3w- 3a- 3w+ 3a+ 1w+ 1a+ 2w+ 2a+');
  });
});

describe('--search-settings', () => {
  test('haq gives HAQ published agent; pairs override it; bad input names the key', () => {
    const haq = parseSearchSettings('haq').overrides;
    expect(haq.ddpg?.hidden).toEqual([300, 300]);
    expect(haq.updatesPerStep).toBe(1);
    expect(haq.updatesPerEpisode).toBe(0);
    expect(haq.ddpg?.imitationWeight).toBe(0);
    const mixed = parseSearchSettings('haq, hidden=128x64, noiseDecay=0.995, bootstrap=false').overrides;
    expect(mixed.ddpg?.hidden).toEqual([128, 64]);
    expect(mixed.ddpg?.actorLr).toBe(1e-4);
    expect(mixed.noiseDecay).toBe(0.995);
    expect(mixed.bootstrap).toBe(false);
    expect(parseSearchSettings('noiseLayers=3').overrides.noiseLayers).toBe(3);
    expect(parseSearchSettings('restartAfter=100').overrides.restartAfter).toBe(100);
    expect(() => parseSearchSettings('restartAfter=1.5')).toThrow(/restartAfter/);
    expect(haq.noiseLayers).toBe(0);
    expect(haq.noiseDecay).toBe(0.99);
    expect(() => parseSearchSettings('hiden=3')).toThrow(ValidationError);
    expect(() => parseSearchSettings('hiden=3')).toThrow(/hiden/);
    expect(() => parseSearchSettings('batchSize=0')).toThrow(/batchSize/);
    expect(() => parseSearchSettings('noiseDecay=1.5')).toThrow(/from 0 to 1/);
    expect(() => parseSearchSettings('hidden=300x')).toThrow(/hidden/);
    // Counts that size allocations are bounded before anything is allocated; a key given twice is an error.
    expect(() => parseSearchSettings('batchSize=1e9')).toThrow(/batchSize.*from 1 to 4,096/);
    expect(() => parseSearchSettings('replaySize=1e12')).toThrow(/replaySize/);
    expect(() => parseSearchSettings('polishEvaluations=1e12')).toThrow(/polishEvaluations/);
    expect(() => parseSearchSettings('hidden=64x64,hidden=32x32')).toThrow(/given twice/);
  });

  test('the gap sentence says which plan is best and by how much', () => {
    expect(describeSearchGap({ bestVariant: 'LRMP (RL)', rlGapPct: 0 }, 'throughput')).toMatch(/found the best plan/);
    // A cost (cycles per image) 25.9% above the best plan's is 79.4% of its throughput (ResNet-20, HAQ settings, 60
    // episodes: RL 30,861.9 img/s against RL + polish 38,868.2), not "25.9% worse".
    const text = describeSearchGap({ bestVariant: 'LRMP (RL + polish)', rlGapPct: (38868.2 / 30861.9 - 1) * 100 }, 'throughput');
    expect(text).toBe('LRMP (RL) reaches 79.4% of the throughput of the best plan any method found in this run, LRMP (RL + polish) (full analytical model): 20.6% less.');
    expect(describeSearchGap({ bestVariant: 'LRMP (random search)', rlGapPct: 12.5 }, 'latency')).toMatch(/latency is 1\.125x that of the best plan .*LRMP \(random search\).*: 12\.5% longer\.$/);
    expect(describeSearchGap({ bestVariant: 'LRMP (exact joint)', rlGapPct: 4 }, 'mix')).toMatch(/mix objective \(its cost, lower is better\) is 1\.040x that of the best plan/);
  });
});
