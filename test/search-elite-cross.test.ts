import { presetArch } from '../arch/presets';
import { ValidationError } from '../errors';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { DdpgAgent } from '../optimizer/search/ddpg';
import { CandidateEvaluator } from '../optimizer/search/evaluator';
import { drawCrossEpisode, DEFAULT_ELITE_CROSS } from '../optimizer/search/elite-cross';
import { localAction } from '../optimizer/search/elite-local';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { seedStream } from '../optimizer/search/seed-stream';
import { baselineEvaluators } from './helpers/search-fixtures';

const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('vgg8'));
const ctx = prepareModel(arch, net);
const evaluator = baselineEvaluators(arch, net, ctx, 1);
const STEPS = net.weightedIndices.length - 2;

/**
 * A run of the search with the replayed (acted) actions of every step, and each setElite call's imitated actions (the
 * elites concatenated, one head), with both spies' call order; the calls pass through to the agent.
 */
async function logged(overrides: SearchOverrides) {
  const settings = defaultSearchSettings(net, { seed: 4, updatesPerEpisode: 1, polishEvaluations: 0, episodes: 30, warmupEpisodes: 6, smoothRank: 0, ...overrides });
  settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4 };
  const remember = jest.spyOn(DdpgAgent.prototype, 'remember');
  const setElite = jest.spyOn(DdpgAgent.prototype, 'setElite');
  const evaluate = jest.spyOn(CandidateEvaluator.prototype, 'evaluate');
  const ev = evaluator();
  try {
    const r = await rlSearch(net, ev, settings);
    return {
      r,
      acted: remember.mock.calls.map((c) => [...c[1]]),
      rememberOrder: [...remember.mock.invocationCallOrder],
      elites: setElite.mock.calls.map((c) => c[1].map((a) => [...a])),
      setEliteOrder: [...setElite.mock.invocationCallOrder],
      evaluations: ev.evaluations,
      evaluateCalls: evaluate.mock.calls.length,
    };
  } finally {
    remember.mockRestore();
    setElite.mockRestore();
    evaluate.mockRestore();
  }
}

describe('eliteCross: crossover episodes between two elite plans', () => {
  test('drawCrossEpisode: two distinct elites, each step the realised action of one of them; the run mode changes one contiguous run', () => {
    const elite = [0, 1, 2].map((e) => ({ actions: Array.from({ length: 9 }, (_, t) => [e / 10 + t / 100, 0.5 + e / 10]) }));
    for (const mode of [0, 1] as const) {
      const random = seedStream(7);
      let both = 0;
      for (let k = 0; k < 200; k++) {
        const x = drawCrossEpisode({ eliteCross: 1, eliteCrossMode: mode, eliteCrossSd: 0 }, elite, random, 9);
        if (x === undefined) throw new Error('eliteCross 1 with 3 elites: every episode is a crossover');
        const [i, j] = x.parents;
        expect(i).not.toBe(j);
        x.actions.forEach((a, t) => expect(a).toEqual(elite[x.fromSecond[t] ? j : i]?.actions[t]));
        // sd 0: each step's action is the crossed action itself (no noise, no draw).
        for (let t = 0; t < 9; t++) expect(localAction(x, t, undefined, 9, { ...defaultSearchSettings(net), eliteLocalSd: 0.5 }, () => { throw new Error('no draw'); })).toEqual(x.actions[t]);
        const runs = x.fromSecond.filter((s, t) => s && !x.fromSecond[t - 1]).length;
        if (mode === 1) expect(runs).toBe(1);
        if (x.fromSecond.includes(true) && x.fromSecond.includes(false)) both++;
      }
      expect(both).toBeGreaterThan(100);
    }
    // Off, or fewer than two elites: no crossover and no draw (the default search's stream is unchanged).
    const none = () => {
      throw new Error('no draw');
    };
    expect(drawCrossEpisode(DEFAULT_ELITE_CROSS, elite, none, 9)).toBeUndefined();
    expect(drawCrossEpisode({ ...DEFAULT_ELITE_CROSS, eliteCross: 0.5 }, elite.slice(0, 1), none, 9)).toBeUndefined();
  });

  test('in the search: crossover episodes act with the actions of two of the elites in effect; evaluations stay warm-up + episodes; same seed, same plans', async () => {
    const a = await logged({ eliteCross: 0.5 });
    // One evaluate() per episode (repeated plans are memoised, so fewer model evaluations).
    expect(a.evaluateCalls).toBe(36);
    expect(a.evaluations).toBeLessThanOrEqual(36);
    expect(a.r.history.length).toBe(36);
    const cross = a.r.history.filter((h) => h.phase === 'cross');
    expect(cross.length).toBeGreaterThan(5);
    expect(cross.length).toBeLessThan(25);
    expect(a.acted.length).toBe(36 * STEPS);
    let mixed = 0;
    for (const h of cross) {
      // The elite targets set before this episode's draw: the last setElite call before its first replayed step.
      const first = a.rememberOrder[h.episode * STEPS] ?? 0;
      const k = a.setEliteOrder.filter((o) => o < first).length - 1;
      const targets = a.elites[k] ?? [];
      const plans = Array.from({ length: targets.length / STEPS }, (_, e) => targets.slice(e * STEPS, (e + 1) * STEPS));
      expect(plans.length).toBeGreaterThanOrEqual(2);
      const acted = a.acted.slice(h.episode * STEPS, (h.episode + 1) * STEPS);
      // Some pair of distinct elites supplies every step's action exactly (sd 0).
      const pairs = plans.flatMap((_, i) => plans.map((__, j) => [i, j] as const)).filter(([i, j]) => i < j);
      const fits = pairs.filter(([i, j]) => acted.every((x, t) => [plans[i]?.[t], plans[j]?.[t]].some((p) => p !== undefined && p.every((v, d) => v === x[d]))));
      expect(fits.length).toBeGreaterThan(0);
      if (!plans.some((p) => acted.every((x, t) => p[t]?.every((v, d) => v === x[d])))) mixed++;
    }
    // Not a copy of one elite in a good share of them (elites that agree on most steps often cross into one of them).
    expect(mixed).toBeGreaterThan(cross.length / 4);
    const b = await logged({ eliteCross: 0.5 });
    expect(b.r.history.map((h) => `${h.phase}|${h.wbits}|${h.abits}`)).toEqual(a.r.history.map((h) => `${h.phase}|${h.wbits}|${h.abits}`));
    // The run mode is a different search (same warm-up).
    const run = await logged({ eliteCross: 0.5, eliteCrossMode: 1 });
    expect(run.r.history.slice(0, 6)).toEqual(a.r.history.slice(0, 6));
    expect(run.r.history.map((h) => `${h.wbits}|${h.abits}`)).not.toEqual(a.r.history.map((h) => `${h.wbits}|${h.abits}`));
  });

  test('settings: range, needs the elites, refuses what would do nothing, in parseSearchSettings and in rlSearch', async () => {
    expect(parseSearchSettings('eliteCross=0.25,eliteCrossMode=1,eliteCrossSd=0.05').overrides).toMatchObject({ eliteCross: 0.25, eliteCrossMode: 1, eliteCrossSd: 0.05 });
    const refused: Array<[string, RegExp]> = [
      ['eliteCross=1.5', /field 'eliteCross' is '1.5'; allowed: a number from 0 to 1/],
      ['eliteCross=-0.1', /field 'eliteCross'/],
      ['eliteCross=0.2,eliteCrossMode=2', /field 'eliteCrossMode' is '2'; allowed: an integer from 0 to 1/],
      ['eliteCross=0.2,eliteCrossSd=2', /field 'eliteCrossSd'/],
      ['eliteCrossMode=1', /field 'eliteCrossMode' is 1 with eliteCross=0/],
      ['eliteCrossSd=0.05', /field 'eliteCrossSd' is 0.05 with eliteCross=0/],
      ['eliteCross=0.2,eliteEpisodes=1', /eliteEpisodes=1; allowed: 0 unless imitationWeight is above 0 and eliteEpisodes at least 2/],
      ['eliteCross=0.2,imitationWeight=0', /imitationWeight=0, eliteEpisodes=3/],
      ['haq,eliteCross=0.2', /imitationWeight=0/],
      ['eliteCross=0.2,cemPop=4', /eliteCross' is 0.2 with cemPop=4/],
    ];
    for (const [text, message] of refused) {
      expect(() => parseSearchSettings(text)).toThrow(ValidationError);
      expect(() => parseSearchSettings(text)).toThrow(message);
    }
    const direct = async (overrides: SearchOverrides) => rlSearch(net, evaluator(), defaultSearchSettings(net, { episodes: 1, warmupEpisodes: 1, polishEvaluations: 0, ...overrides }));
    await expect(direct({ eliteCross: 0.3, eliteEpisodes: 1 })).rejects.toThrow(/eliteEpisodes=1; allowed/);
    await expect(direct({ eliteCross: 0.3, ddpg: { imitationWeight: 0 } })).rejects.toThrow(/imitationWeight=0/);
    await expect(direct({ eliteCrossMode: 1 })).rejects.toThrow(ValidationError);
    await expect(direct({ eliteCross: 2 })).rejects.toThrow(/from 0 to 1/);
    await expect(direct({ eliteCross: Number.NaN })).rejects.toThrow(/from 0 to 1/);
  });
});
