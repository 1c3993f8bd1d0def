import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { NetworkBuilder } from '../workloads/builder';
import { resolveNetwork } from '../workloads/shapes';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { inputHoldImages } from '../optimizer/model/credit-loop';
import { copyAheadRows } from '../optimizer/model/credit-loop-tables';
import { denseBlock, uniformChoices } from './helpers/model-fixtures';
import { simulate } from '../sim';

/**
 * An identity skip from the network input: b (1x1) -> c (3x3, pad 1) -> d (1x1), with add(d, input) fused into d.
 * 64 channels, 8x8 pixels, 8 bits, one replica each, all on tile 0. PUMA's NoC (1 flit/cycle, 32-bit flits, 256-bit
 * packets with one header flit) and eDRAM port (256-bit accesses, 0.5 per cycle); digital units and off-chip link
 * made ample.
 *
 * Worked by hand (docs/hardware-model.md rule 7, credit-loop term):
 * - A row of any tensor: 8 px x 64 ch x 8 bits = 4096 bits = 16 accesses, written in 16 / 0.5 = 32 cycles;
 *   128 flits + 16 headers = 144 flits. Every layer's row: 8 MVMs = 8000 cycles (64000 per image).
 * - Slots guaranteed on tile 0 (widest window of the tensor's readers there, plus one): input (b: 1, d: 3) 4 rows,
 *   b -> c (3x3) 4 rows, c -> d 2 rows: 10 rows = 40960 bits = 5 KB.
 * - Transit of an input row into tile 0: it enters at router 0, tile 0's router, so only the ejection link
 *   (144 flits: 144 cycles, no other tensor on it, no router crossed) and the write (32): 176. Local rows: 32.
 * - d's skip input shares its channel with b, the main path's first stage (same tile), skew 1 row:
 *   8 rows x (d 8000 + b, c 16000 + transits into b 176, into c 32, into d 32) / (S - 1) = 193920 / (S - 1).
 */
function skipFromInput() {
  const b = new NetworkBuilder('credit-loop', { channels: 64, height: 8, width: 8 });
  b.conv('b', 64, 1);
  b.conv('c', 64, 3, { pad: 1 });
  const d = b.conv('d', 64, 1);
  b.add2('add', d, 'input');
  return resolveNetwork(b.build());
}

function archWithEdramKb(capacityKb: number) {
  return applySetOverrides(presetArch('puma'), ['tile.digital.opsPerCycle=1000000', 'offChip.bandwidthGBps=1000000000', `tile.edram.capacityKb=${capacityKb}`]);
}

describe('credit-loop term (docs/hardware-model.md rule 7)', () => {
  const net = skipFromInput();
  const choices = uniformChoices(net);
  const index = (name: string) => net.layers.findIndex((l) => l.layer.name === name);

  test('5 KB: the tile holds only the guaranteed slots (S = 4), and the shared loop bounds d', () => {
    const result = evaluateModel(prepareModel(archWithEdramKb(5), net), choices);
    expect(result.placement.layerTiles.slice(0, 3)).toEqual([[0], [0], [0]]);
    const d = result.layers[index('d')];
    // 193920 / 3; compute alone is 64000.
    expect(d?.creditLoopCycles).toBeCloseTo(193920 / 3, 6);
    expect(d?.boundBy).toBe('credit-loop');
    expect(result.bottleneckCycles).toBeCloseTo(64640, 6);
    // Ordinary channels: b's input, 8 x (176 + 8000) / (4 slots - 0 held); c's (3x3 holds 2 rows beyond the newest),
    // 8 x (32 + 8000) / (4 - 2). Neither reaches its compute.
    expect(result.layers[index('b')]?.creditLoopCycles).toBeCloseTo((8 * 8176) / 4, 6);
    expect(result.layers[index('c')]?.creditLoopCycles).toBeCloseTo((8 * 8032) / 2, 6);
  });

  test('5.5 KB: one spare row of input (4096 bits free) makes S = 5, and the term no longer binds', () => {
    const result = evaluateModel(prepareModel(archWithEdramKb(5.5), net), choices);
    const d = result.layers[index('d')];
    expect(d?.creditLoopCycles).toBeCloseTo(193920 / 4, 6);
    expect(d?.boundBy).not.toBe('credit-loop');
    expect(result.bottleneckCycles).toBeLessThan(64640);
  });

  test('64 KB: 118 spare rows; the loop spans S - 1 = 121 rows', () => {
    // floor((524288 - 40960) / 4096) = 118.
    const result = evaluateModel(prepareModel(archWithEdramKb(64), net), choices);
    expect(result.layers[index('d')]?.creditLoopCycles).toBeCloseTo(193920 / 121, 6);
    expect(result.layers.every((l) => l.boundBy !== 'credit-loop')).toBe(true);
  });
});

describe('whole-input channels of the credit loop', () => {
  test('a global pool folds each row in and frees it (not whole-input); an fc reads the whole input', () => {
    const b = new NetworkBuilder('pools', { channels: 16, height: 8, width: 8 });
    const a = b.conv('a', 16, 3, { pad: 1 });
    b.globalAvgPool('gap', { from: a });
    b.flatten('flat');
    b.fc('fc1', 10);
    b.fc('fc2', 10, { from: a });
    const net = resolveNetwork(b.build());
    const ctx = prepareModel(presetArch('puma'), net);
    const index = (name: string) => net.layers.findIndex((l) => l.layer.name === name);
    const whole = (name: string) => ctx.creditLoop.inputs.filter((i) => i.layer === index(name)).map((i) => i.wholeInput);
    expect(whole('gap')).toEqual([false]);
    expect(whole('fc2')).toEqual([true]);
  });
});

/**
 * The lockstep wait of the lead stages at a shared digital unit (docs/hardware-model.md rule 7, unit-wait.ts): the
 * toy above with a ReLU fused into b and c and add + ReLU fused into d, on PUMA's NoC and eDRAM with 5 KB (S = 4) and
 * a digital unit of 1 op per cycle. Worked by hand:
 * - Row jobs at tile 0's unit: b's and c's ReLU 8 px x 64 ch = 512 cycles; d's add and ReLU 1024. Load per image
 *   8 x 2048 = 16384 cycles (below the 64000 of compute: the unit never binds on its own).
 * - Lockstep wait of one row job: half of the unit's other work per row, (16384 - own per image) / (2 x 8 rows):
 *   b and c (12288 / 16) 768 each; d (8192 / 16) 512, but d is the reader, whose row frees the skip at its MVMs' end.
 * - d's shared loop: 8 rows x (d 8000 + b, c 16000 + transits 176 + 32 + 32 + waits 768 + 768) / 3 = 68736, where the
 *   ample unit gave 193920 / 3 = 64640. The simulator: 69,676 and 66,001 cycles (64 images); model -1.3% and -2.1%.
 * The chip is one tile (chip.tiles=1), so that every packing holds the three layers on tile 0: with tiles to spare the
 * model weighs packings that relieve the shared unit (the test "with tiles to spare" below).
 */
describe('credit loop through a shared digital unit (lockstep wait)', () => {
  function skipWithRelus() {
    const b = new NetworkBuilder('credit-loop-relu', { channels: 64, height: 8, width: 8 });
    b.conv('b', 64, 1);
    b.relu('rb');
    b.conv('c', 64, 3, { pad: 1 });
    b.relu('rc');
    const d = b.conv('d', 64, 1);
    b.add2('add', d, 'input');
    b.relu('rd');
    return resolveNetwork(b.build());
  }
  const net = skipWithRelus();
  const choices = uniformChoices(net);
  const index = (name: string) => net.layers.findIndex((l) => l.layer.name === name);
  const arch = (opsPerCycle: number) =>
    applySetOverrides(presetArch('puma'), [`tile.digital.opsPerCycle=${opsPerCycle}`, 'offChip.bandwidthGBps=1000000000', 'tile.edram.capacityKb=5', 'chip.tiles=1']);

  test('hand figures: the waits and the loop, against the ample unit', () => {
    const ctx = prepareModel(arch(1), net);
    const result = evaluateModel(ctx, choices);
    expect(result.layers.find((l) => l.name === 'rb')?.digitalCycles).toBeCloseTo(16384, 6);
    expect(ctx.unitWaitCycles[index('b')]).toBeCloseTo(768, 6);
    expect(ctx.unitWaitCycles[index('c')]).toBeCloseTo(768, 6);
    expect(ctx.unitWaitCycles[index('d')]).toBeCloseTo(512, 6);
    expect(ctx.unitWaitCycles[index('rb')]).toBe(0);
    const d = result.layers[index('d')];
    expect(d?.creditLoopCycles).toBeCloseTo((8 * 25776) / 3, 6);
    expect(d?.boundBy).toBe('credit-loop');
    expect(result.bottleneckCycles).toBeCloseTo(68736, 6);
    // An ample unit: no waits, the loop of the test above.
    const ample = prepareModel(arch(1e6), net);
    expect(evaluateModel(ample, choices).layers[index('d')]?.creditLoopCycles).toBeCloseTo(193920 / 3, 2);
  });

  test('with tiles to spare the model weighs a packing that relieves the unit: d and its add on tile 1, compute-bound', async () => {
    // The hand figures above are those of the packing on one tile (chip.tiles=1). On PUMA's tiles the loop binds on
    // tile 0 and the model weighs relief packings (arch/packing-choice.ts): placed as if the unit were half as fast,
    // d does not join b's and c's tile, the loop no longer shares a unit, and the plan runs at b's compute: 8 rows x
    // 8,000 = 64,000 cycles, in the simulator too (it was 69,676 on one tile).
    const spread = applySetOverrides(arch(1), [`chip.tiles=${presetArch('puma').chip.tiles}`]);
    const result = evaluateModel(prepareModel(spread, net), choices);
    expect(result.placement.weighted.map((w) => w.tiles)).toEqual([[0], [0], [1]]);
    expect(result.bottleneckCycles).toBeCloseTo(64000, 6);
    const sim = await simulate(spread, net, choices, { images: 64, loneLatency: false });
    expect(sim.intervalCycles).toBeCloseTo(64000, 0);
  });

  test('the simulator agrees within 2.5% with the unit shared and with it ample', async () => {
    for (const ops of [1, 1e6]) {
      const a = arch(ops);
      const model = evaluateModel(prepareModel(a, net), choices);
      const sim = await simulate(a, net, choices, { images: 64, loneLatency: false });
      expect(Math.abs(model.bottleneckCycles / sim.intervalCycles - 1)).toBeLessThan(0.025);
    }
  });
});

/**
 * The network input takes the spare eDRAM of its tile (docs/hardware-model.md rule 7, fork loops; session 53): a
 * ResNet block after a replicated first layer, so the skip carries a's output, not the input: a (1x1, 2 replicas) +
 * ReLU -> b (3x3, pad 1) + ReLU -> d (3x3, pad 1), add(d, ra) + ReLU fused into d. 64 channels, 32 rows of 8 pixels,
 * 8 bits, all on tile 0 of PUMA with a digital unit of 1 op per cycle (a chip of one tile: with tiles to spare the
 * model moves d and its add to tile 1, which relieves the unit: 256,000 cycles, compute-bound, simulated 256,000).
 * Worked by hand:
 * - Rows: 4096 bits (a's replicas send 2048-bit halves), written in 32 cycles (16 a half); b's and d's rows 8000 cycles
 *   (256,000 per image, the compute bound), a's 4000.
 * - Slots of a's output on the tile: d's window 3 (b's is 3 too; a's idle half row keeps the paced window at the
 *   row-need one) plus one: 4. Skew 2 rows (d's row i needs b's row i + 1, which needs a's row i + 2).
 * - The simulator's input reserves a row's space before it crosses the off-chip link, as many rows ahead as fit, so it
 *   holds the tile's spare eDRAM from the first cycle (483,328 bits, 3.7 images of 131,072 bits at 64 KB): a's skip
 *   runs on its 4 slots.
 * - Unit load per image 32 rows x (ReLUs of a and b 512 each + d's add and ReLU 1024) = 65,536; the lead stage b's
 *   lockstep wait (65,536 - 16,384) / (2 x 32) = 768.
 * - d's shared loop: 32 rows x (d 8000 + b 8000 + transits into b 16 and into d 32 + b's wait 768) / (4 - 2) = 269,056
 *   cycles: it binds, 5.1% above compute. Simulated (256 images): 279,756.
 * - With 805 KB tiles the spare holds 50 images of input, more than inputHoldImages() (48 at 256 images): the 256-image
 *   stream's window shows its last images draining at the compute pace (256,000 simulated), and the model counts the
 *   spare (the loop no longer binds).
 */
describe('the network input holds the spare eDRAM of its tile (fork loops)', () => {
  function blockAfterFirstLayer() {
    const b = new NetworkBuilder('credit-loop-input-hog', { channels: 64, height: 32, width: 8 });
    b.conv('a', 64, 1);
    b.relu('ra');
    b.conv('b', 64, 3, { pad: 1 });
    b.relu('rb');
    const d = b.conv('d', 64, 3, { pad: 1 });
    b.add2('add', d, 'ra');
    b.relu('rd');
    return resolveNetwork(b.build());
  }
  const net = blockAfterFirstLayer();
  const choices = { ...uniformChoices(net), replicas: [2, 1, 1] };
  const index = (name: string) => net.layers.findIndex((l) => l.layer.name === name);
  const arch = (capacityKb: number) => applySetOverrides(presetArch('puma'), ['tile.digital.opsPerCycle=1', `tile.edram.capacityKb=${capacityKb}`, 'chip.tiles=1']);

  test('hand figures: a\'s skip runs on its 4 slots, not the spare, and the loop binds', () => {
    const ctx = prepareModel(arch(64), net);
    const result = evaluateModel(ctx, choices);
    expect(result.placement.layerTiles.every((t) => t.length === 0 || (t.length === 1 && t[0] === 0))).toBe(true);
    expect(result.placement.windowRows[index('d')]).toEqual([3, 3]);
    expect(ctx.unitWaitCycles[index('b')]).toBeCloseTo(768, 6);
    expect(result.layers[index('d')]?.creditLoopCycles).toBeCloseTo((32 * (8000 + 8000 + 16 + 32 + 768)) / 2, 6);
    expect(result.layers[index('d')]?.boundBy).toBe('credit-loop');
    expect(result.bottleneckCycles).toBeCloseTo(269056, 6);
    expect(inputHoldImages()).toBe(48);
  });

  test('the simulator binds on the same loop: the model within 4% below it, both well above compute', async () => {
    const model = evaluateModel(prepareModel(arch(64), net), choices);
    const sim = await simulate(arch(64), net, choices, { images: 256, loneLatency: false });
    expect(sim.steadyState.settled).toBe(true);
    expect(sim.intervalCycles).toBeGreaterThan(256000 * 1.08);
    expect(model.bottleneckCycles / sim.intervalCycles - 1).toBeGreaterThan(-0.04);
    expect(model.bottleneckCycles / sim.intervalCycles - 1).toBeLessThan(0);
  });

  test('the hold waits for no fill: with the off-chip link at 0.8 of the compute pace the first 16 images already run at the loop', async () => {
    // 131,072 bits per image at 0.08 GB/s (0.64 bits/cycle): an image every 204,800 cycles against 256,000. Gaining
    // 0.25 image per image, the input would fill the 3.7 spare images after about 15; it reserves them at once.
    const slow = applySetOverrides(arch(64), ['offChip.bandwidthGBps=0.08']);
    const sim = await simulate(slow, net, choices, { images: 64, loneLatency: false });
    const done = sim.imageDoneCycles;
    expect(((done[16] as number) - (done[0] as number)) / 16).toBeGreaterThan(256000 * 1.08);
  });

  test('a spare of 50 images of input: the stream drains on it at the compute pace, and the model counts it', async () => {
    const big = arch(805);
    const model = evaluateModel(prepareModel(big, net), choices);
    const sim = await simulate(big, net, choices, { images: 256, loneLatency: false });
    expect(model.bottleneckCycles).toBeCloseTo(256000, 6);
    expect(Math.abs(model.bottleneckCycles / sim.intervalCycles - 1)).toBeLessThan(0.01);
  });
});

/**
 * A shared-slot loop whose head stage reads its own copy of P on another tile (docs/hardware-model.md rule 7, s88): a
 * DenseNet-like block. conv0 (7x7, stride 2) and a 1x1 conv1 make 64 channels of 32x32, p a 3x3 stride-2 max pool (16
 * rows of 16 pixels); six dense layers k, each a ReLU r_k of the concat of p and the earlier c's, a 1x1 conv b_k (128,
 * ReLU fused) and a 3x3 conv c_k (32, pad 1); rF, the ReLU of the concat of all seven, and a 1x1 conv t. ISAAC with
 * one core per tile and 24 KB eDRAM, so p and r1-r4 share tile 1 and r5, r6, rF spill to tile 2.
 * Worked by hand:
 * - rF's row j needs p's row j + 6 through r1 -> c1 -> r2 ... -> c6 (each 3x3 conv one row ahead): skew 6. r1, the
 *   path's head, reads p's row j + 6 on tile 1; tile 2 holds rF's 9 slots (window 8 + 1) and one spare row (the
 *   model's free eDRAM there, 8,192 bits = one 16 x 64 x 8-bit row), S = 10.
 * - p's unit (digital: it reads the next job while its ops run, but that row waits for its own grants too) makes
 *   row j + 6 once row j + 5's sends are all granted, tile 2's among them, and its copy to tile 1 leaves then, whatever tile 2 grants (rule 6: each copy waits for its own tile). So the
 *   loop through tile 2 spans S - skew + 1 = 5 rows and charges p's row, 16 x 64 x 9 compares at 1 op/cycle = 9,216
 *   cycles. On main it spanned S - skew = 4 rows: 1,011,100 cycles, above the simulated interval (983,112, conv0's
 *   compute pace 983,040); s88 gave (1,011,100 x 4 / 16 + 9,216) x 16 / 5 = 838,371, p's loop.
 * - s93: that spare row is p's alone (it waits longest: G_p = 6 x 61,440 + 198,144 cycles at the 983,040 interval, 9.2
 *   periods, so it holds 10 rows against its 9 slots), and c2 (2 replicas, 15,360 cycles a row) makes row j + 4
 *   once row j + 3's sends are granted, weighted or not (copyAheadRows 1): c2's loop through tile 2 now binds rF,
 *   16 x (4,096 rF's row + 134,144 lead + 15,360 c2's row + 31,722 transits and lockstep waits) / (6 slots - 4 + 1)
 *   = 988,382, 0.5% above the simulated interval (s88: c2 counted the spare as two rows of its own, a = 0).
 * - The simulator (64 images): p's rows 0-2 of an image wait 41,027 cycles for tile 2's grant while their copies to
 *   tile 1 leave as they are made; tile 2 holds at most 10 rows of p.
 */
describe('shared-slot loop with its head stage on another tile (DenseNet-like block)', () => {
  const net = denseBlock(6, true);
  const choices = uniformChoices(net);
  const index = (name: string) => net.layers.findIndex((l) => l.layer.name === name);
  const arch = applySetOverrides(presetArch('isaac'), ['tile.edram.capacityKb=24', 'tile.cores=1']);

  test('hand figures: p\'s loop through tile 2 spans one row more; c2\'s, without the spare, binds rF (s93)', () => {
    const ctx = prepareModel(arch, net);
    const result = evaluateModel(ctx, choices);
    const tiles = (name: string) => result.placement.layerTiles[index(name)];
    for (const name of ['p', 'r1', 'r2', 'r3', 'r4']) expect(tiles(name)).toEqual([1]);
    for (const name of ['r5', 'r6', 'rF']) expect(tiles(name)).toEqual([2]);
    expect(result.placement.windowRows[index('rF')]?.[0]).toBe(8);
    expect(Math.floor((ctx.creditLoop.freeBits[2] as number) / 8192)).toBe(1);
    expect(result.placement.rowCycles[index('p')]).toBeCloseTo(9216, 6);
    expect(copyAheadRows(index('p'))).toBe(1);
    expect(copyAheadRows(index('conv1'))).toBe(1);
    expect(copyAheadRows(-1)).toBe(0);
    // p's loop as s88 worked it (the spare row is p's), below c2's, which binds rF now.
    const lead = (name: string) => {
      const at = (result.placement.forkHolds.inputOffset[index('rF')] as number) + (ctx.flow.layers[index('rF')]?.dataInputs.findIndex((d) => d.producer === index(name)) ?? -1);
      return result.placement.forkHolds.leadCycles[at] as number;
    };
    expect(lead('c2')).toBeCloseTo(134144, 6);
    expect(result.placement.rowCycles[index('c2')]).toBeCloseTo(15360, 6);
    expect(((1011100.175 * 4) / 16 + 9216) * (16 / 5)).toBeLessThan(988382);
    expect(result.layers[index('rF')]?.creditLoopCycles).toBeCloseTo((16 * (4096 + 134144 + 15360 + 31721.6875)) / 3, 0);
  });

  test('the simulator runs below main\'s loop figure; the model\'s rF loop within 1% above it', async () => {
    const model = evaluateModel(prepareModel(arch, net), choices);
    const sim = await simulate(arch, net, choices, { images: 64, loneLatency: false });
    expect(sim.intervalCycles).toBeCloseTo(983112, -1);
    expect(sim.intervalCycles).toBeLessThan(1011100);
    const loop = model.layers[index('rF')]?.creditLoopCycles ?? 0;
    expect(loop).toBeGreaterThanOrEqual(sim.intervalCycles);
    expect(loop / sim.intervalCycles).toBeLessThan(1.01);
  });
});
