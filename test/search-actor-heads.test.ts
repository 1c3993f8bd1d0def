import seedrandom from 'seedrandom';
import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { drawHead, HeadAssignment, headTargets, type ImitatedEpisode } from '../optimizer/search/actor-heads';
import { DdpgAgent, DEFAULT_DDPG, type DdpgSettings } from '../optimizer/search/ddpg';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { ValidationError } from '../errors';
import { baselineEvaluators } from './helpers/search-fixtures';

/** An elite episode of `steps` steps whose states all equal `state` and actions all equal `action`. */
const episode = (steps: number, state: number[], action: number[]): ImitatedEpisode => ({
  states: Array.from({ length: steps }, () => Float64Array.from(state)),
  actions: Array.from({ length: steps }, () => [...action]),
});

const agentWith = (ddpg: Partial<DdpgSettings>, seed = 'heads'): DdpgAgent =>
  new DdpgAgent(3, 2, { ...DEFAULT_DDPG, hidden: [8, 8], batchSize: 8, ...ddpg }, seedrandom(seed));

describe('multi-head actor (actorHeads)', () => {
  test('headTargets: one head imitates every elite episode; head k of K the k-th best (k mod count while fewer are known)', () => {
    const elite = [episode(2, [1, 0, 0], [0.1, 0.1]), episode(2, [0, 1, 0], [0.5, 0.5]), episode(2, [0, 0, 1], [0.9, 0.9])];
    const one = headTargets(elite, 1);
    expect(one.length).toBe(1);
    expect(one[0]?.actions).toEqual([[0.1, 0.1], [0.1, 0.1], [0.5, 0.5], [0.5, 0.5], [0.9, 0.9], [0.9, 0.9]]);
    const three = headTargets(elite, 3);
    expect(three.map((h) => h.actions[0])).toEqual([[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]]);
    expect(three.map((h) => h.states.length)).toEqual([2, 2, 2]);
    expect(headTargets(elite.slice(0, 2), 3).map((h) => h.actions[0])).toEqual([[0.1, 0.1], [0.5, 0.5], [0.1, 0.1]]);
    expect(headTargets([], 3).map((h) => h.states.length)).toEqual([0, 0, 0]);
  });

  test('drawHead: no draw with one head; uniform covers the heads evenly', () => {
    const never = jest.fn(() => 0.5);
    expect(drawHead(1, never)).toBe(0);
    expect(never).not.toHaveBeenCalled();
    const random = seedrandom('draw');
    const n = [0, 0, 0];
    for (let i = 0; i < 12000; i++) n[drawHead(3, random)]! += 1;
    for (const c of n) expect(Math.abs(c - 4000)).toBeLessThan(250);
    expect(drawHead(3, () => 0.999999)).toBe(2);
  });

  test('HeadAssignment: by rank every head follows its rank; sticky heads keep their episode, the producer takes its new one', () => {
    const e = (key: string, a: number) => ({ key, ...episode(1, [0, 0, 0], [a, a]) });
    const [A, B, C, D] = [e('A', 0.1), e('B', 0.2), e('C', 0.3), e('D', 0.4)];
    const first = (targets: { actions: readonly (readonly number[])[] }[]) => targets.map((t) => t.actions[0]?.[0]);
    const byRank = new HeadAssignment(3, false);
    expect(first(byRank.targets([A, B, C], undefined, undefined))).toEqual([0.1, 0.2, 0.3]);
    // A new best D (produced by head 2): every head moves one place.
    expect(first(byRank.targets([D, A, B], 2, 'D'))).toEqual([0.4, 0.1, 0.2]);
    const sticky = new HeadAssignment(3, true);
    // The elite grows during the warm-up (no producer): heads spread over the episodes, best first.
    expect(first(sticky.targets([A], undefined, 'A'))).toEqual([0.1, 0.1, 0.1]);
    expect(first(sticky.targets([A, B], undefined, 'B'))).toEqual([0.1, 0.2, 0.1]);
    expect(first(sticky.targets([A, B, C], undefined, 'C'))).toEqual([0.1, 0.2, 0.3]);
    // Head 2 produces a new best D: head 2 takes D, heads 0 and 1 keep A and B (C left the elite).
    expect(first(sticky.targets([D, A, B], 2, 'D'))).toEqual([0.1, 0.2, 0.4]);
    // Head 0 produces C again (ranked second): head 0 takes it; head 1's B left, so it takes the episode no head holds (A).
    expect(first(sticky.targets([D, C, A], 0, 'C'))).toEqual([0.3, 0.1, 0.4]);
    expect(first(sticky.targets([], undefined, undefined))).toEqual([undefined, undefined, undefined]);
  });

  test("head k's imitation target is elite k: after updates each head acts near its own elite's actions", () => {
    const agent = agentWith({ actorHeads: 3, imitationWeight: 100, actorLr: 1e-2 });
    const state = [0.3, 0.6, 0.9];
    const targets = [[0.15, 0.8], [0.5, 0.3], [0.85, 0.6]];
    // A replay whose critic carries little signal (one reward), so the imitation dominates the actor's gradient.
    for (let i = 0; i < 16; i++) agent.remember(Float64Array.from(state), [0.5, 0.5], 0, Float64Array.from(state), true);
    headTargets(targets.map((a) => episode(4, state, a)), agent.headCount).forEach((h, k) => agent.setElite(h.states, h.actions, k));
    for (let u = 0; u < 400; u++) agent.update();
    targets.forEach((target, k) => {
      agent.selectHead(k);
      const a = agent.act(Float64Array.from(state), 0);
      expect(Math.abs((a[0] ?? 0) - (target[0] ?? 0))).toBeLessThan(0.05);
      expect(Math.abs((a[1] ?? 0) - (target[1] ?? 0))).toBeLessThan(0.05);
    });
    expect(() => agent.selectHead(3)).toThrow(/no head 3/);
    expect(() => agent.setElite([], [], 3)).toThrow(/no head 3/);
  });

  test("head 0 starts as the single actor (the extra heads are drawn after it); heads start apart; same seed, same heads", () => {
    const s = Float64Array.from([0.2, 0.4, 0.6]);
    const single = agentWith({}).act(s, 0);
    const multi = agentWith({ actorHeads: 3 });
    expect(multi.act(s, 0)).toEqual(single);
    multi.selectHead(1);
    expect(multi.act(s, 0)).not.toEqual(single);
    const again = agentWith({ actorHeads: 3 });
    again.selectHead(1);
    expect(again.act(s, 0)).toEqual(multi.act(s, 0));
  });

  test('settings: actorHeads and actorHeadSticky parse into the agent settings; 0 heads is refused', () => {
    const { overrides } = parseSearchSettings('actorHeads=3,actorHeadSticky=1');
    expect(overrides.ddpg?.actorHeads).toBe(3);
    expect(overrides.ddpg?.actorHeadSticky).toBe(true);
    expect(() => parseSearchSettings('actorHeads=0')).toThrow(ValidationError);
    expect(() => parseSearchSettings('actorHeads=1.5')).toThrow(ValidationError);
    expect(DEFAULT_DDPG.actorHeads).toBe(1);
  });

  describe('in the search', () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('vgg8'));
    const ctx = prepareModel(arch, net);
    const evaluator = baselineEvaluators(arch, net, ctx, 1);
    const run = async (overrides: SearchOverrides, heads: number[] = []) => {
      const settings = defaultSearchSettings(net, { seed: 5, updatesPerEpisode: 1, polishEvaluations: 0, episodes: 24, warmupEpisodes: 6, ...overrides });
      settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4, ...overrides.ddpg };
      const spy = jest.spyOn(DdpgAgent.prototype, 'selectHead');
      try {
        const r = await rlSearch(net, evaluator(), settings);
        heads.push(...spy.mock.calls.map((c) => c[0]));
        return r;
      } finally {
        spy.mockRestore();
      }
    };

    test('each search episode acts with a drawn head, all heads used; the same seed gives the same plans', async () => {
      const heads: number[] = [];
      const a = await run({ ddpg: { actorHeads: 3 } }, heads);
      expect(heads.length).toBe(24);
      expect(new Set(heads)).toEqual(new Set([0, 1, 2]));
      const b = await run({ ddpg: { actorHeads: 3 } });
      expect(b.history.map((h) => `${h.wbits}|${h.abits}`)).toEqual(a.history.map((h) => `${h.wbits}|${h.abits}`));
      // The heads change the search: one actor's plans differ (and it always acts with head 0).
      const oneHeads: number[] = [];
      const one = await run({}, oneHeads);
      expect(new Set(oneHeads)).toEqual(new Set([0]));
      expect(one.history.slice(6).map((h) => `${h.wbits}|${h.abits}`)).not.toEqual(a.history.slice(6).map((h) => `${h.wbits}|${h.abits}`));
      // Sticky heads: their own targets, so their own plans after the warm-up; the same seed, the same plans.
      const sticky = await run({ ddpg: { actorHeads: 3, actorHeadSticky: true } });
      const again = await run({ ddpg: { actorHeads: 3, actorHeadSticky: true } });
      expect(again.history.map((h) => `${h.wbits}|${h.abits}`)).toEqual(sticky.history.map((h) => `${h.wbits}|${h.abits}`));
      expect(sticky.history.slice(0, 6)).toEqual(a.history.slice(0, 6));
      expect(sticky.history.slice(6).map((h) => `${h.wbits}|${h.abits}`)).not.toEqual(a.history.slice(6).map((h) => `${h.wbits}|${h.abits}`));
    });
  });
});
