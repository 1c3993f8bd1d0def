import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { DdpgAgent } from '../optimizer/search/ddpg';
import type { EvaluatedCandidate } from '../optimizer/search/evaluator';
import { bitPressure, eliteRank, learnedReward } from '../optimizer/search/reward';
import { defaultSearchSettings, rlSearch } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { STATE_EXTRAS, STATE_SIZE } from '../optimizer/search/state';
import { baselineEvaluators } from './helpers/search-fixtures';

const plan = (wbits: number[], abits: number[], pressureCycles: number[], feasible = true): EvaluatedCandidate =>
  ({ wbits, abits, pressureCycles, bottleneckCycles: 100, cost: 0.5, smoothCost: 0.6, feasible, reward: feasible ? -Math.log(0.5) : -1.2 }) as EvaluatedCandidate;

describe('search reward shaping and state extras', () => {
  test('bitPressure: 0 at the fewest bits, 1 at the most, and a bit off a binding layer counts more than off a slack one', () => {
    const pressure = [100, 100, 20];
    expect(bitPressure(plan([2, 2, 2], [2, 2, 2], pressure))).toBeCloseTo(0, 12);
    expect(bitPressure(plan([8, 8, 8], [8, 8, 8], pressure))).toBeCloseTo(1, 12);
    const offBinding = bitPressure(plan([4, 5, 5], [5, 5, 5], pressure));
    const offSlack = bitPressure(plan([5, 5, 4], [5, 5, 5], pressure));
    expect(offBinding).toBeLessThan(offSlack);
  });

  test('learnedReward: the plain reward without shaping and for infeasible plans; less the shaping term otherwise', () => {
    const c = plan([8, 4, 8], [8, 4, 8], [100, 50, 10]);
    expect(learnedReward(c, { smoothShaping: 0, bitShaping: 0, smoothRank: 0 })).toBe(c.reward);
    const bad = plan([8, 4, 8], [8, 4, 8], [100, 50, 10], false);
    expect(learnedReward(bad, { smoothShaping: 0.5, bitShaping: 0.1, smoothRank: 0 })).toBe(bad.reward);
    expect(learnedReward(c, { smoothShaping: 0, bitShaping: 0.1, smoothRank: 0 })).toBeCloseTo(c.reward - 0.1 * bitPressure(c), 12);
    expect(learnedReward(c, { smoothShaping: 0.5, bitShaping: 0, smoothRank: 0 })).toBeCloseTo(-(0.5 * Math.log(0.5) + 0.5 * Math.log(0.6)), 12);
  });

  test('eliteRank: the reward less the bit term and smoothRank x log(smoothCost / cost); smoothShaping stays out of it', () => {
    const c = plan([8, 4, 8], [8, 4, 8], [100, 50, 10]);
    expect(eliteRank(c, { smoothShaping: 0.5, bitShaping: 0, smoothRank: 0 })).toBe(c.reward);
    expect(eliteRank(c, { smoothShaping: 0, bitShaping: 0.1, smoothRank: 0.2 })).toBeCloseTo(c.reward - 0.1 * bitPressure(c) - 0.2 * Math.log(0.6 / 0.5), 12);
    const bad = plan([8, 4, 8], [8, 4, 8], [100, 50, 10], false);
    expect(eliteRank(bad, { smoothShaping: 0, bitShaping: 0.1, smoothRank: 0.2 })).toBe(bad.reward);
  });

  test('--search-settings parses bitShaping and stateExtras; HAQ has neither', () => {
    const { overrides } = parseSearchSettings('bitShaping=0.02,stateExtras=true');
    expect(overrides.bitShaping).toBe(0.02);
    expect(overrides.stateExtras).toBe(true);
    const haq = parseSearchSettings('haq').overrides;
    expect(haq.bitShaping).toBe(0);
    expect(haq.stateExtras).toBe(false);
    expect(() => parseSearchSettings('bitShaping=-1')).toThrow(/bitShaping/);
  });

  test('stateExtras: the agent sees STATE_EXTRAS more features, the pressure one from the best plan once there is one', async () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('vgg8'));
    const evaluator = baselineEvaluators(arch, net, prepareModel(arch, net), 1);
    const stored: Float64Array[] = [];
    const spy = jest.spyOn(DdpgAgent.prototype, 'remember').mockImplementation(function (this: DdpgAgent, s) {
      stored.push(Float64Array.from(s));
    });
    try {
      const settings = defaultSearchSettings(net, { seed: 3, episodes: 2, warmupEpisodes: 3, updatesPerEpisode: 0, polishEvaluations: 0, stateExtras: true, bitShaping: 0.02 });
      const r = await rlSearch(net, evaluator(), settings);
      expect(r.best?.feasible).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(stored.every((s) => s.length === STATE_SIZE + STATE_EXTRAS)).toBe(true);
    // The first episode has no best plan yet (pressure 0); later ones read it, in [0, 1].
    const pressures = stored.map((s) => s[STATE_SIZE + 2] ?? -1);
    expect(pressures[0]).toBe(0);
    expect(Math.max(...pressures)).toBeGreaterThan(0);
    expect(Math.max(...pressures)).toBeLessThanOrEqual(1);
  });
});
