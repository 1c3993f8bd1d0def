import { createHash } from 'crypto';
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
import { optimize } from '../optimizer/lrmp';
import { proxyOracle } from '../optimizer/accuracy/proxy';
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

  test("HeadAssignment.bestHead: the head imitating the best-ranked held episode (by rank head 0; sticky any head's)", () => {
    const e = (key: string) => ({ key, ...episode(1, [0, 0, 0], [0.5, 0.5]) });
    const [A, B, C, D] = [e('A'), e('B'), e('C'), e('D')];
    const byRank = new HeadAssignment(3, false);
    byRank.targets([D, A, B], 2, 'D');
    expect(byRank.bestHead).toBe(0);
    const sticky = new HeadAssignment(3, true);
    sticky.targets([A, B, C], undefined, 'C');
    expect(sticky.bestHead).toBe(0);
    // Head 2 produces the new best D: it imitates it, so the critic's target actor must follow head 2.
    sticky.targets([D, A, B], 2, 'D');
    expect(sticky.bestHead).toBe(2);
    // Head 1 produces B again as the best (D and A left): head 1 holds the best.
    sticky.targets([B, C], 1, 'B');
    expect(sticky.bestHead).toBe(1);
    sticky.targets([], undefined, undefined);
    expect(sticky.bestHead).toBe(0);
    // Two heads, a new best from no head (a local episode): the best held episode's head.
    const two = new HeadAssignment(2, true);
    two.targets([A, B], undefined, 'B');
    two.targets([A, B], 1, 'A');
    expect(two.bestHead).toBe(1);
    two.targets([C, A, B], undefined, 'C');
    expect(two.bestHead).toBe(1);
  });

  test("the critic's target actor follows the target head, not the acting head nor head 0", () => {
    // Non-terminal transitions (the critic's targets read Q'(s1, mu'(s1))), tau 1 (mu' is the target head's copy).
    const critic = (actHead: number, targetHead: number): number[] => {
      const agent = agentWith({ actorHeads: 2, tau: 1, imitationWeight: 0 });
      for (let i = 0; i < 16; i++) agent.remember(Float64Array.from([0.1 * (i % 5), 0.5, 0.9]), [0.3, 0.7], i % 3, Float64Array.from([0.9, 0.1 * (i % 4), 0.2]), false);
      agent.selectHead(actHead);
      agent.setTargetHead(targetHead);
      for (let u = 0; u < 10; u++) agent.update();
      return [...agent.stepValues([Float64Array.from([0.2, 0.4, 0.6])], [[0.5, 0.5]], false)];
    };
    expect(critic(0, 1)).toEqual(critic(1, 1));
    expect(critic(1, 0)).toEqual(critic(0, 0));
    expect(critic(0, 1)).not.toEqual(critic(0, 0));
    expect(() => agentWith({ actorHeads: 2 }).setTargetHead(2)).toThrow(/no head 2/);
  });

  test("head 1's critic step uses the replay states, not head 0's imitated states (r101)", () => {
    // Head 0's elite states differ between the two agents; head 1's critic gradient must not see them.
    const make = (eliteState: number[]): DdpgAgent => {
      const agent = agentWith({ actorHeads: 2, imitationWeight: 1e-9, actorLr: 1e-2 }, 'probe');
      for (let i = 0; i < 16; i++) agent.remember(Float64Array.from([0.1 * (i % 5), 0.5, 0.9]), [0.3, 0.7], i % 3, Float64Array.from([0.2, 0.4, 0.6]), false);
      agent.setElite([Float64Array.from(eliteState)], [[0.5, 0.5]], 0);
      agent.setElite([Float64Array.from([0.5, 0.5, 0.5])], [[0.5, 0.5]], 1);
      for (let u = 0; u < 20; u++) agent.update();
      agent.selectHead(1);
      return agent;
    };
    const s = Float64Array.from([0.2, 0.4, 0.6]);
    const a = make([0, 0, 0]).act(s, 0);
    const b = make([1, 1, 1]).act(s, 0);
    a.forEach((v, k) => expect(v).toBeCloseTo(b[k] ?? NaN, 6));
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

  test("head 0 and the critic start as the single agent's (the extra heads are drawn after them); heads start apart; same seed, same heads", () => {
    const s = Float64Array.from([0.2, 0.4, 0.6]);
    const one = agentWith({});
    const single = one.act(s, 0);
    const multi = agentWith({ actorHeads: 3 });
    expect(multi.act(s, 0)).toEqual(single);
    const q = (agent: DdpgAgent): number[] => [...agent.stepValues([s, Float64Array.from([0.9, 0.1, 0.5])], [[0.2, 0.8], [0.6, 0.4]], false)];
    expect(q(multi)).toEqual(q(one));
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
    // Combinations that would do nothing are refused, naming the fields.
    expect(() => parseSearchSettings('actorHeadSticky=1')).toThrow(/actorHeadSticky' is true with actorHeads=1/);
    expect(() => parseSearchSettings('actorHeads=1,actorHeadSticky=true')).toThrow(ValidationError);
    expect(() => parseSearchSettings('haq,actorHeads=3')).toThrow(/actorHeads' is 3 with imitationWeight=0/);
    expect(() => parseSearchSettings('actorHeads=2,imitationWeight=0')).toThrow(ValidationError);
    expect(() => parseSearchSettings('actorHeads=3,eliteEpisodes=0')).toThrow(/eliteEpisodes=0/);
    expect(parseSearchSettings('actorHeadSticky=0').overrides.ddpg?.actorHeadSticky).toBe(false);
    expect(parseSearchSettings('haq,actorHeads=3,imitationWeight=10').overrides.ddpg?.actorHeads).toBe(3);
    expect(DEFAULT_DDPG.actorHeads).toBe(1);
  });

  describe('in the search', () => {
    const arch = presetArch('puma');
    const net = resolveNetwork(zooNetwork('vgg8'));
    const ctx = prepareModel(arch, net);
    const evaluator = baselineEvaluators(arch, net, ctx, 1);
    const run = async (overrides: SearchOverrides, heads: number[] = [], targetHeads: number[] = []) => {
      const settings = defaultSearchSettings(net, { seed: 5, updatesPerEpisode: 1, polishEvaluations: 0, episodes: 24, warmupEpisodes: 6, ...overrides });
      settings.ddpg = { ...settings.ddpg, hidden: [8, 8], batchSize: 4, ...overrides.ddpg };
      const spy = jest.spyOn(DdpgAgent.prototype, 'selectHead');
      const targetSpy = jest.spyOn(DdpgAgent.prototype, 'setTargetHead');
      try {
        const r = await rlSearch(net, evaluator(), settings);
        heads.push(...spy.mock.calls.map((c) => c[0]));
        targetHeads.push(...targetSpy.mock.calls.map((c) => c[0]));
        return r;
      } finally {
        spy.mockRestore();
        targetSpy.mockRestore();
      }
    };

    test('rlSearch itself refuses the head settings --search-settings refuses (one rule, check-settings.ts checkSearchSettings), before any evaluation', async () => {
      const bad: Array<[SearchOverrides, RegExp]> = [
        [{ ddpg: { actorHeadSticky: true } }, /rlSearch settings: field 'actorHeadSticky' is true with actorHeads=1/],
        [{ ddpg: { actorHeads: 3, imitationWeight: 0 } }, /field 'actorHeads' is 3 with imitationWeight=0, eliteEpisodes=3/],
        [{ eliteEpisodes: 0, ddpg: { actorHeads: 2 } }, /field 'actorHeads' is 2 with imitationWeight=\S+, eliteEpisodes=0/],
      ];
      for (const [overrides, message] of bad) {
        const settings = defaultSearchSettings(net, { seed: 5, episodes: 4, warmupEpisodes: 2, ...overrides });
        settings.ddpg = { ...settings.ddpg, ...overrides.ddpg };
        const e = evaluator();
        await expect(rlSearch(net, e, settings)).rejects.toThrow(message);
        await expect(rlSearch(net, e, settings)).rejects.toBeInstanceOf(ValidationError);
        expect(e.evaluations).toBe(0);
      }
    });

    test('optimize() refuses them before any search starts (no side thread left running)', async () => {
      await expect(
        optimize(arch, net, proxyOracle(net), { objective: 'throughput', accuracyBudgetPct: 1, episodes: 4, seed: 1, milp: 'jslp', topK: 3, workers: -1, search: { ddpg: { actorHeads: 3, imitationWeight: 0 } } }),
      ).rejects.toThrow(/optimize search settings: field 'actorHeads' is 3 with imitationWeight=0/);
    });

    test('the default search is pinned: its plans (vgg8, seed 5, 30 episodes) hash as on main before the heads (r101)', async () => {
      // Computed with main 3a48c81's build, whose default search r101 found identical to c45007b's (before actorHeads).
      // A change here changes every published default figure: deliberate changes update the hash and say so.
      const r = await run({});
      const text = r.history.map((h) => `${h.wbits}|${h.abits}|${h.replicas}`).join('\n');
      expect(r.history.length).toBe(30);
      expect(createHash('sha256').update(text).digest('hex').slice(0, 16)).toBe('9f784a75d5e9a4e2');
    });

    test('the default replay is pinned too: every DdpgAgent.remember argument (vgg8, seed 5), acted and realised actions (r108)', async () => {
      // r108: the plan hash above passes with the stored reward negated or replayRealised ignored (replay.ts), since
      // 24 episodes of an 8x8 agent play by their draws more than by what is learned; this pins what is stored.
      // Computed with main 4619a93's build; 117caaf's (before CEM-RL moved the storing to replay.ts) gives the same two.
      const replayHash = async (overrides: SearchOverrides): Promise<string> => {
        const remember = jest.spyOn(DdpgAgent.prototype, 'remember');
        try {
          await run(overrides);
          const text = remember.mock.calls.map((args) => args.map((a) => (typeof a === 'object' ? Array.from(a as ArrayLike<number>).join(',') : String(a))).join('|')).join('\n');
          expect(remember.mock.calls.length).toBe(30 * 6); // 30 episodes of 6 free layers
          return createHash('sha256').update(text).digest('hex').slice(0, 16);
        } finally {
          remember.mockRestore();
        }
      };
      expect(await replayHash({})).toBe('d3d5f0ddd8396861');
      expect(await replayHash({ replayRealised: true })).toBe('8eae74c1e0203f7d');
    });

    test('each search episode acts with a drawn head, all heads used; the same seed gives the same plans', async () => {
      const heads: number[] = [];
      const rankTargets: number[] = [];
      const a = await run({ ddpg: { actorHeads: 3 } }, heads, rankTargets);
      expect(rankTargets.length).toBeGreaterThan(0);
      expect(new Set(rankTargets)).toEqual(new Set([0]));
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
      const stickyTargets: number[] = [];
      const sticky = await run({ ddpg: { actorHeads: 3, actorHeadSticky: true } }, [], stickyTargets);
      // The critic's target actor follows the head imitating the best episode, under sticky heads not always head 0.
      expect(stickyTargets.length).toBeGreaterThan(0);
      expect(stickyTargets.some((h) => h > 0)).toBe(true);
      const again = await run({ ddpg: { actorHeads: 3, actorHeadSticky: true } });
      expect(again.history.map((h) => `${h.wbits}|${h.abits}`)).toEqual(sticky.history.map((h) => `${h.wbits}|${h.abits}`));
      expect(sticky.history.slice(0, 6)).toEqual(a.history.slice(0, 6));
      expect(sticky.history.slice(6).map((h) => `${h.wbits}|${h.abits}`)).not.toEqual(a.history.slice(6).map((h) => `${h.wbits}|${h.abits}`));
    });
  });
});
