import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { DdpgAgent } from '../optimizer/search/ddpg';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import type { EpisodeRecord } from '../optimizer/search/history';
import { parseSearchSettings } from '../optimizer/search/settings';
import { STATE_SIZE } from '../optimizer/search/state';
import { baselineEvaluators } from './helpers/search-fixtures';

const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('vgg8'));
const ctx = prepareModel(arch, net);
const evaluator = baselineEvaluators(arch, net, ctx, 1);
const run = async (overrides: SearchOverrides) => {
  const settings = defaultSearchSettings(net, { seed: 3, updatesPerEpisode: 1, polishEvaluations: 0, ...overrides });
  settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4 };
  return rlSearch(net, evaluator(), settings);
};

/** Per local episode, how many of its actions (weight and activation bits) differ from the elite plan it started from. */
function actionsOffElite(history: readonly EpisodeRecord[]): number[] {
  return history
    .filter((h) => h.phase === 'local')
    .map((h) => {
      const before = history[h.episode - 1];
      const elite = history.find((g) => g.episode < h.episode && g.feasible && g.cost === before?.bestCost);
      const a = `${h.wbits} ${h.abits}`.split(' ').map(Number);
      const b = `${elite?.wbits ?? ''} ${elite?.abits ?? ''}`.split(' ').map(Number);
      return a.filter((x, i) => x !== b[i]).length;
    });
}

describe('search exploration and replay', () => {
  test('replayed transitions keep the state the agent acted on: step t+1 state = step t next state, budget and cores spent included', async () => {
    const stored: Array<{ s: Float64Array; next: Float64Array; done: boolean }> = [];
    const spy = jest.spyOn(DdpgAgent.prototype, 'remember').mockImplementation(function (this: DdpgAgent, s, _a, _r, next, done) {
      stored.push({ s: Float64Array.from(s), next: Float64Array.from(next), done });
    });
    try {
      await run({ episodes: 1, warmupEpisodes: 2 });
    } finally {
      spy.mockRestore();
    }
    const steps = stored.findIndex((t) => t.done) + 1;
    expect(steps).toBeGreaterThan(2);
    for (let t = 0; t + 1 < steps; t++) expect(Array.from(stored[t]?.next ?? [])).toEqual(Array.from(stored[t + 1]?.s ?? []));
    // The cores-spent feature grows along the episode (every layer takes cores); before session 6 the replayed
    // states carried 0 for the spent features after the first step.
    const cores = stored.slice(0, steps).map((t) => t.s[STATE_SIZE - 3] ?? 0);
    expect(cores[steps - 1]).toBeGreaterThan(cores[1] ?? 0);
    expect(cores[1]).toBeGreaterThan(0);
    expect(Math.max(...stored.slice(1, steps).map((t) => t.s[STATE_SIZE - 4] ?? 0))).toBeGreaterThan(0);
  });

  test('structured warm-up spreads whole-plan precision: the per-episode mean weight bits vary far more than with uniform per-layer draws', async () => {
    const spreadOf = async (structuredWarmup: boolean): Promise<number> => {
      const r = await run({ episodes: 0, warmupEpisodes: 40, structuredWarmup, stepWall: false });
      const means = r.history.map((h) => {
        const bits = h.wbits.split(' ').map(Number).slice(1, -1);
        return bits.reduce((a, b) => a + b, 0) / bits.length;
      });
      const mean = means.reduce((a, b) => a + b, 0) / means.length;
      return Math.sqrt(means.reduce((a, b) => a + (b - mean) ** 2, 0) / means.length);
    };
    // Uniform draws over 2..8 on vgg8's 6 free layers: sd of the mean ~ 2 / sqrt(6) ~ 0.8 before repair.
    expect(await spreadOf(true)).toBeGreaterThan(1.5 * (await spreadOf(false)));
  });

  test('eliteNarrowAfter: from that search episode on the actor imitates the best elite episode only (its steps, its realised bits)', async () => {
    const calls: Array<{ episodes: number; states: number }> = [];
    let stepsPerEpisode = 0;
    const spy = jest.spyOn(DdpgAgent.prototype, 'setElite').mockImplementation(function (this: DdpgAgent, states) {
      calls.push({ episodes: stepsPerEpisode > 0 ? states.length / stepsPerEpisode : 0, states: states.length });
    });
    try {
      stepsPerEpisode = net.weightedIndices.length - 2;
      const r = await run({ episodes: 12, warmupEpisodes: 6, eliteNarrowAfter: 6 });
      expect(r.history.length).toBe(18);
    } finally {
      spy.mockRestore();
    }
    // Before the narrowing the elite grows to 3 distinct episodes; the last call holds one episode's steps.
    expect(Math.max(...calls.map((c) => c.episodes))).toBe(3);
    expect(calls[calls.length - 1]?.episodes).toBe(1);
  });

  test('eliteLocal: with share 1 and sd 0 every search episode after the first elite replays an elite plan exactly (the best plan, with one elite)', async () => {
    // One elite ranked by the true cost (smoothRank 0): it is the best feasible plan so far, and its realised actions
    // decode to its own bits, which pass the step wall unchanged (the plan is within the budget).
    const r = await run({ episodes: 10, warmupEpisodes: 5, eliteLocal: 1, eliteLocalSd: 0, eliteEpisodes: 1, smoothRank: 0 });
    const local = r.history.filter((h) => h.phase === 'local');
    expect(local.length).toBe(10);
    for (const h of local) {
      const before = r.history[h.episode - 1];
      const best = r.history.find((g) => g.episode < h.episode && g.feasible && g.cost === before?.bestCost);
      expect(h.cost).toBe(before?.bestCost);
      expect(h.wbits).toBe(best?.wbits);
      expect(h.abits).toBe(best?.abits);
      expect(h.noiseSd).toBe(0);
    }
    // Off (the default, and HAQ): no local episode.
    const off = await run({ episodes: 3, warmupEpisodes: 5, eliteLocal: 0 });
    expect(off.history.filter((h) => h.phase === 'local').length).toBe(0);
  });

  test('eliteLocal with noise: the local episodes move some layers off the elite plan, by about one bit level', async () => {
    const r = await run({ episodes: 40, warmupEpisodes: 5, eliteLocal: 0.5, eliteLocalSd: 0.05, eliteEpisodes: 1, smoothRank: 0, stepWall: false });
    const local = r.history.filter((h) => h.phase === 'local');
    expect(local.length).toBeGreaterThan(10);
    expect(local.length).toBeLessThan(30);
    const changed = actionsOffElite(r.history).filter((k) => k > 0).length;
    // sd 0.05 around a bit level's centre (half-width 1/14): each free layer's bits change with probability ~0.15,
    // so on vgg8's 12 free actions most local episodes differ from the elite, not all (repair may move bits too).
    expect(changed).toBeGreaterThan(local.length / 3);
  });

  test('eliteLocalLayers: only about that many actions of a local episode take the noise, the others keep the elite plan', async () => {
    const changedPerEpisode = async (eliteLocalLayers: number): Promise<number> => {
      const r = await run({ episodes: 30, warmupEpisodes: 5, eliteLocal: 1, eliteLocalSd: 0.5, eliteLocalLayers, eliteEpisodes: 1, smoothRank: 0, stepWall: false });
      const offElite = actionsOffElite(r.history);
      return offElite.reduce((sum, k) => sum + k, 0) / offElite.length;
    };
    // vgg8: 6 free layers, 12 actions. sd 0.5 on every action moves most of them; with eliteLocalLayers 1 each
    // action is perturbed with probability 1/6 (2 of 12 expected, fewer changed), the repair aside.
    const all = await changedPerEpisode(0);
    const few = await changedPerEpisode(1);
    expect(all).toBeGreaterThan(5);
    expect(few).toBeLessThan(all / 2);
  });

  test('eliteLocalMoves: a local episode is the elite plan with at most that many bit levels moved, each by one bit', async () => {
    // Without the step wall and with one elite (the best plan), the plan decoded is the elite's but for the moved
    // actions: 1 move changes at most one layer's weights or activations, by one bit (0 when the move hits a bound, 2 or
    // 8 bits, or the repair undoes it; the repair could move other layers' bits, which vgg8's budget does not need here).
    const r = await run({ episodes: 40, warmupEpisodes: 5, eliteLocal: 1, eliteLocalMoves: 1, eliteEpisodes: 1, smoothRank: 0, stepWall: false });
    const local = r.history.filter((h) => h.phase === 'local');
    expect(local.length).toBe(40);
    const bitsMoved = local.map((h) => {
      const before = r.history[h.episode - 1];
      const elite = r.history.find((g) => g.episode < h.episode && g.feasible && g.cost === before?.bestCost);
      const a = `${h.wbits} ${h.abits}`.split(' ').map(Number);
      const b = `${elite?.wbits ?? ''} ${elite?.abits ?? ''}`.split(' ').map(Number);
      return a.reduce((sum, x, i) => sum + Math.abs(x - (b[i] ?? x)), 0);
    });
    expect(Math.max(...bitsMoved)).toBe(1);
    expect(bitsMoved.filter((k) => k === 1).length).toBeGreaterThan(local.length / 2);
    expect(parseSearchSettings('eliteLocalMoves=2').overrides).toMatchObject({ eliteLocalMoves: 2 });
    expect(() => parseSearchSettings('eliteLocalMoves=1.5')).toThrow(/eliteLocalMoves/);
    expect(parseSearchSettings('haq').overrides.eliteLocalMoves).toBe(0);
  });

  test('--search-settings eliteLocal / eliteLocalSd: parsed, bounded to [0, 1], off in HAQ\'s recipe', () => {
    expect(parseSearchSettings('eliteLocal=0.15,eliteLocalSd=0.05').overrides).toMatchObject({ eliteLocal: 0.15, eliteLocalSd: 0.05 });
    expect(() => parseSearchSettings('eliteLocal=1.5')).toThrow(/eliteLocal/);
    expect(() => parseSearchSettings('eliteLocalSd=2')).toThrow(/eliteLocalSd/);
    expect(parseSearchSettings('haq').overrides.eliteLocal).toBe(0);
    expect(parseSearchSettings('eliteLocalLayers=3,eliteLocalAfter=100').overrides).toMatchObject({ eliteLocalLayers: 3, eliteLocalAfter: 100 });
    expect(() => parseSearchSettings('eliteLocalAfter=1.5')).toThrow(/eliteLocalAfter/);
  });
});
