/**
 * check-settings.ts: the search settings' combination rules and CEM-RL's ranges, one rule read by every entry
 * (--search-settings, optimize(), rlSearch): a library caller gets the refusals the parser gives.
 */
import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { actorParameterCount, checkSearchSettings, DEFAULT_UPDATES, MAX_CEM_BYTES } from '../optimizer/search/check-settings';
import { DdpgAgent } from '../optimizer/search/ddpg';
import { STATE_SIZE } from '../optimizer/search/state';
import { defaultSearchSettings, rlSearch, type SearchOverrides } from '../optimizer/search/rl-search';
import { HAQ_SETTINGS, parseSearchSettings } from '../optimizer/search/settings';
import { ValidationError } from '../errors';
import { optimize } from '../optimizer/lrmp';
import { proxyOracle } from '../optimizer/accuracy/proxy';
import { baselineEvaluators } from './helpers/search-fixtures';

describe('search settings checks (check-settings.ts)', () => {
  const arch = presetArch('puma');
  const net = resolveNetwork(zooNetwork('vgg8'));
  const ctx = prepareModel(arch, net);
  const evaluator = baselineEvaluators(arch, net, ctx, 1);

  // [library overrides, the refusal's text, the same as --search-settings text (undefined: no text form)]
  const bad: Array<[SearchOverrides, RegExp, string | undefined]> = [
    [{ cemPop: -3 }, /field 'cemPop' is -3.*0 \(off\) or an integer from 2 to 256/, 'cemPop=-3'],
    [{ cemPop: 1 }, /field 'cemPop' is 1/, 'cemPop=1'],
    [{ cemPop: 2.5 }, /field 'cemPop' is 2.5/, 'cemPop=2.5'],
    [{ cemPop: 257 }, /field 'cemPop' is 257/, 'cemPop=257'],
    [{ cemPop: 10, cemSigma: NaN }, /field 'cemSigma' is NaN/, 'cemPop=10,cemSigma=NaN'],
    [{ cemPop: 10, cemSigma: Infinity }, /field 'cemSigma' is Infinity/, 'cemPop=10,cemSigma=Infinity'],
    [{ cemPop: 10, cemSigma: 0 }, /field 'cemSigma' is 0/, 'cemPop=10,cemSigma=0'],
    [{ cemPop: 10, cemSteps: 2001 }, /field 'cemSteps' is 2001/, 'cemPop=10,cemSteps=2001'],
    [{ cemPop: 10, cemSteps: 1.5 }, /field 'cemSteps' is 1.5/, 'cemPop=10,cemSteps=1.5'],
    [{ cemPop: 10, paramNoise: 0.5 }, /field 'paramNoise' is 0.5 with cemPop=10/, 'cemPop=10,paramNoise=0.5'],
    [{ cemPop: 10, critScreen: 4 }, /field 'critScreen' is 4 with cemPop=10/, 'cemPop=10,critScreen=4'],
    [{ cemPop: 10, eliteLocal: 0.25 }, /field 'eliteLocal' is 0.25 with cemPop=10/, 'cemPop=10,eliteLocal=0.25'],
    [{ cemPop: 10, ddpg: { actorHeads: 3 } }, /field 'actorHeads' is 3 with cemPop=10/, 'cemPop=10,actorHeads=3'],
    [{ cemPop: 10, updatesPerEpisode: 16 }, /field 'updatesPerEpisode' is 16 with cemPop=10.*no per-episode or per-step updates run/, 'cemPop=10,updatesPerEpisode=16'],
    [{ cemPop: 10, updatesPerStep: 0.5 }, /field 'updatesPerStep' is 0.5 with cemPop=10/, 'cemPop=10,updatesPerStep=0.5'],
    [{ cemPop: 33, ddpg: { hidden: [1000, 1000] } }, /field 'cemPop' is 33 with hidden=1000x1000 \(1,019,002 actor parameters: 257 MB of members\).*at most 32 with these layers \(members' parameters within 256 MB\)/, 'cemPop=33,hidden=1000x1000'],
    [{ cemPop: 2, ddpg: { hidden: [4096, 4096] } }, /field 'cemPop' is 2 with hidden=4096x4096 .*smaller hidden layers/, 'cemPop=2,hidden=4096x4096'],
    [{ ddpg: { actorHeadSticky: true } }, /field 'actorHeadSticky' is true with actorHeads=1/, 'actorHeadSticky=1'],
    [{ ddpg: { actorHeads: 3, imitationWeight: 0 } }, /field 'actorHeads' is 3 with imitationWeight=0, eliteEpisodes=3/, 'actorHeads=3,imitationWeight=0'],
  ];

  test('rlSearch refuses them all with a ValidationError before any evaluation', async () => {
    for (const [overrides, message] of bad) {
      const settings = defaultSearchSettings(net, { seed: 5, episodes: 4, warmupEpisodes: 2, ...overrides });
      settings.ddpg = { ...settings.ddpg, ...overrides.ddpg };
      const e = evaluator();
      const updates = jest.spyOn(DdpgAgent.prototype, 'update');
      try {
        await expect(rlSearch(net, e, settings)).rejects.toThrow(message);
        await expect(rlSearch(net, e, settings)).rejects.toThrow(/^rlSearch settings: /);
        await expect(rlSearch(net, e, settings)).rejects.toBeInstanceOf(ValidationError);
        expect(updates).not.toHaveBeenCalled();
      } finally {
        updates.mockRestore();
      }
      expect(e.evaluations).toBe(0);
    }
  });

  test('--search-settings refuses the same settings, naming the same field', () => {
    for (const [, message, text] of bad) {
      if (text === undefined) continue;
      const field = /field '(\w+)'/.exec(message.source)?.[1] ?? '';
      expect(() => parseSearchSettings(text)).toThrow(ValidationError);
      expect(() => parseSearchSettings(text)).toThrow(new RegExp(`^--search-settings: field '${field}'`));
      // The combinations come from the rule itself (the parser's range check answers first for a lone bad number).
      if (message.source.includes(' with ')) expect(() => parseSearchSettings(text)).toThrow(message);
    }
  });

  test('accepted: the presets with a population, the largest population that fits, CEM off with any update setting', () => {
    expect(parseSearchSettings('haq,cemPop=10').overrides.cemPop).toBe(10);
    expect(parseSearchSettings('cemPop=10,cemSigma=0.1,cemSteps=2000,updatesPerEpisode=4,updatesPerStep=0').overrides.cemSteps).toBe(2000);
    expect(parseSearchSettings('cemPop=32,hidden=1000x1000').overrides.cemPop).toBe(32);
    expect(parseSearchSettings('haq,cemPop=256').overrides.cemPop).toBe(256); // 300x300: 196 MB
    expect(parseSearchSettings('updatesPerEpisode=16,paramNoise=0.5').overrides.updatesPerEpisode).toBe(16);
    expect(() => checkSearchSettings({ ...HAQ_SETTINGS, cemPop: 10 }, 'x')).not.toThrow();
    // The allowed update pairs are the default's and HAQ's: the constants agree with both presets.
    const defaults = defaultSearchSettings(net);
    expect([defaults.updatesPerEpisode, defaults.updatesPerStep]).toEqual([DEFAULT_UPDATES.updatesPerEpisode, DEFAULT_UPDATES.updatesPerStep]);
    expect([HAQ_SETTINGS.updatesPerEpisode, HAQ_SETTINGS.updatesPerStep]).toEqual([0, 1]);
    // The parameter count is the agent's actor's.
    const agent = new DdpgAgent(STATE_SIZE, 2, { ...defaults.ddpg, hidden: [7, 5] }, () => 0.5);
    expect(agent.actorParameters().length).toBe(actorParameterCount(STATE_SIZE, [7, 5]));
    expect(256 * actorParameterCount(STATE_SIZE, [300, 300]) * 8).toBeLessThan(MAX_CEM_BYTES);
  });

  test('optimize() refuses them before any search starts', async () => {
    await expect(
      optimize(arch, net, proxyOracle(net), { objective: 'throughput', accuracyBudgetPct: 1, episodes: 4, seed: 1, milp: 'jslp', topK: 3, workers: -1, search: { cemPop: 10, cemSigma: NaN } }),
    ).rejects.toThrow(/optimize search settings: field 'cemSigma' is NaN/);
  });
});
