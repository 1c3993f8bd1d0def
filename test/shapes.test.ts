import { ShapeError, ValidationError } from '../errors';
import { formatShape, resolveNetwork } from '../workloads';
import type { Layer, Network, Shape } from '../workloads';

const conv = (name: string, outChannels: number, k: number, extra: Partial<Extract<Layer, { kind: 'conv' }>> = {}): Layer => ({
  kind: 'conv',
  name,
  inputs: [],
  outChannels,
  kernel: [k, k],
  stride: [1, 1],
  pad: [0, 0, 0, 0],
  dilation: [1, 1],
  groups: 1,
  bias: false,
  ...extra,
});

function net(layers: Layer[], input: Shape = { channels: 3, height: 32, width: 32 }): Network {
  return { name: 'tiny', input, layers };
}

describe('shape inference', () => {
  test('conv output with stride, dilation and asymmetric pads (by hand)', () => {
    // H (pads 1 and 2): floor((32 + 1 + 2 - 2*(3-1) - 1) / 2) + 1 = floor(30 / 2) + 1 = 16.
    // W (pads 0 and 0): floor((32 - 4 - 1) / 2) + 1 = floor(13.5) + 1 = 14.
    const r = resolveNetwork(net([conv('c', 8, 3, { stride: [2, 2], dilation: [2, 2], pad: [1, 0, 2, 0] })]));
    expect(r.layers[0]?.outShape).toEqual({ channels: 8, height: 16, width: 14 });
    expect(r.layers[0]?.params).toBe(8 * 3 * 9);
    expect(r.layers[0]?.macs).toBe(16 * 14 * 8 * 3 * 9);
  });

  test('grouped and depthwise conv params; bias adds Cout', () => {
    const r = resolveNetwork(
      net([conv('g', 12, 3, { groups: 3, pad: [1, 1, 1, 1], bias: true }), conv('dw', 12, 5, { groups: 12, pad: [2, 2, 2, 2] })], {
        channels: 6,
        height: 8,
        width: 8,
      }),
    );
    expect(r.layers[0]?.params).toBe(12 * 2 * 9 + 12);
    expect(r.layers[1]?.params).toBe(12 * 1 * 25);
    expect(formatShape(r.layers[1]?.outShape as Shape)).toBe('12x8x8');
  });

  test('empty inputs mean the previous layer (or the network input first)', () => {
    const r = resolveNetwork(net([conv('a', 4, 1), conv('b', 5, 1)]));
    expect(r.layers[0]?.inputIndices).toEqual([-1]);
    expect(r.layers[1]?.inputIndices).toEqual([0]);
    expect(r.layers[1]?.inShapes).toEqual([{ channels: 4, height: 32, width: 32 }]);
  });

  test('fc flattens its input; flatten gives Cx1x1; batchnorm counts 2C', () => {
    const r = resolveNetwork(
      net([
        conv('c', 4, 3),
        { kind: 'pass', name: 'bn', inputs: [], fn: 'batchnorm' },
        { kind: 'pass', name: 'flat', inputs: [], fn: 'flatten' },
        { kind: 'fc', name: 'fc', inputs: [], outFeatures: 10, bias: true },
      ]),
    );
    expect(r.layers[1]?.params).toBe(8);
    expect(r.layers[2]?.outShape).toEqual({ channels: 4 * 30 * 30, height: 1, width: 1 });
    expect(r.layers[3]?.params).toBe(3600 * 10 + 10);
    expect(r.layers[3]?.macs).toBe(36000);
    expect(r.totalParams).toBe(4 * 27 + 8 + 36010);
    expect(r.weightedIndices).toEqual([0, 3]);
  });

  test('fc directly on a feature map sees it flattened', () => {
    const r = resolveNetwork(net([{ kind: 'fc', name: 'fc', inputs: [], outFeatures: 7, bias: false }], { channels: 2, height: 3, width: 5 }));
    expect(r.layers[0]?.params).toBe(30 * 7);
    expect(r.layers[0]?.outShape).toEqual({ channels: 7, height: 1, width: 1 });
  });

  test('pooling: floor, ceil mode (with PyTorch last-window rule), global', () => {
    const pool = (name: string, k: number, s: number, p: number, ceilMode: boolean): Layer => ({
      kind: 'pool', name, inputs: ['input'], op: 'max', kernel: [k, k], stride: [s, s], pad: [p, p, p, p], global: false, ceilMode,
    });
    const r = resolveNetwork(
      net(
        [
          pool('floor', 3, 2, 0, false), // (112-3)/2 = 54.5 -> 54 + 1 = 55
          pool('ceil', 3, 2, 0, true), // -> 55 + 1 = 56
          { kind: 'pool', name: 'gap', inputs: ['input'], op: 'avg', kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], global: true, ceilMode: false },
        ],
        { channels: 8, height: 112, width: 112 },
      ),
    );
    expect(r.layers.map((l) => l.outShape.height)).toEqual([55, 56, 1]);
    // Input 5, kernel 2, stride 2, pad 1, ceil: ceil(5/2)+1 = 4, but window 4 would start at 6 >= 5+1 (all
    // padding), so PyTorch gives 3.
    const edge = resolveNetwork(net([pool('p', 2, 2, 1, true)], { channels: 1, height: 5, width: 5 }));
    expect(edge.layers[0]?.outShape.height).toBe(3);
  });

  test('concat sums channels; eltwise keeps the shape', () => {
    const r = resolveNetwork(
      net([
        conv('a', 4, 1),
        conv('b', 6, 1, { inputs: ['input'] }),
        { kind: 'concat', name: 'cat', inputs: ['a', 'b'] },
        conv('c', 10, 1, { inputs: ['input'] }),
        { kind: 'eltwise', name: 'sum', inputs: ['cat', 'c'], op: 'add' },
      ]),
    );
    expect(formatShape(r.layers[2]?.outShape as Shape)).toBe('10x32x32');
    expect(formatShape(r.layers[4]?.outShape as Shape)).toBe('10x32x32');
    expect(r.layers[4]?.inputIndices).toEqual([2, 3]);
  });
});

describe('shape and structure errors', () => {
  test('mismatched add names the add and both producers with their shapes', () => {
    const bad = net([conv('left', 8, 3, { pad: [1, 1, 1, 1] }), conv('right', 8, 3, { inputs: ['input'] }), { kind: 'eltwise', name: 'merge', inputs: ['left', 'right'], op: 'add' }]);
    expect(() => resolveNetwork(bad)).toThrow(ShapeError);
    expect(() => resolveNetwork(bad)).toThrow(/merge.*'left'.*8x32x32.*'right'.*8x30x30/);
  });

  test('concat with different heights names both producers', () => {
    const bad = net([conv('a', 4, 3), conv('b', 4, 1, { inputs: ['input'] }), { kind: 'concat', name: 'cat', inputs: ['a', 'b'] }]);
    expect(() => resolveNetwork(bad)).toThrow(/cat.*'a'.*4x30x30.*'b'.*4x32x32/);
  });

  test('kernel larger than the padded input', () => {
    expect(() => resolveNetwork(net([conv('big', 4, 7)], { channels: 3, height: 5, width: 5 }))).toThrow(ShapeError);
    expect(() => resolveNetwork(net([conv('big', 4, 7)], { channels: 3, height: 5, width: 5 }))).toThrow(/'big'.*7x7/);
  });

  test('groups must divide the channels', () => {
    expect(() => resolveNetwork(net([conv('g', 8, 3, { groups: 2 })]))).toThrow(/'g'.*groups 2.*3/);
  });

  test('unknown, later and duplicate names', () => {
    expect(() => resolveNetwork(net([conv('a', 4, 1, { inputs: ['nope'] })]))).toThrow(ValidationError);
    expect(() => resolveNetwork(net([conv('a', 4, 1, { inputs: ['nope'] })]))).toThrow(/layers\[0\]\.inputs.*'nope'.*'a'/);
    expect(() => resolveNetwork(net([conv('a', 4, 1, { inputs: ['b'] }), conv('b', 4, 1)]))).toThrow(/'b', which comes later/);
    expect(() => resolveNetwork(net([conv('a', 4, 1), conv('a', 4, 1)]))).toThrow(/layers\[1\]\.name.*'a'/);
    expect(() => resolveNetwork(net([conv('input', 4, 1)]))).toThrow(ValidationError);
  });

  test('wrong number of inputs and bad numbers', () => {
    expect(() => resolveNetwork(net([{ kind: 'eltwise', name: 'e', inputs: ['input'], op: 'add' }]))).toThrow(/at least 2/);
    expect(() => resolveNetwork(net([conv('a', 4, 1, { inputs: ['input', 'input'] })]))).toThrow(/exactly 1/);
    expect(() => resolveNetwork(net([conv('a', 0, 1)]))).toThrow(/outChannels/);
    expect(() => resolveNetwork(net([conv('a', 4, 1, { stride: [0, 1] })]))).toThrow(/stride/);
    expect(() => resolveNetwork(net([]))).toThrow(ValidationError);
  });
});
