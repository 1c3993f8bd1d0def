import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import type { ArchSpec } from '../arch/types';
import { NetworkBuilder } from '../workloads/builder';
import { resolveNetwork } from '../workloads/shapes';
import type { ResolvedNetwork } from '../workloads/types';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { creditLoopBounds } from '../optimizer/model/credit-loop';
import { referenceCreditLoopBounds } from '../optimizer/model/credit-loop-reference';
import { creditLoopArgs } from '../optimizer/model/credit-loop-args';
import { stageTableOf } from '../optimizer/model/stage-table';
import { fillStoredBits } from '../optimizer/model/context';
import type { PlanChoices } from '../arch/plan';
import { denseBlock, uniformChoices, withoutCreditLoop } from './helpers/model-fixtures';
import { simulate } from '../sim';

/**
 * The shared-slot loop's head (docs/hardware-model.md rule 7, s88 and s90): the lead stage reading P furthest ahead,
 * by the rows it pulls (SkewPath.heads), not the lowest network index.
 */
const isaac = (kb: number): ArchSpec => applySetOverrides(presetArch('isaac'), [`tile.edram.capacityKb=${kb}`, 'tile.cores=1']);

/** conv0 (7x7, s2), conv1 (1x1), P (3x3 s2 max pool or conv); branches x = relu(P) and y1..y4 (3x3 convs) meet in jr. */
function branches(order: 'xy' | 'yx', pool: boolean): ResolvedNetwork {
  const b = new NetworkBuilder('branches', { channels: 3, height: 64, width: 64 });
  b.conv('conv0', 64, 7, { stride: 2, pad: 3 });
  b.relu('relu0');
  b.conv('conv1', 64, 1);
  const p = pool ? b.maxPool('p', 3, { stride: 2, pad: 1 }) : b.conv('p', 64, 3, { stride: 2, pad: 1 });
  const x = (): string => b.relu('x', { from: p });
  const y = (): string => {
    b.conv('y1', 64, 3, { pad: 1, from: p });
    for (let k = 2; k <= 4; k++) b.conv(`y${k}`, 64, 3, { pad: 1 });
    return 'y4';
  };
  const written = order === 'xy' ? [x(), y()] : [y(), x()].reverse();
  b.relu('jr', { from: b.concat('cj', written) });
  b.conv('jc', 64, 1);
  b.relu('R', { from: b.concat('cR', [p, 'jc']) });
  b.conv('t', 64, 1);
  return resolveNetwork(b.build());
}

/** conv0 and conv1 (the stages feeding P) at `replicas` each. */
function choicesFor(net: ResolvedNetwork, replicas: number): PlanChoices {
  const choices = uniformChoices(net);
  choices.replicas[0] = replicas;
  choices.replicas[1] = replicas;
  return choices;
}

const nameOf = (net: ResolvedNetwork) => (i: number) => net.layers[i]?.layer.name ?? '?';

describe('the head is the lead stage reading P furthest ahead, whatever the written order', () => {
  // R's row j reads P's row j through x (and jr, jc: 1x1 and free), but P's row j + 4 through y1 -> y4 (3x3 convs, one
  // row ahead each): y1 is the head in both orders; on main x was, where written first (the lowest index).
  test.each([
    [true, 12],
    [false, 16],
  ])('pool P %s, %i KB tiles: swapping the branches leaves the model unchanged', (pool, kb) => {
    const figures = (['xy', 'yx'] as const).map((order) => {
      const net = branches(order, pool);
      const ctx = prepareModel(isaac(kb), net);
      const result = evaluateModel(ctx, choicesFor(net, 2));
      const R = net.layers.findIndex((l) => l.layer.name === 'R');
      const name = nameOf(net);
      const heads = (ctx.flow.layers[R]?.skewPaths.flat() ?? []).map((path) => path.heads.map(name));
      const tiles = Object.fromEntries(net.layers.map((l, i) => [l.layer.name, result.placement.layerTiles[i]]));
      return { heads, tiles, bottleneck: result.bottleneckCycles, loop: result.layers[R]?.creditLoopCycles ?? 0 };
    });
    const [xy, yx] = figures;
    expect(xy?.heads).toContainEqual(['y1']);
    expect(yx?.heads).toEqual(xy?.heads);
    expect(yx?.tiles).toEqual(xy?.tiles);
    // On main: 695,367 vs 512,730 (pool P, 12 KB), 513,365 vs 685,888 (conv P, 16 KB).
    expect(xy?.loop).toBeGreaterThan(0);
    expect(yx?.loop).toBeCloseTo(xy?.loop ?? 0, 3);
    expect(yx?.bottleneck).toBeCloseTo(xy?.bottleneck ?? 0, 3);
  });
});

describe('a weighted P: one row ahead, and the spare to the inputs that wait longest (s93)', () => {
  // 4 dense layers, conv P (2 replicas on tiles 2 and 3), 16 KB tiles, conv0 and conv1 at 2 replicas: the head r1 is
  // on tile 2, rF and r3, r4 (which read P) on tile 4. Simulated (48 images, s90): 581,768 cycles. s88's a = 2 with
  // P's row charged gave 491.6k (15.5% optimistic); s90's loop over S - s rows, 593.4k (2.0% above). s93: tile 4's
  // spare is one row of a c_k (4,096 bits), c1's (it waits longest of those that fit), so c2's loop has its 4 slots
  // and binds: 16 x (3,072 + 66,048 lead + 10,181 transits and waits) / (4 - 2) = 634,410, 9.0% above the simulator,
  // where c1 and c2 take the spare row in turns (c2's rows 7, 9, 11 of an image granted into it): the rule gives it
  // to one input, the simulator to whichever send waits longest at each free.
  test('the model stays above the simulated interval, within 10%', async () => {
    const net = denseBlock(4, false);
    const arch = isaac(16);
    const choices = choicesFor(net, 2);
    const ctx = prepareModel(arch, net);
    const model = evaluateModel(ctx, choices);
    const at = (name: string) => net.layers.findIndex((l) => l.layer.name === name);
    expect(model.placement.layerTiles[at('r1')]).toEqual([2]);
    expect(model.placement.layerTiles[at('rF')]).toEqual([4]);
    expect(model.layers[at('rF')]?.boundBy).toBe('credit-loop');
    expect(ctx.creditLoop.freeBits[4]).toBe(4096);
    expect(model.bottleneckCycles).toBeCloseTo(634410, -1);
    const sim = await simulate(arch, net, choices, { images: 48, loneLatency: false });
    expect(sim.intervalCycles).toBeCloseTo(581768, -1);
    expect(model.bottleneckCycles / sim.intervalCycles).toBeGreaterThanOrEqual(1);
    expect(model.bottleneckCycles / sim.intervalCycles).toBeLessThan(1.1);
  });
});

describe('the spare to the input that waits longest: a pool P and five dense layers, hand figures (s93)', () => {
  // denseBlock(5, pool), 18 KB tiles, conv0 and conv1 at 3 replicas: p and r1, r2 on tile 2; r3, r4, r5 on tile 3,
  // whose spare is 8,192 bits, one row of p (16 x 64 x 8 bits) or two of a c_k (16 x 32 x 8). Worked by hand:
  // - r5 reads p and c1..c4; at the 328,320-cycle interval the holds were filled at (conv0's compute; s93 took the
  //   credit loop's 329,914 without the term, s96 the holds' own) a period is 20,520 cycles. p's rows wait G_p =
  //   214,528 cycles (fork-hold, skew 0 at that pace), c1's 161,664: p holds floor(214,528 / 20,520) + 1 = 11 rows
  //   against its 9 slots (window 8 + 1), so it takes the spare row; c1 keeps its 6 slots.
  // - c1 (weighted, 2 replicas, 15,360 cycles a row) makes row j + s once row j + s - 1's sends are granted, and its
  //   head r2 reads its own copy on tile 2: the loop spans 6 - 0 + 1 rows and charges c1's row:
  //   16 x (3,072 r5's row + 161,664 + 15,360 + ~18,300 transits and waits) / 7 = ~453,000.
  // Simulated (48 images): 461,201 (-1.6%). Before s93 every input counted the spare in full (c1: 2 rows, a = 0) and
  // p's loop bound r5 at 367,094 (-20.4%). The figure agrees, the holds do not: the simulator's trace (image 30) has
  // c1 holding 7-8 rows on tile 3 (the spare is c1's) and p its 9 slots, so this pins the rule's arithmetic; the
  // mechanism is DenseNet-121's trace (docs/validation.md, s93).
  test('hand figures, and the simulator within 2%', async () => {
    const net = denseBlock(5, true);
    const arch = isaac(18);
    const choices = choicesFor(net, 3);
    const ctx = prepareModel(arch, net);
    const model = evaluateModel(ctx, choices);
    const at = (name: string) => net.layers.findIndex((l) => l.layer.name === name);
    for (const name of ['p', 'r1', 'r2']) expect(model.placement.layerTiles[at(name)]).toEqual([2]);
    for (const name of ['r3', 'r4', 'r5']) expect(model.placement.layerTiles[at(name)]).toEqual([3]);
    expect(ctx.creditLoop.freeBits[3]).toBe(8192);
    const hold = (name: string) => {
      const k = ctx.flow.layers[at('r5')]?.dataInputs.findIndex((d) => d.producer === at(name)) ?? -1;
      const h = (model.placement.forkHolds.inputOffset[at('r5')] as number) + k;
      return { skew: model.placement.forkHolds.skewRows[h], lead: model.placement.forkHolds.leadCycles[h], window: model.placement.windowRows[at('r5')]?.[k] };
    };
    expect(hold('p')).toEqual({ skew: 0, lead: 214528, window: 8 });
    expect(hold('c1')).toMatchObject({ skew: 0, lead: 161664, window: 5 });
    expect(model.placement.rowCycles[at('c1')]).toBeCloseTo(15360, 6);
    expect(model.layers[at('r5')]?.boundBy).toBe('credit-loop');
    const loop = model.layers[at('r5')]?.creditLoopCycles ?? 0;
    // The hand-derived part of the loop: 16 x (3,072 + 161,664 + 15,360) / 7 = 411,648 cycles; the
    // transits and the lead stages' waits on top (about 18,300 a row; they follow the loop's interval estimate) are the
    // model's own, so the figure is checked against the simulator below, not pinned to the model's output.
    expect(loop).toBeGreaterThan((16 * (3072 + 161664 + 15360)) / 7);
    const sim = await simulate(arch, net, choices, { images: 48, loneLatency: false });
    expect(sim.intervalCycles).toBeCloseTo(461201, -1);
    expect(Math.abs(loop / sim.intervalCycles - 1)).toBeLessThan(0.02);
  });
});

describe('fast credit loop against its reference on the DenseNet-like toys', () => {
  test.each([
    [6, true, 24, 1],
    [6, true, 20, 2],
    [6, false, 16, 2],
    [8, false, 22, 2],
  ])('%i dense layers, pool P %s, %i KB, %i replicas', (dense, pool, kb, replicas) => {
    const net = denseBlock(dense, pool);
    const ctx = prepareModel(isaac(kb), net);
    const result = evaluateModel(ctx, choicesFor(net, replicas));
    const stages = result.layers.map(withoutCreditLoop);
    const stored = fillStoredBits(ctx, result.placement.operandBits);
    const { inputs, params } = creditLoopArgs(ctx, result.placement, stageTableOf(stages), stored);
    const fast = Array.from(creditLoopBounds(ctx.creditLoop, ctx.traffic, result.placement, ctx.readSlots, inputs, params));
    const ref = referenceCreditLoopBounds(ctx, result.placement, inputs, params);
    expect(fast.length).toBe(ref.length);
    let charged = 0;
    for (let i = 0; i < ref.length; i++) {
      const x = fast[i] ?? 0;
      const y = ref[i] ?? 0;
      if (y > 0) charged++;
      if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y))) expect([nameOf(net)(i), x]).toEqual([nameOf(net)(i), y]);
    }
    expect(charged).toBeGreaterThan(0);
  });
});
