import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { DdpgAgent, DEFAULT_DDPG, TD3_NOISE_CLIP_SDS } from '../optimizer/search/ddpg';
import { RankReward } from '../optimizer/search/rank-reward';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { baselineEvaluators } from './helpers/search-fixtures';

const S = 3;
const A = 2;
/** Eight hand-set next states, rows of S. */
const nextStates = Float64Array.from([0.1, 0.2, 0.3, 0.9, -0.4, 0.5, -1, 0.4, 0.7, 0.3, 0.3, 0.3, 2, -2, 0, 0.5, 0.5, -0.5, -0.7, 1.2, 0.1, 0, 0, 1]);
const B = nextStates.length / S;
const agentWith = (settings: Partial<typeof DEFAULT_DDPG>, seed = 'td3'): DdpgAgent => new DdpgAgent(S, A, { ...DEFAULT_DDPG, hidden: [6], ...settings }, seedrandom(seed));
/** Fills the replay with a few transitions, so update() has something to learn from. */
const fill = (agent: DdpgAgent): void => {
  for (let t = 0; t < 6; t++) agent.remember(nextStates.subarray(t * S, (t + 1) * S), [0.1 * t, 1 - 0.1 * t], t % 3, nextStates.subarray((t + 1) * S, (t + 2) * S), t === 5);
};

describe('TD3 (ddpg.ts td3) and the rank reward (rankReward)', () => {
  test('clipped double-Q: with td3 (no smoothing noise) the bootstrap value is the smaller twin target value on every row, and each twin is the smaller somewhere', () => {
    // Trained apart first (a large critic rate, targets copied: tau 1), so the twins disagree either way on these rows.
    const agent = agentWith({ td3: true, td3Noise: 0, td3Delay: 1, batchSize: 4, tau: 1, criticLr: 0.05 }, 'a');
    fill(agent);
    for (let u = 0; u < 100; u++) agent.update();
    const a1 = agent.targetActions(nextStates, B, true);
    const [q1, q2] = agent.targetValues(nextStates, a1, B);
    if (q1 === undefined || q2 === undefined) throw new Error('td3: two target critics expected');
    const next = Float64Array.from(agent.nextValues(nextStates, B));
    for (let b = 0; b < B; b++) expect(next[b]).toBeCloseTo(Math.min(q1[b] as number, q2[b] as number), 6);
    expect([...q1].some((v, b) => v < (q2[b] as number))).toBe(true);
    expect([...q2].some((v, b) => v < (q1[b] as number))).toBe(true);
  });

  test('without td3: one target critic, and the bootstrap value is its value at the target actor\'s action (no draw)', () => {
    const agent = agentWith({});
    const a1 = agent.targetActions(nextStates, B, true);
    expect([...a1]).toEqual([...agent.targetActions(nextStates, B, false)]);
    const values = agent.targetValues(nextStates, a1, B);
    expect(values).toHaveLength(1);
    const next = Float64Array.from(agent.nextValues(nextStates, B));
    for (let b = 0; b < B; b++) expect(next[b]).toBeCloseTo(values[0]?.[b] as number, 6);
  });

  test('target policy smoothing: actions move by at most the clip (2.5 sd), stay in [0, 1], and do move', () => {
    const sd = 0.2;
    const agent = agentWith({ td3: true, td3Noise: sd });
    const plain = agent.targetActions(nextStates, B, false);
    const smoothed = agent.targetActions(nextStates, B, true);
    let moved = 0;
    smoothed.forEach((v, j) => {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(v - (plain[j] as number))).toBeLessThanOrEqual(TD3_NOISE_CLIP_SDS * sd + 1e-12);
      if (Math.abs(v - (plain[j] as number)) > 1e-6) moved++;
    });
    expect(moved).toBeGreaterThan(B);
  });

  test('delayed policy updates: with td3Delay 2 the actor and the targets move on the second update only; the critic on each', () => {
    const agent = agentWith({ td3: true, td3Delay: 2, batchSize: 4 });
    fill(agent);
    const state = nextStates.subarray(0, S);
    const states = [state];
    const act = (): number[] => agent.act(state, 0);
    const target = (): number[] => [...agent.targetActions(nextStates, 1, false)];
    const value = (): number => agent.episodeValue(states, [[0.5, 0.5]], true);
    const [a0, t0, v0] = [act(), target(), value()];
    agent.update();
    expect(act()).toEqual(a0);
    expect(target()).toEqual(t0);
    const v1 = value();
    expect(v1).not.toBe(v0);
    agent.update();
    expect(act()).not.toEqual(a0);
    expect(target()).not.toEqual(t0);
    expect(value()).not.toBe(v1);
    // Without td3 the actor moves on every update.
    const plain = agentWith({ batchSize: 4 });
    fill(plain);
    const p0 = plain.act(state, 0);
    plain.update();
    expect(plain.act(state, 0)).not.toEqual(p0);
  });

  test('RankReward: the centred rank among the last N rewards, ties sharing their mean rank', () => {
    const rank = new RankReward(3);
    expect(rank.next(1)).toBe(0);
    expect(rank.next(2)).toBe(0.5);
    expect(rank.next(0)).toBe(-0.5);
    // Window [2, 0, 2]: one below, the other 2 tied: (1 + 0.5) / 2 - 0.5.
    expect(rank.next(2)).toBeCloseTo(0.25, 12);
    // Window [0, 2, 1] (the oldest 2 dropped): the middle.
    expect(rank.next(1)).toBeCloseTo(0, 12);
    expect(() => new RankReward(0)).toThrow(/positive integer/);
  });

  test('search-settings keys: td3, td3Delay, td3Noise, rankReward parse; bad values name the key', () => {
    const { overrides } = parseSearchSettings('td3=1,td3Delay=3,td3Noise=0.05,rankReward=50');
    expect(overrides.ddpg).toMatchObject({ td3: true, td3Delay: 3, td3Noise: 0.05 });
    expect(overrides.rankReward).toBe(50);
    expect(() => parseSearchSettings('td3Delay=0')).toThrow(/td3Delay/);
    expect(() => parseSearchSettings('rankReward=1.5')).toThrow(/rankReward/);
    expect(() => parseSearchSettings('td3=yes')).toThrow(/td3/);
  });

  describe('in the search', () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('vgg8'));
    const ctx = prepareModel(arch, net);
    const evaluator = baselineEvaluators(arch, net, ctx, 1);
    const plans = async (overrides: SearchOverrides): Promise<string[]> => {
      const settings = defaultSearchSettings(net, { seed: 5, episodes: 30, warmupEpisodes: 10, updatesPerEpisode: 2, polishEvaluations: 0, ...overrides });
      settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4, ...overrides.ddpg };
      const result = await rlSearch(net, evaluator(), settings);
      return result.history.map((h) => `${h.wbits}|${h.abits}|${h.cost}`);
    };

    test('td3: deterministic per seed, and not the default search', async () => {
      const td3 = await plans({ ddpg: { td3: true } });
      expect(await plans({ ddpg: { td3: true } })).toEqual(td3);
      expect(td3).not.toEqual(await plans({}));
    });

    test('rankReward: every step replays the episode\'s centred rank among the last N episodes\' rewards; deterministic per seed', async () => {
      const replayed: number[] = [];
      const spy = jest.spyOn(DdpgAgent.prototype, 'remember').mockImplementation(function (this: DdpgAgent, ...args) {
        replayed.push(args[2]);
      });
      let history: string[];
      const rewards: number[] = [];
      try {
        const settings = defaultSearchSettings(net, { seed: 5, episodes: 30, warmupEpisodes: 10, updatesPerEpisode: 0, polishEvaluations: 0, rankReward: 20 });
        settings.onEpisode = (row) => rewards.push(row.reward);
        history = (await rlSearch(net, evaluator(), settings)).history.map((h) => `${h.wbits}|${h.abits}`);
      } finally {
        spy.mockRestore();
      }
      const steps = replayed.length / rewards.length;
      expect(Number.isInteger(steps)).toBe(true);
      const rank = new RankReward(20);
      const expected = rewards.flatMap((r) => Array<number>(steps).fill(rank.next(r)));
      expect(replayed).toEqual(expected);
      expect(new Set(expected).size).toBeGreaterThan(5);
      const ranked = await plans({ rankReward: 20 });
      expect(await plans({ rankReward: 20 })).toEqual(ranked);
      // No draw of its own: the warm-up's random episodes are the default's.
      expect(ranked.slice(0, 10)).toEqual((await plans({})).slice(0, 10));
      expect(history.length).toBe(40);
    });
  });
});
