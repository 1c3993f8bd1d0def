/**
 * The fork loops' port wait (docs/hardware-model.md rule 7; optimizer/model/loop-port-wait.ts): a row piece written
 * inside a fork loop waits at its tile's eDRAM port, R / (1 - rho) with R the port-queue residual, at most the port's
 * work of one row period of the tensor.
 */
import { presetArch } from '../arch/presets';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { creditLoopBounds } from '../optimizer/model/credit-loop';
import { creditLoopArgs } from '../optimizer/model/credit-loop-args';
import { fillStoredBits } from '../optimizer/model/context';
import { loopPortWaitCycles } from '../optimizer/model/loop-port-wait';
import { mixedReplicatedChoices, withoutCreditLoop, zoo } from './helpers/model-fixtures';

describe('loopPortWaitCycles, worked by hand', () => {
  // A port of 1 access a cycle, interval 100,000 cycles, a tensor of 28 rows.
  test('light load: the M/G/1 wait, R / (1 - rho)', () => {
    // sum d^2 = 1e6 accesses^2: R = 1e6 / (2 x 100,000) = 5; load 90,000: rho 0.9, wait 5 / 0.1 = 50 (period 3,214.3).
    expect(loopPortWaitCycles(1e6, 90_000, 1, 100_000, 28)).toBeCloseTo(50, 9);
    // rho 0.986: 5 / 0.014 = 357.14 (period 98,600 / 28 = 3,521.4).
    expect(loopPortWaitCycles(1e6, 98_600, 1, 100_000, 28)).toBeCloseTo(5 / 0.014, 6);
    // Two accesses a cycle: a request of d accesses takes d / 2 cycles, R / 4 = 1.25, wait 12.5.
    expect(loopPortWaitCycles(1e6, 90_000, 2, 100_000, 28)).toBeCloseTo(12.5, 9);
  });
  test('near the interval: one row period of the port work at most', () => {
    // sum d^2 = 1e8: R = 500, 500 / 0.014 = 35,714 > 98,600 / 28 = 3,521.43.
    expect(loopPortWaitCycles(1e8, 98_600, 1, 100_000, 28)).toBeCloseTo(98_600 / 28, 6);
    // At or above the interval (the port's own term paces the pipeline): the period, 120,000 / 28.
    expect(loopPortWaitCycles(1e6, 120_000, 1, 100_000, 28)).toBeCloseTo(120_000 / 28, 6);
    expect(loopPortWaitCycles(1e6, 0, 1, 100_000, 28)).toBe(0);
  });
});

describe('the fork loops charge it, the channel loops do not', () => {
  // MobileNetV2 and ResNet-18 on PUMA at a replicated mixed-precision plan: their residual forks' loops run through
  // tiles whose ports carry load. With every port's load taken as nil the fork bounds are the old ones.
  it.each(['mobilenetv2', 'resnet18'])('%s: some loop rises, none falls, and the rise is in a fork', (name) => {
    const net = zoo(name);
    const ctx = prepareModel({ ...presetArch('puma'), chip: { tiles: 1024 } }, net);
    const result = evaluateModel(ctx, mixedReplicatedChoices(net.weightedIndices.length));
    const stages = result.layers.map(withoutCreditLoop);
    const stored = fillStoredBits(ctx, result.placement.operandBits);
    const { inputs, params } = creditLoopArgs(ctx, result.placement, stages, stored);
    const withWait = Array.from(creditLoopBounds(ctx.creditLoop, ctx.traffic, result.placement, ctx.readSlots, inputs, params));
    const none = new Float64Array(inputs.portLoadCycles.length);
    const without = Array.from(creditLoopBounds(ctx.creditLoop, ctx.traffic, result.placement, ctx.readSlots, { ...inputs, portLoadCycles: none, portSqAccesses: none }, params));
    let rose = 0;
    withWait.forEach((b, i) => {
      expect(b).toBeGreaterThanOrEqual(without[i] ?? 0);
      if (b > (without[i] ?? 0)) {
        rose++;
        // Only a layer reading a forked input (a residual add, a concat) has fork loops.
        expect(ctx.flow.layers[i]?.skewPaths.some((paths) => paths.length > 0)).toBe(true);
      }
    });
    expect(rose).toBeGreaterThan(0);
  });
});
