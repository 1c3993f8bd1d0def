/**
 * A lone image's row on a tile shared by several replicas of one layer (docs/hardware-model.md rules 5 and 7): every
 * replica's row job asks the eDRAM port for its reads when the input row arrives, and the FIFO port serves whole
 * requests, so the row ends (n - 1) job reads after one replica's would. MobileNetV2's replicated plans on PUMA and
 * xformer: the model was 5.2% and 6.8% below the simulated lone latency without it (docs/validation.md).
 */
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { rowFixedCycles, siblingReadWaitCycles } from '../optimizer/model/latency-terms';
import { zoo } from './helpers/model-fixtures';

describe('sibling replicas queue their row jobs\' reads at their tile\'s port', () => {
  test('the last of a tile\'s n replicas waits for n - 1 whole requests, on the most shared tile', () => {
    expect(siblingReadWaitCycles([0, 0, 0, 1, 1], 140)).toBe(280);
    expect(siblingReadWaitCycles([0, 1, 1, 1, 1], 10)).toBe(30);
    expect(siblingReadWaitCycles([0, 1, 2], 140)).toBe(0);
    expect(siblingReadWaitCycles([3], 140)).toBe(0);
    expect(siblingReadWaitCycles([], 140)).toBe(0);
  });

  test('PUMA MobileNetV2, features.1.conv.0.0 at 11 replicas on one tile: 10 x 154 cycles in the row', () => {
    const arch = presetArch('puma');
    const net = zoo('mobilenetv2');
    const n = net.weightedIndices.length;
    const ctx = prepareModel(arch, net);
    const layer = ctx.layers.find((x) => net.layers[x.index]?.layer.name === 'features.1.conv.0.0');
    if (layer === undefined) throw new Error('no features.1.conv.0.0');
    const pos = layer.weightedPos;
    const one = baselineChoices(n);
    const abits = one.abits.map((b, i) => (i === pos ? 6 : b));
    const eleven = { ...one, abits, replicas: one.replicas.map((r, i) => (i === pos ? 11 : r)) };
    const single = { ...one, abits };
    const t11 = planTerms(ctx, eleven);
    expect(t11.placement.weighted[pos]?.replicaTiles).toEqual(Array(11).fill(0));
    const fixed11 = rowFixedCycles(ctx, t11.placement, t11.mappings, eleven, t11.traffic, t11.storedBits, layer);
    // By hand: a depthwise 3x3 over 32 channels reads 288 6-bit elements an MVM, ceil(1,728 / 256) = 7 accesses at
    // 0.5 a cycle = 14 cycles a pixel; ceil(112 / 11) = 11 pixels a job: 154 cycles a request, 10 ahead of the last.
    // The replica's own work: 11 pixels x its MVM time (1 replica: 112 pixels x the same), the drain and the write
    // of the input row the same in both plans.
    const t1 = planTerms(ctx, single);
    const fixed1 = rowFixedCycles(ctx, t1.placement, t1.mappings, single, t1.traffic, t1.storedBits, layer);
    const mvm = t11.mappings[pos]?.mvmCycles ?? 0;
    expect(t1.mappings[pos]?.mvmCycles).toBe(mvm);
    expect(fixed11 - (fixed1 - 112 * mvm + 11 * mvm)).toBeCloseTo(1540, 6);
  });
});
