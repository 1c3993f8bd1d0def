import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { DdpgAgent, DEFAULT_DDPG } from '../optimizer/search/ddpg';
import type { Mlp } from '../optimizer/search/mlp';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import seedrandom from 'seedrandom';
import { baselineEvaluators } from './helpers/search-fixtures';
import { CriticEnsemble } from '../optimizer/search/critic-ensemble';

const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('vgg8'));
const ctx = prepareModel(arch, net);
const evaluator = baselineEvaluators(arch, net, ctx, 1);
const run = async (overrides: SearchOverrides) => {
  const settings = defaultSearchSettings(net, { seed: 5, episodes: 30, warmupEpisodes: 10, updatesPerEpisode: 1, polishEvaluations: 0, ...overrides });
  settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4 };
  const ev = evaluator();
  const result = await rlSearch(net, ev, settings);
  return { result, evaluations: ev.evaluations };
};
const plans = (r: Awaited<ReturnType<typeof run>>): string[] => r.result.history.map((h) => `${h.wbits}|${h.abits}|${h.cost}`);

describe('critic screening (critScreen)', () => {
  test('critScreen=1 is the default search: the same plan at every episode and the same best cost', async () => {
    const base = await run({});
    const one = await run({ critScreen: 1 });
    expect(plans(one)).toEqual(plans(base));
    expect(one.result.best?.cost).toBe(base.result.best?.cost);
  });

  test('critScreen=4: one evaluation per episode as without screening, 4 candidates valued per search episode, and the evaluated (replayed) one is the critic\'s best', async () => {
    const values: number[] = [];
    const acted: number[][] = [];
    const replayed: number[][] = [];
    // Spies that record, then call through.
    const originalValue = DdpgAgent.prototype.stepValues;
    const originalAct = DdpgAgent.prototype.act;
    const originalRemember = DdpgAgent.prototype.remember;
    DdpgAgent.prototype.stepValues = function (this: DdpgAgent, ...args: Parameters<DdpgAgent['stepValues']>) {
      const v = originalValue.apply(this, args);
      values.push(v.reduce((a, x) => a + x, 0) / v.length);
      return v;
    };
    DdpgAgent.prototype.act = function (this: DdpgAgent, ...args: Parameters<DdpgAgent['act']>) {
      const a = originalAct.apply(this, args);
      acted.push([...a]);
      return a;
    };
    DdpgAgent.prototype.remember = function (this: DdpgAgent, ...args: Parameters<DdpgAgent['remember']>) {
      replayed.push([...args[1]]);
      return originalRemember.apply(this, args);
    };
    let screened: Awaited<ReturnType<typeof run>>;
    try {
      screened = await run({ critScreen: 4 });
    } finally {
      DdpgAgent.prototype.stepValues = originalValue;
      DdpgAgent.prototype.act = originalAct;
      DdpgAgent.prototype.remember = originalRemember;
    }
    expect(screened.evaluations).toBe(40);
    expect(screened.result.history.length).toBe(40);
    const steps = net.weightedIndices.length - 2;
    expect(values.length).toBe(30 * 4);
    expect(acted.length).toBe(30 * 4 * steps);
    for (let e = 0; e < 30; e++) {
      const v = values.slice(4 * e, 4 * e + 4);
      const best = v.indexOf(Math.max(...v));
      const chosen = acted.slice((4 * e + best) * steps, (4 * e + best + 1) * steps);
      // The replay holds the warm-up's 10 episodes first, then one episode per search episode.
      const stored = replayed.slice((10 + e) * steps, (11 + e) * steps);
      expect(stored).toEqual(chosen);
    }
    // Screening changes what is evaluated (candidates differ in their noise).
    const base = await run({});
    expect(plans(screened)).not.toEqual(plans(base));
  });

  test('episodeValue: per step Q(s, a) over the rewards still to come (discount 1: T - t), averaged; bootstrap false: plain mean of Q', () => {
    const agent = new DdpgAgent(3, 2, { ...DEFAULT_DDPG, hidden: [5] }, seedrandom('ev'));
    const states = [Float64Array.of(0.1, 0.2, 0.3), Float64Array.of(0.5, -0.2, 1), Float64Array.of(-1, 0.4, 0.7)];
    const actions = [
      [0.2, 0.9],
      [0.6, 0.1],
      [0.3, 0.3],
    ];
    const critic = (agent as unknown as { critic: Mlp }).critic;
    const q = states.map((s, t) => critic.forward([...s, ...(actions[t] ?? [])], 1)[0] ?? NaN);
    const [q0, q1, q2] = q as [number, number, number];
    expect(agent.episodeValue(states, actions, true)).toBeCloseTo((q0 / 3 + q1 / 2 + q2 / 1) / 3, 6);
    expect(agent.episodeValue(states, actions, false)).toBeCloseTo((q0 + q1 + q2) / 3, 6);
    // Discount 0.5: horizons 1 + 0.5 + 0.25, 1 + 0.5, 1.
    const halved = new DdpgAgent(3, 2, { ...DEFAULT_DDPG, hidden: [5], discount: 0.5 }, seedrandom('ev'));
    expect(halved.episodeValue(states, actions, true)).toBeCloseTo((q0 / 1.75 + q1 / 1.5 + q2) / 3, 6);
  });

  test('critScreenBonus: still one evaluation per episode; the ensemble draws from its own stream (bonus 0 and the screen alone agree)', async () => {
    const bonus = await run({ critScreen: 4, critScreenBonus: 5 });
    expect(bonus.evaluations).toBe(40);
    expect(bonus.result.history.length).toBe(40);
    const plain = await run({ critScreen: 4 });
    expect(plans(await run({ critScreen: 4, critScreenBonus: 0 }))).toEqual(plans(plain));
  });

  test('CriticEnsemble: the members agree where they were trained and disagree far from it', () => {
    const ensemble = new CriticEnsemble(3, 2, [16, 16], 4, 64, seedrandom('ens'));
    const seen = [Float64Array.of(0.2, 0.4, 0.6), Float64Array.of(0.3, 0.5, 0.1)];
    const acts = [
      [0.5, 0.5],
      [0.4, 0.6],
    ];
    for (let r = 0; r < 32; r++) seen.forEach((st, t) => ensemble.remember(st, acts[t] ?? [], t === 0 ? 1 : -1));
    for (let u = 0; u < 400; u++) ensemble.update(8, 3e-3);
    // Trained: each member fits the centred rewards (+1, -1) at the two steps, mean over the steps 0.
    const near = ensemble.values(seen, acts);
    for (const v of near) expect(Math.abs(v)).toBeLessThan(0.1);
    const far = [Float64Array.of(8, -6, 9)];
    expect(ensemble.spread(far, [[3, -2]])).toBeGreaterThan(5 * ensemble.spread(seen, acts));
  });

  test('--search-settings critScreen: a count from 1 to 256', () => {
    expect(parseSearchSettings('critScreen=16').overrides.critScreen).toBe(16);
    expect(parseSearchSettings('haq').overrides.critScreen).toBe(1);
    for (const bad of ['critScreen=0', 'critScreen=2.5', 'critScreen=257', 'critScreen=-1']) expect(() => parseSearchSettings(bad)).toThrow(/critScreen/);
  });
});
