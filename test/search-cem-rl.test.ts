import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { CemPopulation, CemSearch, cemWeights, type CemAgent } from '../optimizer/search/cem-rl';
import { DdpgAgent } from '../optimizer/search/ddpg';
import { CandidateEvaluator } from '../optimizer/search/evaluator';
import { Mlp } from '../optimizer/search/mlp';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { ValidationError } from '../errors';
import { baselineEvaluators } from './helpers/search-fixtures';

describe('CEM-RL population (cemPop)', () => {
  test('refit: the weighted mean of the better half, the variance about the old mean plus the decayed extra', () => {
    const population = new CemPopulation([0], 0.1);
    // Fitness ranks 3 first, then 2; weights log(3) - log(1) and log(3) - log(2), normalised.
    const w = cemWeights(2);
    expect(w[0]).toBeCloseTo(Math.log(3) / (2 * Math.log(3) - Math.log(2)), 12);
    population.refit([[0], [1], [3], [2]].map((m) => Float64Array.from(m)), [0, 1, 3, 2], () => {
      throw new Error('no tie, no draw');
    });
    const w0 = w[0] ?? NaN;
    const w1 = w[1] ?? NaN;
    expect(population.mean[0]).toBeCloseTo(w0 * 3 + w1 * 2, 12);
    const extra = 0.95 * 0.01 + 0.05 * 0.0001;
    expect(population.variance[0]).toBeCloseTo(w0 * 9 + w1 * 4 + extra, 12);
  });

  test('refit: tied fitness is ordered by the seeded draws, not by the members\' order (the gradient half first)', () => {
    const meanAfter = (seed: string): number => {
      const population = new CemPopulation([0], 0.1);
      population.refit([0, 1, 2, 3].map((v) => Float64Array.from([v])), [5, 5, 5, 5], seedrandom(seed));
      return population.mean[0] ?? NaN;
    };
    const w = cemWeights(2);
    const firstTwo = (w[0] ?? NaN) * 0 + (w[1] ?? NaN) * 1;
    const means = Array.from({ length: 12 }, (_, k) => meanAfter(`tie${k}`));
    expect(new Set(means.map((m) => m.toFixed(9))).size).toBeGreaterThan(3);
    expect(means.filter((m) => Math.abs(m - firstTwo) < 1e-12).length).toBeLessThan(6);
    expect(meanAfter('tie3')).toBe(means[3]);
  });

  test('on a toy objective the refit moves the mean toward the better half, and generations converge on the optimum', () => {
    const target = [3, -2, 0.5];
    const fitness = (x: Float64Array): number => -x.reduce((a, v, j) => a + (v - (target[j] ?? 0)) ** 2, 0);
    const distance = (x: Float64Array): number => Math.sqrt(-fitness(x));
    const random = seedrandom('toy');
    const population = new CemPopulation([0, 0, 0], 1);
    const start = distance(population.mean);
    const first = population.sample(10, random);
    const scores = first.map(fitness);
    population.refit(first, scores, random);
    // The new mean is nearer the optimum than the average member, and than the start.
    const average = first.reduce((a, m) => a + distance(m), 0) / first.length;
    expect(distance(population.mean)).toBeLessThan(Math.min(start, average));
    for (let g = 0; g < 40; g++) {
      const members = population.sample(10, random);
      population.refit(members, members.map(fitness), random);
    }
    // Within the extra variance's floor (sd 0.1 per coordinate) of the optimum, from 3.6 away.
    expect(distance(population.mean)).toBeLessThan(0.3);
    // Refit to the worse half instead (fitness negated): the mean moves away.
    const away = new CemPopulation([0, 0, 0], 1);
    for (let g = 0; g < 5; g++) {
      const members = away.sample(10, random);
      away.refit(members, members.map((m) => -fitness(m)), random);
    }
    expect(distance(away.mean)).toBeGreaterThan(start);
  });

  test('CemSearch: per generation the first half takes cemSteps gradient steps from a fresh optimizer, each member acts once', () => {
    const log: string[] = [];
    let params = Float64Array.from([0, 0]);
    const agent: CemAgent = {
      actorParameters: () => Float64Array.from(params),
      loadActor: (p) => {
        params = Float64Array.from(p);
        log.push('load');
      },
      update: () => {
        params = params.map((v) => v + 1);
        log.push('update');
      },
      actWithParameters: (p) => log.push(`act ${Array.from(p).join(',')}`),
    };
    // 7 episodes at population 3: generations of 3, 3 and 1 (one gradient member, one, none).
    const cem = new CemSearch({ cemPop: 3, cemSigma: 0.001, cemSteps: 2 }, 7, seedrandom('gen'));
    for (let e = 0; e < 7; e++) {
      cem.before(agent, e);
      cem.after(e);
    }
    expect(log.filter((l) => l === 'update').length).toBe(2 * 2);
    expect(log.filter((l) => l === 'load').length).toBe(2);
    expect(log.filter((l) => l.startsWith('act')).length).toBe(7);
    expect(cem.generations).toBe(3);
    // The gradient member acts with its updated parameters (about 2 above the mean 0).
    const acted = (log[log.indexOf('load') + 3] ?? '').slice(4).split(',').map(Number);
    acted.forEach((v) => expect(v).toBeCloseTo(2, 1));
  });

  test('Mlp parameters round-trip in perturbFrom order; DdpgAgent acts with loaded members', () => {
    const source = new Mlp([3, 5, 2], 'sigmoid', seedrandom('p'), 0.3, false);
    const p = source.parameters();
    expect(p.length).toBe(3 * 5 + 5 + 5 * 2 + 2);
    expect(p[1]).toBeCloseTo(source.weightAt(0, 0, 1), 7);
    const copy = new Mlp([3, 5, 2], 'sigmoid', () => 0.5, 0.3, false);
    copy.setParameters(p);
    expect([...copy.forward([0.1, 0.5, -0.3], 1)]).toEqual([...source.forward([0.1, 0.5, -0.3], 1)]);
    expect(() => copy.setParameters(p.subarray(1))).toThrow(/31 values for 32/);
    const agent = new DdpgAgent(3, 2, { ...defaultSearchSettings(resolveNetwork(zooNetwork('vgg8'))).ddpg, hidden: [4] }, seedrandom('a'));
    const state = Float64Array.from([0.2, 0.4, 0.6]);
    agent.actWithParameters(agent.actorParameters());
    expect(agent.actPerturbed(state, 0)).toEqual(agent.act(state, 0));
  });

  describe('in the search', () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('vgg8'));
    const ctx = prepareModel(arch, net);
    const evaluator = baselineEvaluators(arch, net, ctx, 1);
    const run = async (overrides: SearchOverrides, calls: { evaluate: number; update: number; acted: number[][] } = { evaluate: 0, update: 0, acted: [] }) => {
      const settings = defaultSearchSettings(net, { seed: 5, polishEvaluations: 0, episodes: 10, warmupEpisodes: 4, ...overrides });
      settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4 };
      const evaluate = jest.spyOn(CandidateEvaluator.prototype, 'evaluate');
      const update = jest.spyOn(DdpgAgent.prototype, 'update');
      const act = jest.spyOn(DdpgAgent.prototype, 'actWithParameters');
      try {
        const r = await rlSearch(net, evaluator(), settings);
        calls.evaluate = evaluate.mock.calls.length;
        calls.update = update.mock.calls.length;
        calls.acted = act.mock.calls.map((c) => Array.from(c[0]));
        return r;
      } finally {
        evaluate.mockRestore();
        update.mockRestore();
        act.mockRestore();
      }
    };

    test('the evaluations stay warm-up + episodes; the same seed gives the same members and plans; the members differ from the default', async () => {
      // cemSigma 1: the members' plans differ by their parameters (r108: at the default 0.0316 and no action noise every
      // member played the same plan, so the same-seed check held whatever the sampler drew).
      const population = { cemPop: 4, cemSteps: 3, cemSigma: 1 };
      const calls = { evaluate: 0, update: 0, acted: [] as number[][] };
      const a = await run(population, calls);
      expect(calls.evaluate).toBe(14);
      expect(a.evaluations).toBeLessThanOrEqual(14);
      expect(a.history.map((h) => h.phase)).toEqual([...Array(4).fill('warmup'), ...Array(10).fill('cem')]);
      // Generations of 4, 4 and 2 episodes: 2 + 2 + 1 gradient members of 3 steps each, no per-episode updates.
      expect(calls.update).toBe(5 * 3);
      const plans = a.history.slice(4).map((h) => `${h.wbits}|${h.abits}`);
      expect(new Set(plans).size).toBeGreaterThan(2);
      // Every member acted with its own parameters, the same ones (bit for bit) at the same seed.
      expect(calls.acted.length).toBe(10);
      expect(new Set(calls.acted.map((p) => p.join(','))).size).toBe(10);
      const again = { evaluate: 0, update: 0, acted: [] as number[][] };
      const b = await run(population, again);
      expect(again.acted).toEqual(calls.acted);
      expect(b.history.map((h) => `${h.wbits}|${h.abits}`)).toEqual(a.history.map((h) => `${h.wbits}|${h.abits}`));
      const defaultCalls = { evaluate: 0, update: 0, acted: [] as number[][] };
      const off = await run({}, defaultCalls);
      expect(defaultCalls.evaluate).toBe(14);
      expect(defaultCalls.acted).toEqual([]);
      expect(off.history.slice(0, 4)).toEqual(a.history.slice(0, 4));
      expect(off.history.slice(4).map((h) => `${h.wbits}|${h.abits}`)).not.toEqual(plans);
    });
  });

  test('--search-settings: cemPop 0 or from 2, and not with settings that choose how other search episodes act', () => {
    expect(parseSearchSettings('cemPop=10,cemSigma=0.1,cemSteps=16').overrides).toMatchObject({ cemPop: 10, cemSigma: 0.1, cemSteps: 16 });
    expect(() => parseSearchSettings('cemPop=1')).toThrow(ValidationError);
    expect(() => parseSearchSettings('cemPop=2.5')).toThrow(/an integer/);
    expect(() => parseSearchSettings('cemSigma=-1')).toThrow(ValidationError);
    expect(() => parseSearchSettings('cemPop=10,paramNoise=0.5')).toThrow(/paramNoise/);
    expect(() => parseSearchSettings('cemPop=10,critScreen=4')).toThrow(/critScreen/);
    expect(() => parseSearchSettings('cemPop=10,actorHeads=3')).toThrow(/actorHeads/);
    expect(parseSearchSettings('paramNoise=0.5,cemPop=0').overrides.cemPop).toBe(0);
  });
});
