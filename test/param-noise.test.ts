import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { Mlp } from '../optimizer/search/mlp';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { ValidationError } from '../errors';
import { baselineEvaluators } from './helpers/search-fixtures';

const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('vgg8'));
const ctx = prepareModel(arch, net);
const evaluator = baselineEvaluators(arch, net, ctx, 1);
const run = async (overrides: SearchOverrides) => {
  const settings = defaultSearchSettings(net, { seed: 5, updatesPerEpisode: 1, polishEvaluations: 0, ...overrides });
  settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4 };
  return rlSearch(net, evaluator(), settings);
};

describe('parameter-space noise (paramNoise)', () => {
  test('Mlp.perturbFrom adds sd x the draw to every real weight and bias, and leaves the padded entries at 0', () => {
    // Sizes 3-5-2: padded widths 4-8-4, so layer 0 has padded outputs 5..7 and layer 1 padded outputs 2..3.
    const source = new Mlp([3, 5, 2], 'sigmoid', seedrandom('src'), 0.3, false);
    const copy = new Mlp([3, 5, 2], 'sigmoid', () => 0.5, 0.3, false);
    copy.perturbFrom(source, 0.25, () => 1);
    for (const [k, fanIn, fanOut] of [[0, 3, 5], [1, 5, 2]] as const) {
      for (let o = 0; o < fanOut; o++) for (let i = 0; i < fanIn; i++) expect(copy.weightAt(k, o, i)).toBeCloseTo(source.weightAt(k, o, i) + 0.25, 6);
    }
    expect(copy.weightAt(0, 5, 0)).toBe(0);
    expect(copy.weightAt(0, 7, 2)).toBe(0);
    expect(copy.weightAt(1, 2, 4)).toBe(0);
    // By hand: with sd 0 the copy computes what the source does.
    copy.perturbFrom(source, 0, () => 1);
    const x = [0.3, -0.2, 0.9];
    const a = [...source.forward(x, 1)];
    const b = [...copy.forward(x, 1)];
    b.forEach((v, k) => expect(v).toBeCloseTo(a[k] ?? NaN, 6));
  });

  test('paramNoise 1: every search episode acts with the perturbed actor, its sigma moving by x or / 1.1 per episode; deterministic from the seed', async () => {
    const r = await run({ episodes: 12, warmupEpisodes: 4, paramNoise: 1 });
    const param = r.history.filter((h) => h.phase === 'param');
    expect(param.length).toBe(12);
    expect(r.history.filter((h) => h.phase === 'search').length).toBe(0);
    // The first episode acts at the starting sigma 0.05; each later one at the previous one's x 1.1 or / 1.1.
    expect(param[0]?.noiseSd).toBeCloseTo(0.05, 12);
    for (let k = 1; k < param.length; k++) {
      const ratio = (param[k]?.noiseSd ?? 0) / (param[k - 1]?.noiseSd ?? 1);
      expect([1.1, 1 / 1.1].some((f) => Math.abs(ratio - f) < 1e-9)).toBe(true);
    }
    const again = await run({ episodes: 12, warmupEpisodes: 4, paramNoise: 1 });
    expect(again.history.map((h) => `${h.wbits} ${h.abits}`)).toEqual(r.history.map((h) => `${h.wbits} ${h.abits}`));
    // Off (the default): no parameter-noise episode.
    const off = await run({ episodes: 4, warmupEpisodes: 4 });
    expect(off.history.filter((h) => h.phase === 'param').length).toBe(0);
  });

  test('--search-settings paramNoise is a share from 0 to 1', () => {
    expect(parseSearchSettings('paramNoise=0.5,paramActionNoise=0.5').overrides).toMatchObject({ paramNoise: 0.5, paramActionNoise: 0.5 });
    expect(() => parseSearchSettings('paramNoise=1.5')).toThrow(ValidationError);
  });
});
