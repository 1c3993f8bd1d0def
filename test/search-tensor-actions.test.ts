import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { defaultSearchSettings, rlSearch } from '../optimizer/search/rl-search';
import { parseSearchSettings } from '../optimizer/search/settings';
import { followerBits, tensorLeaders } from '../optimizer/search/tensor-actions';
import { baselineEvaluators } from './helpers/search-fixtures';

// ResNet-20 (zoo): a block's first conv and the conv hosting its fused residual add read one stored tensor (rule 2).
const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('resnet20'));
const ctx = prepareModel(arch, net);
const n = net.weightedIndices.length;
// A budget the proxy never reaches: neither the step wall nor the repair moves a bit, so the decode alone shows.
const evaluator = baselineEvaluators(arch, net, ctx, 100);

describe('activation actions per stored tensor', () => {
  const groups = evaluator().activationGroups();
  const fixed = new Set([0, n - 1]);
  const free = [...Array(n).keys()].filter((k) => !fixed.has(k));
  const leaders = tensorLeaders(net, groups, free, fixed);

  test('each later reader of a coupled tensor follows the group leader (its smallest position); not a group with a fixed reader, nor a reader whose own main input is larger', () => {
    expect(leaders.size).toBeGreaterThan(3);
    for (const [k, leader] of leaders) {
      expect(groups[k]).toBe(groups[leader]);
      expect(leader).toBeLessThan(k);
      expect(groups.some((g, pos) => g === groups[k] && fixed.has(pos))).toBe(false);
    }
    // Every layer reading the stem's output with a fixed stem conv: no leader (a fixed reader holds the tensor).
    expect(tensorLeaders(net, groups.map(() => 0), free, fixed).size).toBe(0);
    // MobileNetV2: each coupled pair is an expansion conv and the projection conv hosting the residual add, whose
    // main input (the depthwise output) is 6x the block input: left to its own action.
    const mobile = resolveNetwork(zooNetwork('mobilenetv2'));
    const mobileGroups = baselineEvaluators(arch, mobile, prepareModel(arch, mobile), 1)().activationGroups();
    const m = mobile.weightedIndices.length;
    const mobileFree = [...Array(m).keys()].slice(1, m - 1);
    expect(new Set(mobileGroups).size).toBeLessThan(m);
    expect(tensorLeaders(mobile, mobileGroups, mobileFree, new Set([0, m - 1])).size).toBe(0);
    expect([followerBits(0, 5, 3), followerBits(1, 5, 3), followerBits(1, 2, 3), followerBits(2, 5, 3), followerBits(2, 5, undefined)]).toEqual([5, 3, 2, 3, 5]);
  });

  test('--search-settings accepts tensorActions 0-2 and HAQ keeps one action per layer', () => {
    expect(parseSearchSettings('tensorActions=2').overrides.tensorActions).toBe(2);
    expect(parseSearchSettings('haq').overrides.tensorActions).toBe(0);
    expect(() => parseSearchSettings('tensorActions=3')).toThrow(/tensorActions/);
  });

  async function episodes(mode: number): Promise<number[][]> {
    const settings = defaultSearchSettings(net, { seed: 3, episodes: 12, warmupEpisodes: 6, tensorActions: mode as 0 | 1 | 2, polishEvaluations: 0 });
    const r = await rlSearch(net, evaluator(), settings);
    return r.history.map((h) => h.abits.split(' ').map(Number));
  }

  test('tie: every episode (warm-up and search) sets one bit value per coupled tensor; cap: later readers never above the leader; per layer: they are', async () => {
    const pairs = (rows: number[][]): Array<[number, number]> => rows.flatMap((a) => [...leaders].map(([k, l]): [number, number] => [a[k] ?? 0, a[l] ?? 0]));
    const tie = pairs(await episodes(2));
    expect(tie.every(([f, l]) => f === l)).toBe(true);
    const cap = pairs(await episodes(1));
    expect(cap.every(([f, l]) => f <= l)).toBe(true);
    expect(cap.some(([f, l]) => f < l)).toBe(true);
    const layer = pairs(await episodes(0));
    expect(layer.some(([f, l]) => f > l)).toBe(true);
  });
});
