/**
 * The model's speed-first traffic routine (optimizer/model/traffic.ts routeTraffic: reused parallel arrays, stamps,
 * flat link lists) against its plain reference (traffic-reference.ts) on the zoo, at the baseline and at a
 * replicated mixed-precision plan: every per-tile, per-link and per-layer load agrees.
 */
import { presetArch } from '../arch/presets';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { fillStoredBits } from '../optimizer/model/context';
import { routeTraffic } from '../optimizer/model/traffic';
import { referenceTraffic } from '../optimizer/model/traffic-reference';
import { zooNames } from '../workloads/zoo';
import { mixedReplicatedChoices, uniformChoices, zoo } from './helpers/model-fixtures';

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect([what, a.length]).toEqual([what, b.length]);
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y))) expect([what, i, x]).toEqual([what, i, y]);
  }
}

describe('traffic: the fast routine matches its plain reference', () => {
  const arch = { ...presetArch('puma'), chip: { tiles: 1024 } };
  it.each(zooNames().filter((n) => !['vit-b16', 'bert-base', 'gpt2', 'deit-s'].includes(n)))('%s', (name) => {
    const net = zoo(name);
    const ctx = prepareModel(arch, net);
    const n = net.weightedIndices.length;
    let links = 0;
    for (const choices of [uniformChoices(net), mixedReplicatedChoices(n)]) {
      const placement = evaluateModel(ctx, choices).placement;
      const stored = fillStoredBits(ctx, placement.operandBits);
      const ref = referenceTraffic(ctx, placement, stored);
      const fast = routeTraffic(ctx, placement, stored);
      close(fast.injectFlits, ref.injectFlits, 'injectFlits');
      close(fast.ejectFlits, ref.ejectFlits, 'ejectFlits');
      close(fast.edramBits, ref.edramBits, 'edramBits');
      close(fast.edramSqAccesses, ref.edramSqAccesses, 'edramSqAccesses');
      const refLinks = new Float64Array(fast.linkFlits.length);
      for (const [id, flits] of ref.linkFlits) refLinks[id] = flits;
      close(fast.linkFlits, refLinks, 'linkFlits');
      close(fast.layerLinkFlits, ref.layerLinkFlits, 'layerLinkFlits');
      close(fast.layerMaxHops, ref.layerMaxHops, 'layerMaxHops');
      expect(fast.totalFlits).toBeCloseTo(ref.totalFlits, 6);
      expect(fast.totalFlitHops).toBeCloseTo(ref.totalFlitHops, 6);
      links += ref.linkFlits.size;
    }
    // The larger networks' plans route over the mesh, so the comparison covers links too.
    if (n > 25) expect(links).toBeGreaterThan(0);
  });
});
