/**
 * General tensors in the IR: sequences as F x T x 1, attention (matmul of two activations, softmax, layer norm),
 * U-Net pieces (resize, concat, instance norm), layout changes; shapes, parameters and row needs derived by hand,
 * the JSON form round-trips, and model and simulator agree on them.
 */
import { analyzeDataflow, ownRowTables } from '../arch/dataflow';
import { presetArch } from '../arch/presets';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { networkToJson, parseNetworkJson } from '../workloads/json';
import { resolveNetwork } from '../workloads/shapes';
import type { Layer, Network, ResolvedNetwork } from '../workloads/types';
import { uniformChoices } from './helpers/model-fixtures';

const conv1x1 = (name: string, inputs: string[], outChannels: number): Layer => ({
  kind: 'conv', name, inputs, outChannels, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: true,
});

/** One attention block over 16 steps of 64 features, 4 heads, then a mean over time and a classifier. */
function attention(): Network {
  return {
    name: 'tiny-attn',
    input: { channels: 64, height: 16, width: 1 },
    inputLayout: 'sequence',
    layers: [
      conv1x1('q', ['input'], 64),
      conv1x1('k', ['input'], 64),
      conv1x1('v', ['input'], 64),
      { kind: 'matmul', name: 'scores', inputs: ['q', 'k'], heads: 4, transB: true },
      { kind: 'softmax', name: 'probs', inputs: [], axis: 'channels', log: false },
      { kind: 'matmul', name: 'ctx', inputs: ['probs', 'v'], heads: 4, transB: false },
      conv1x1('proj', [], 64),
      { kind: 'eltwise', name: 'res', inputs: ['proj', 'input'], op: 'add' },
      { kind: 'norm', name: 'ln', inputs: [], fn: 'layer', groups: 1, affine: true },
      { kind: 'activation', name: 'gelu', inputs: [], fn: 'gelu' },
      { kind: 'reduce', name: 'mean', inputs: [], op: 'mean', axes: ['height'], groups: 1 },
      { kind: 'reshape', name: 'flat', inputs: [], shape: { channels: 64, height: 1, width: 1 }, rows: 'ordered' },
      { kind: 'fc', name: 'fc', inputs: [], outFeatures: 10, bias: true },
    ],
  };
}

/** A U-Net step: conv, pool, conv, instance norm, 2x linear upsample, skip concat, conv, a transpose, conv. */
function unet(): Network {
  const conv3 = (name: string, inputs: string[], outChannels: number): Layer => ({ ...conv1x1(name, inputs, outChannels), kernel: [3, 3], pad: [1, 1, 1, 1] } as Layer);
  return {
    name: 'tiny-unet',
    input: { channels: 3, height: 32, width: 32 },
    layers: [
      conv3('c1', ['input'], 16),
      { kind: 'activation', name: 'r1', inputs: [], fn: 'leakyrelu' },
      { kind: 'pool', name: 'p1', inputs: [], op: 'max', kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0], global: false, ceilMode: false },
      conv3('c2', [], 32),
      { kind: 'norm', name: 'in2', inputs: [], fn: 'instance', groups: 1, affine: true },
      { kind: 'resize', name: 'up', inputs: [], mode: 'linear', scale: [2, 2] },
      { kind: 'concat', name: 'cat', inputs: ['up', 'r1'] },
      conv3('c3', [], 8),
      { kind: 'reshape', name: 't', inputs: [], shape: { channels: 8, height: 32, width: 32 }, rows: 'all' },
      conv1x1('out', [], 1),
    ],
  };
}

const layerOf = (net: ResolvedNetwork, name: string) => {
  const r = net.layers.find((l) => l.layer.name === name);
  if (!r) throw new Error(name);
  return r;
};

describe('general tensors in the IR', () => {
  test('attention block: shapes, MACs and parameters by hand', () => {
    const net = resolveNetwork(attention());
    // q/k/v/proj: 64*64 weights + 64 biases each; layer norm 2*64; fc 64*10 + 10.
    expect(net.totalParams).toBe(4 * (64 * 64 + 64) + 2 * 64 + 64 * 10 + 10);
    // scores = Q.K^T per head: 16 rows x 4 heads x 16 keys, contracted over 16 features.
    expect(layerOf(net, 'scores').outShape).toEqual({ channels: 4 * 16, height: 16, width: 1 });
    expect(layerOf(net, 'scores').macs).toBe(16 * 4 * 16 * 16);
    // ctx = P.V: 16 rows x 4 heads x 16 features, contracted over 16 keys.
    expect(layerOf(net, 'ctx').outShape).toEqual({ channels: 64, height: 16, width: 1 });
    expect(layerOf(net, 'ctx').macs).toBe(16 * 4 * 16 * 16);
    expect(layerOf(net, 'mean').outShape).toEqual({ channels: 64, height: 1, width: 1 });
  });

  test('row needs: matmul reads row i of A and all of B; a mean over time needs every row', () => {
    const net = resolveNetwork(attention());
    const scores = layerOf(net, 'scores');
    expect([...ownRowTables(scores, 0).need]).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect([...ownRowTables(scores, 1).need]).toEqual(Array<number>(16).fill(15));
    expect([...ownRowTables(scores, 1).low]).toEqual(Array<number>(16).fill(0));
    expect([...ownRowTables(layerOf(net, 'mean')).low]).toEqual([0]);
    const flow = analyzeDataflow(net);
    const role = (name: string) => flow.layers[layerOf(net, name).index]?.role;
    expect([role('scores'), role('probs'), role('ln'), role('flat'), role('gelu')]).toEqual(['digital', 'digital', 'digital', 'free', 'fused']);
    // Ops: matmul one per MAC, softmax 12 per element, layer norm 7 per element (affine; arch/presets/attention.ts).
    expect(flow.layers[layerOf(net, 'scores').index]?.digitalOps).toBe(16 * 4 * 16 * 16);
    expect(flow.layers[layerOf(net, 'probs').index]?.digitalOps).toBe(64 * 16 * 12);
    expect(flow.layers[layerOf(net, 'ln').index]?.digitalOps).toBe(64 * 16 * 7);
  });

  test('U-Net pieces: resize rows, instance norm and a transpose across rows need the whole input', () => {
    const net = resolveNetwork(unet());
    expect(layerOf(net, 'up').outShape).toEqual({ channels: 32, height: 32, width: 32 });
    expect(layerOf(net, 'cat').outShape).toEqual({ channels: 48, height: 32, width: 32 });
    // Linear 2x: row i interpolates rows floor((i + 0.5) / 2 - 0.5) and the next (clamped to 0..15).
    const up = ownRowTables(layerOf(net, 'up'));
    expect([...up.low.slice(0, 5)]).toEqual([0, 0, 0, 1, 1]);
    expect([...up.need.slice(0, 5)]).toEqual([0, 1, 1, 2, 2]);
    expect(up.need[31]).toBe(15);
    expect([...ownRowTables(layerOf(net, 'in2')).need]).toEqual(Array<number>(16).fill(15));
    expect([...ownRowTables(layerOf(net, 't')).need]).toEqual(Array<number>(32).fill(31));
    expect(net.totalParams).toBe(16 * 27 + 16 + (32 * 144 + 32) + 2 * 32 + (8 * 48 * 9 + 8) + (8 + 1));
  });

  test('a reshape in row order merges rows into blocks; concat along rows appends', () => {
    const net = resolveNetwork({
      name: 'blocks',
      input: { channels: 8, height: 12, width: 1 },
      inputLayout: 'sequence',
      layers: [
        { kind: 'reshape', name: 'pairs', inputs: [], shape: { channels: 16, height: 6, width: 1 }, rows: 'ordered' },
        conv1x1('mix', [], 8),
        { kind: 'concat', name: 'cat', inputs: ['mix', 'mix'], axis: 'height' },
        { kind: 'eltwise', name: 'mx', inputs: ['cat', 'cat'], op: 'max' },
      ],
    });
    expect([...ownRowTables(layerOf(net, 'pairs')).low]).toEqual([0, 2, 4, 6, 8, 10]);
    expect([...ownRowTables(layerOf(net, 'pairs')).need]).toEqual([1, 3, 5, 7, 9, 11]);
    expect(layerOf(net, 'cat').outShape).toEqual({ channels: 8, height: 12, width: 1 });
    expect([...ownRowTables(layerOf(net, 'cat'), 1).need.slice(5, 8)]).toEqual([0, 0, 1]);
  });

  test('broadcast mismatches and bad heads are shape errors naming the layers', () => {
    const bad: Network = { ...attention(), layers: attention().layers.map((l) => (l.name === 'scores' ? { ...l, heads: 3 } : l)) };
    expect(() => resolveNetwork(bad)).toThrow(/scores.*heads must divide/);
    const mismatch: Network = {
      name: 'm',
      input: { channels: 4, height: 4, width: 4 },
      layers: [conv1x1('a', ['input'], 6), { kind: 'eltwise', name: 'e', inputs: ['a', 'input'], op: 'add' }],
    };
    expect(() => resolveNetwork(mismatch)).toThrow(/'a' gives 6x4x4 and 'input' gives 4x4x4/);
  });

  test('JSON form round-trips every new kind', () => {
    for (const net of [attention(), unet()]) {
      const text = networkToJson(net);
      expect(parseNetworkJson(text, 'x.json')).toEqual(net);
    }
    expect(() => parseNetworkJson('{"name":"x","input":{"channels":1,"height":2,"width":1},"layers":[{"name":"r","kind":"resize","scale":0}]}', 'x.json')).toThrow(
      /layers\[0\]\.scale/,
    );
  });

  test('model and simulator agree within 10% on both at PUMA settings', async () => {
    const arch = presetArch('puma');
    for (const network of [attention(), unet()]) {
      const net = resolveNetwork(network);
      const choices = uniformChoices(net, 8, 1);
      const model = evaluateModel(prepareModel(arch, net), choices);
      const sim = await simulate(arch, net, choices, { images: 3 });
      const err = (model.bottleneckCycles - sim.intervalCycles) / sim.intervalCycles;
      expect(Math.abs(err)).toBeLessThan(0.1);
    }
  });
});
