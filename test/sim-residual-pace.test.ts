import { applySetOverrides } from '../arch/overrides';
import { analyzeDataflow } from '../arch/dataflow';
import { mapNetwork } from '../arch/mapping';
import { simulate } from '../sim';
import { NetworkBuilder } from '../workloads/builder';
import { resolveNetwork } from '../workloads/shapes';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { uncontendedArch, uniformChoices } from './helpers/model-fixtures';

/**
 * An identity residual block whose stages all run at the same pace: X = a (1x1), main path b (1x1) -> c (3x3,
 * pad 1) -> d (1x1) with the add fused into d. 64 channels, 8x8 pixels, 8-bit: every layer does 8 MVMs per row on
 * one replica, so each takes the same row time L = 8 x mvm, and rows of X arrive every L (interval 64 x mvm).
 * Worked by hand (docs/hardware-model.md rule 1): d wants X row i once c has row i, which needs b row i + 1, which
 * needs X row i + 1 (1 row of skew); then b, c and d each take L. A row of X is held 1 + 3 = 4 periods, so d's
 * window on X must be 4 rows (5 slots with the lookahead), not the 2 the row needs alone give.
 */
function residualBlock() {
  const b = new NetworkBuilder('residual-pace', { channels: 64, height: 8, width: 8 });
  const x = b.conv('a', 64, 1);
  b.conv('b', 64, 1);
  b.conv('c', 64, 3, { pad: 1 });
  const d = b.conv('d', 64, 1);
  b.add2('add', d, x);
  return resolveNetwork(b.build());
}

const names = (net: ReturnType<typeof residualBlock>, idx: number[]): string[] => idx.map((i) => net.layers[i]?.layer.name ?? '?').sort();

describe('line buffers of a residual fork keep pace with the main path', () => {
  const net = residualBlock();
  const dIndex = net.layers.findIndex((l) => l.layer.name === 'd');
  const aIndex = net.layers.findIndex((l) => l.layer.name === 'a');

  it('the dataflow sees the fork: skip window 2 from row needs, the main path b, c one row ahead', () => {
    const flow = analyzeDataflow(net);
    const d = flow.layers[dIndex];
    const skip = d?.dataInputs.findIndex((x) => x.producer === aIndex) ?? -1;
    expect(skip).toBeGreaterThanOrEqual(0);
    expect(d?.windowRows[skip]).toBe(2);
    const paths = d?.skewPaths[skip] ?? [];
    expect(paths).toHaveLength(1);
    expect(names(net, paths[0]?.lead ?? [])).toEqual(['b', 'c']);
    expect(paths[0]?.own).toEqual([]);
    expect(paths[0]?.skewRows).toBe(1);
  });

  it('with room, placement grants 4 rows and the simulator keeps the compute pace of 64 MVMs per image', async () => {
    const arch = uncontendedArch();
    const choices = uniformChoices(net);
    const mvm = mapNetwork(arch, net, choices.wbits, choices.abits).map((m) => m.mvmCycles);
    expect(new Set(mvm).size).toBe(1); // same row time L for every stage
    const interval = 64 * (mvm[0] ?? 0);
    const model = evaluateModel(prepareModel(arch, net), choices);
    const flow = analyzeDataflow(net);
    const skip = flow.layers[dIndex]?.dataInputs.findIndex((x) => x.producer === aIndex) ?? -1;
    expect(model.placement.windowRows[dIndex]?.[skip]).toBe(4);
    // Each row job's first input vector (one cycle on the ample port) is read during the previous job's MVMs (rule 5,
    // read-ahead): nothing added (before: interval + 8).
    expect(model.bottleneckCycles).toBe(interval);
    const sim = await simulate(arch, net, choices, { images: 6 });
    expect(Math.abs(sim.intervalCycles / interval - 1)).toBeLessThan(0.03);
  });

  it('capped to 2 rows by a small eDRAM, the pace drops to 4 L per 3 rows, in the model and the simulator', async () => {
    // d's tile holds its main input (2 slots) and at most 3 slots of X: 5 rows of 8 x 64 x 8 bits = 2.5 KB.
    const arch = applySetOverrides(uncontendedArch(), ['tile.edram.capacityKb=2.5']);
    const choices = uniformChoices(net);
    const mvm = mapNetwork(arch, net, choices.wbits, choices.abits)[0]?.mvmCycles ?? 0;
    const rowCycles = 8 * mvm;
    // floor((1 p + 3 L - (p - L)) / p) <= 2  <=>  p >= 4 L / 3; 8 rows per image.
    const handInterval = (8 * 4 * rowCycles) / 3;
    const model = evaluateModel(prepareModel(arch, net), choices);
    const flow = analyzeDataflow(net);
    const skip = flow.layers[dIndex]?.dataInputs.findIndex((x) => x.producer === aIndex) ?? -1;
    expect(model.placement.windowRows[dIndex]?.[skip]).toBe(2);
    expect(model.bottleneckCycles).toBeCloseTo(handInterval, 6);
    expect(model.layers[dIndex]?.boundBy).toBe('line-buffer');
    // The simulator: 4 L per 3 rows is the pace of an endless row stream; an image's last rows free X's slots early
    // (d's row 7 needs no X row 8), so the stream stalls fewer times than the cap's pace and stays at or below
    // handInterval. It stalls at least once per image: X row 3 takes X row 0's slot, freed when d's row 0 is done,
    // at (X row 1 in) + 3 L (b, c, d) >= (X row 0 in) + 4 L, while a unstalled would send row 3 at (X row 0 in) +
    // 3 L; a stalled a loses a whole row L plus the piece's transfer and write to b's tile (>= 1 cycle). With the
    // read-ahead (rule 5) a reads its next row while it computes, so a stall costs no extra read: one such stall or
    // two per image (64 L + L..2 L), not 8/3 (the old rule's 80,532 cycles, two per image, was within 10% of hand).
    const sim = await simulate(arch, net, choices, { images: 6 });
    expect(sim.intervalCycles).toBeGreaterThan(64 * mvm + rowCycles);
    expect(sim.intervalCycles).toBeLessThanOrEqual(handInterval);
  });
});
