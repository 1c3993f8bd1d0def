/**
 * The network input's writes at its tiles' ports in the lone image (docs/hardware-model.md rule 7, "The input's burst
 * at its tiles' ports"; optimizer/model/input-burst.ts), on a hand-worked toy, with the simulator, and the fast
 * recurrence against its plain reference where the burst holds rows back.
 */
import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { shiftAddDrainCycles } from '../arch/timing';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { lastInputBurst } from '../optimizer/model/input-burst';
import { rowLatencyCycles } from '../optimizer/model/latency';
import { referenceRowLatency } from '../optimizer/model/latency-reference';
import { replicatedMixedChoices } from '../optimizer/replication/bottleneck-greedy';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';
import { zoo } from './helpers/model-fixtures';

// PUMA with a slow eDRAM port (256-bit accesses at 0.05 a cycle: 20 cycles each) and everything else ample: the
// input's rows cross the off-chip link and the NoC at once.
function floodArch() {
  return applySetOverrides(presetArch('puma'), [
    'noc.linkFlitsPerCycle=1000000',
    'noc.routerLatencyCycles=0',
    'tile.edram.accessesPerCycle=0.05',
    'tile.digital.opsPerCycle=1000000',
    'offChip.bandwidthGBps=1000000000',
  ]);
}

// A 32 x 16 x 8 input read by one 1x1 conv to 8 channels on tile 0.
function oneConv() {
  return resolveNetwork({
    name: 'input-burst',
    input: { channels: 32, height: 16, width: 8 },
    layers: [{ kind: 'conv', name: 'a', inputs: ['input'], outChannels: 8, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: false }],
  });
}

describe("the network input's writes at its tile's port (lone image)", () => {
  // By hand: an input row is 32 x 8 x 8 = 2,048 bits = 8 accesses, 160 cycles of the port; its 16 rows all land on
  // tile 0 at once (its 64 KB hold them all), 2,560 cycles of writes queued at cycle 0. The conv's row job reads 8
  // pixels x 1 access (32 x 8 bits) = 160 cycles and computes 8 MVMs x 250 = 2,000 cycles (32,000 an image: its
  // pace); its reads are 16 x 160 = 2,560 of the port per image, rho = 2,560 / 32,000 = 0.08. Row 0 asks for its
  // reads once its input row is written (160 cycles): the backlog is then 2,560 - (1 - 0.08) x 160 = 2,412.8. So row
  // 0 ends at 160 + 2,412.8 + 2,000 + the shift-and-add drain, and every later row one job (2,000) after it (their
  // reads are asked while the job before computes, which hides what is left of the backlog, 1 - 0.08 a cycle).
  const arch = floodArch();
  const net = oneConv();
  const choices = baselineChoices(1);

  test('the backlog and the row ends worked by hand', () => {
    const ctx = prepareModel(arch, net);
    const result = evaluateModel(ctx, choices);
    expect(result.placement.layerTiles).toEqual([[0]]);
    expect(result.layers[0]?.computeCycles).toBe(32000);
    const b = lastInputBurst(ctx);
    // The input's pace is under a thousandth of a cycle: the burst ends at once.
    expect(b.peakCycles[0]).toBeCloseTo(2560, 2);
    expect(b.drainPerCycle[0]).toBeCloseTo(0.92, 12);
    expect(b.hideCycles[0]).toBe(2000);
    const mapping = result.mappings[0];
    if (mapping === undefined) throw new Error('no mapping');
    const row0 = 160 + 2412.8 + 2000 + shiftAddDrainCycles(arch, mapping);
    expect(ctx.rowScratch[0]).toBeCloseTo(row0, 1);
    for (let i = 1; i < 16; i++) expect(ctx.rowScratch[i]).toBeCloseTo(row0 + 2000 * i, 1);
    expect(result.latencyCycles).toBe(Math.ceil(row0 + 15 * 2000));
  });

  // With less eDRAM the tile holds fewer rows ahead of the conv (rule 6: its channel's 2 slots, the conv's one-row
  // window and its lookahead, plus the rows of the spare no slot is guaranteed): at 1 KB (8,192 bits) 2 + 4,096 /
  // 2,048 = 4 rows land at once, 640 cycles; the rest come as the conv frees space, at its pace of 16 rows a 32,000
  // cycles (160 x 16 / 32,000 = 0.08 of the port), so the backlog drains at 1 - 0.08 - 0.08 = 0.84 a cycle: row 0
  // waits 640 - 0.84 x 160 = 505.6. At 2 KB: 2 + 12,288 / 2,048 = 8 rows, 1,280 - 0.84 x 160 = 1,145.6. At 64 KB
  // all 16 (2,412.8, above).
  test.each([
    [1, 640, 505.6],
    [2, 1280, 1145.6],
    [64, 2560, 2412.8],
  ])('%d KB tiles: backlog %d cycles, row 0 waits %d; the simulator within 0.1%% (main, 32,177 at each size: 1.5-7.0%% below it)', async (kb, peak, wait) => {
    const sized = applySetOverrides(arch, [`tile.edram.capacityKb=${kb}`]);
    const ctx = prepareModel(sized, net);
    const result = evaluateModel(ctx, choices);
    expect(lastInputBurst(ctx).peakCycles[0]).toBeCloseTo(peak, 2);
    const mapping = result.mappings[0];
    if (mapping === undefined) throw new Error('no mapping');
    const row0 = 160 + wait + 2000 + shiftAddDrainCycles(sized, mapping);
    expect(ctx.rowScratch[0]).toBeCloseTo(row0, 1);
    expect(result.latencyCycles).toBe(Math.ceil(row0 + 15 * 2000));
    const sim = await simulate(sized, net, choices, { images: 1 });
    expect(Math.abs(sim.latencyCycles / result.latencyCycles - 1)).toBeLessThan(0.001);
  });

  test('xformer MobileNetV2, validate\'s plan: the fast recurrence matches its plain reference where rows wait', () => {
    const base = presetArch('xformer');
    const mnet = zoo('mobilenetv2');
    const probe = evaluateModel(prepareModel({ ...base, chip: { tiles: 1e6 } }, mnet), baselineChoices(mnet.weightedIndices.length));
    const arch2 = { ...base, chip: { tiles: Math.max(base.chip.tiles, probe.tilesUsed) } };
    const ctx = prepareModel(arch2, mnet);
    const mixed = replicatedMixedChoices(prepareModel(arch2, mnet), probe.tilesUsed);
    const t = planTerms(ctx, mixed);
    const args = [ctx, t.placement, t.mappings, mixed, t.stages, t.traffic, t.inputBits, t.storedBits] as const;
    const fast = rowLatencyCycles(...args);
    const flooded = ctx.layers.filter((l) => (lastInputBurst(ctx).peakCycles[l.index] ?? 0) > 0).map((l) => l.name);
    expect(flooded.length).toBeGreaterThan(0);
    const ref = referenceRowLatency(...args);
    expect(fast).toBe(ref.latencyCycles);
    for (const l of ctx.layers) {
      const own = ref.rowFinish.get(l.index) ?? [];
      const plain = own[own.length - 1] ?? NaN;
      const quick = ctx.rowScratch[l.rowSource + l.outRows - 1] ?? NaN;
      expect([l.name, Math.abs(quick - plain) <= 1e-9 * Math.abs(plain)]).toEqual([l.name, true]);
    }
  });
});
