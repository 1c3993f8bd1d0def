import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel } from '../optimizer/model';
import { fillStoredBits } from '../optimizer/model/context';
import { polish } from '../optimizer/search/polish';
import { baselineEvaluators } from './helpers/search-fixtures';

// ResNet-20 (zoo): a block's first conv reads the block input directly, the block's second conv hosts the fused
// residual add that reads it too, so both readers' abits set that tensor's stored bits (rule 2).
const arch = presetArch('puma');
const net = resolveNetwork(zooNetwork('resnet20'));
const ctx = prepareModel(arch, net);
const n = net.weightedIndices.length;
const evaluator = baselineEvaluators(arch, net, ctx, 1);

describe('coupled activation bits (readers of one stored tensor)', () => {
  test('activationGroups joins exactly the layers whose abits set one stored tensor: lowering one member alone leaves the tensor bits, lowering all lowers them', () => {
    const groups = evaluator().activationGroups();
    const coupled = [...new Set(groups)].map((g) => groups.flatMap((x, pos) => (x === g ? [pos] : []))).filter((m) => m.length > 1);
    expect(coupled.length).toBeGreaterThan(3);
    const stored = (abits: number[]): number[] => Array.from(fillStoredBits(ctx, abits));
    const eight = new Array<number>(n).fill(8);
    for (const members of coupled) {
      const one = [...eight];
      one[members[0] as number] = 4;
      expect(stored(one)).toEqual(stored(eight));
      const all = [...eight];
      for (const m of members) all[m] = 4;
      expect(stored(all).some((b) => b === 4)).toBe(true);
    }
  });

  test('polish tries a coupled group step down as one move (both members down by one, nothing else changed)', async () => {
    const ev = evaluator();
    const wbits = new Array<number>(n).fill(8);
    const abits = new Array<number>(n).fill(8);
    const groups = ev.activationGroups();
    const tried: string[] = [];
    const original = ev.evaluate.bind(ev);
    ev.evaluate = async (w, a, p) => {
      tried.push(`${w.join(',')}|${a.join(',')}`);
      return original(w, a, p);
    };
    const start = await original(wbits, abits);
    await polish(ev, start, { fixedLayers: [0, n - 1], maxEvaluations: 200 });
    const members = groups.flatMap((g, pos) => (g === groups[1] ? [pos] : []));
    expect(members.length).toBe(2);
    const down = [...start.abits];
    for (const m of members) down[m] = (down[m] ?? 8) - 1;
    expect(tried).toContain(`${start.wbits.join(',')}|${down.join(',')}`);
  });
});
