import { analyzeDataflow } from '../arch/dataflow';
import { presetArch } from '../arch/presets';
import { simulate } from '../sim';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { resolveNetwork } from '../workloads/shapes';
import { zoo, uniformChoices } from './helpers/model-fixtures';
import type { Network } from '../workloads/types';

/** x = conv(input); s = conv1x1(globalpool(x)); y = x * s (a squeeze-and-excitation multiply); out = conv(y). */
function seBlock(): Network {
  return {
    name: 'se-block',
    input: { channels: 4, height: 6, width: 6 },
    layers: [
      { kind: 'conv', name: 'x', inputs: ['input'], outChannels: 8, kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], dilation: [1, 1], groups: 1, bias: false },
      { kind: 'pool', name: 'squeeze', inputs: ['x'], op: 'avg', kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], global: true, ceilMode: false },
      { kind: 'conv', name: 'excite', inputs: ['squeeze'], outChannels: 8, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true },
      { kind: 'activation', name: 'gate', inputs: ['excite'], fn: 'sigmoid' },
      { kind: 'eltwise', name: 'scale', inputs: ['x', 'gate'], op: 'mul' },
      { kind: 'conv', name: 'out', inputs: ['scale'], outChannels: 8, kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], dilation: [1, 1], groups: 1, bias: false },
    ],
  };
}

describe('dataflow', () => {
  test('ResNet-18: ReLUs fuse into their producers, residual adds into the conv feeding them, batchnorm is free', () => {
    const net = zoo('resnet18');
    const flow = analyzeDataflow(net);
    const role = (name: string) => flow.layers[net.layers.findIndex((l) => l.layer.name === name)]?.role;
    expect(role('conv1')).toBe('weighted');
    expect(role('bn1')).toBe('free');
    expect(role('relu')).toBe('fused');
    expect(role('maxpool')).toBe('digital');
    expect(role('layer1.0.add')).toBe('fused');
    // The add's other operand (the block input, maxpool's rows) becomes an input of layer1.0.conv2.
    const conv2 = flow.layers[net.layers.findIndex((l) => l.layer.name === 'layer1.0.conv2')];
    const producers = conv2?.dataInputs.map((d) => net.layers[d.producer]?.layer.name);
    expect(producers).toEqual(['layer1.0.conv1', 'maxpool']);
  });

  test('an identity skip is held while the main path works: the main path pulls the block input 2 rows ahead', () => {
    // layer1.0.conv2 row i needs conv1 rows up to i+1, which need maxpool rows up to i+2; the skip row i
    // (maxpool row i) must wait beside them: rows i..i+2 = 3 rows.
    const net = zoo('resnet18');
    const flow = analyzeDataflow(net);
    const conv2 = flow.layers[net.layers.findIndex((l) => l.layer.name === 'layer1.0.conv2')];
    expect(conv2?.windowRows[1]).toBe(3);
  });

  test('a squeeze-and-excitation multiply needs row 0 of its 1x1 scale for every row, and the whole x', () => {
    const net = resolveNetwork(seBlock());
    const flow = analyzeDataflow(net);
    const scale = flow.layers[4];
    expect(scale?.role).toBe('digital');
    const gateInput = scale?.dataInputs.find((d) => net.layers[d.producer]?.layer.name === 'excite');
    expect([...(gateInput?.need ?? [])]).toEqual([0, 0, 0, 0, 0, 0]);
    // x must be held whole: the gate exists only after the global pool saw x's last row.
    expect(scale?.windowRows[0]).toBe(6);
  });

  test('the SE block simulates without deadlock and agrees with the model', async () => {
    const net = resolveNetwork(seBlock());
    const arch = presetArch('puma');
    const choices = uniformChoices(net);
    const model = evaluateModel(prepareModel(arch, net), choices);
    const sim = await simulate(arch, net, choices, { images: 3 });
    expect(sim.intervalCycles).toBeGreaterThan(0);
    expect(Math.abs(sim.latencyCycles - model.latencyCycles) / model.latencyCycles).toBeLessThan(0.1);
  });
});

