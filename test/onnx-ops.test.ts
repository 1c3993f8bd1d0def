/** Operator conversions and folding on small hand-built graphs; expected shapes worked out by hand. */
import { encodeModel, importOnnx } from '../workloads/onnx';
import { resolveNetwork } from '../workloads/shapes';
import type { Layer, Network } from '../workloads/types';
import { float, floatTensor, int, int64Tensor, ints, OnnxGraphBuilder } from './helpers/onnx-builder';

function build(dims: number[], body: (g: OnnxGraphBuilder) => string, opset = 13): Network {
  const g = new OnnxGraphBuilder(false);
  g.input('x', dims);
  g.output(body(g));
  return importOnnx(encodeModel(g.model(opset, 'ops')), { source: 'ops.onnx' });
}

function only<K extends Layer['kind']>(net: Network, kind: K): Extract<Layer, { kind: K }>[] {
  return net.layers.filter((l): l is Extract<Layer, { kind: K }> => l.kind === kind);
}

describe('ONNX operator conversion', () => {
  test('Pad before Conv is folded into the conv pads', () => {
    const net = build([1, 3, 8, 8], (g) => {
      const pads = g.constant('/pad/c', int64Tensor('', [8], [0, 0, 1, 2, 0, 0, 3, 4]));
      const p = g.node('Pad', '/pad/Pad', ['x', pads]);
      return g.node('Conv', '/conv/Conv', [p, g.weight('w', [4, 3, 3, 3])], [ints('kernel_shape', [3, 3])]);
    });
    expect(net.layers).toHaveLength(1);
    expect(only(net, 'conv')[0]?.pad).toEqual([1, 2, 3, 4]);
    // (8 + 1 + 3 - 3) + 1 = 10 rows, (8 + 2 + 4 - 3) + 1 = 12 columns.
    expect(resolveNetwork(net).layers[0]?.outShape).toEqual({ channels: 4, height: 10, width: 12 });
  });

  test('Pad before anything but a Conv/pool is a free pad layer per padded axis', () => {
    const net = build([1, 3, 8, 8], (g) => {
      const pads = g.constant('/pad/c', int64Tensor('', [8], [0, 0, 1, 2, 0, 0, 1, 3]));
      return g.node('Relu', '/relu/Relu', [g.node('Pad', '/pad/Pad', ['x', pads])]);
    });
    expect(net.layers.map((l) => l.kind)).toEqual(['pad', 'pad', 'activation']);
    expect(only(net, 'pad').map((p) => [p.axis, p.before, p.after])).toEqual([['height', 1, 1], ['width', 2, 3]]);
    // 8 + 1 + 1 rows, 8 + 2 + 3 columns.
    expect(resolveNetwork(net).layers[2]?.outShape).toEqual({ channels: 3, height: 10, width: 13 });
  });

  test('auto_pad SAME_UPPER / SAME_LOWER put the odd padding pixel at the end / start', () => {
    // 8x8, k3, s2: output ceil(8/2) = 4; total padding (4-1)*2 + 3 - 8 = 1.
    for (const [mode, pad] of [['SAME_UPPER', [0, 0, 1, 1]], ['SAME_LOWER', [1, 1, 0, 0]]] as const) {
      const net = build([1, 3, 8, 8], (g) =>
        g.node('Conv', '/c/Conv', ['x', g.weight('w', [4, 3, 3, 3])], [
          ints('strides', [2, 2]),
          { name: 'auto_pad', type: 3, s: new TextEncoder().encode(mode) },
        ]),
      );
      expect(only(net, 'conv')[0]?.pad).toEqual(pad);
      expect(resolveNetwork(net).layers[0]?.outShape).toEqual({ channels: 4, height: 4, width: 4 });
    }
  });

  test('MaxPool ceil_mode rounds the output up', () => {
    const net = build([1, 8, 112, 112], (g) =>
      g.node('MaxPool', '/p/MaxPool', ['x'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), int('ceil_mode', 1)]),
    );
    // (112 - 3) / 2 = 54.5 -> ceil 55, + 1 = 56 (floor mode would give 55).
    expect(resolveNetwork(net).layers[0]?.outShape).toEqual({ channels: 8, height: 56, width: 56 });
  });

  test('depthwise Conv keeps its groups; a following Add of a per-channel constant becomes its bias', () => {
    const net = build([1, 16, 8, 8], (g) => {
      const c = g.node('Conv', '/dw/Conv', ['x', g.weight('w', [16, 1, 3, 3])], [int('group', 16), ints('pads', [1, 1, 1, 1])]);
      return g.node('Add', '/dw/Add', [c, g.weight('b', [16, 1, 1])]);
    });
    expect(net.layers).toHaveLength(1);
    const conv = only(net, 'conv')[0];
    expect(conv?.groups).toBe(16);
    expect(conv?.bias).toBe(true);
    expect(resolveNetwork(net).totalParams).toBe(16 * 9 + 16);
  });

  test('MatMul with a constant plus Add is one fc layer with bias; Mul by a constant is a scale activation', () => {
    const net = build([1, 64], (g) => {
      const m = g.node('MatMul', '/fc/MatMul', ['x', g.weight('w', [64, 10])]);
      const a = g.node('Add', '/fc/Add', [m, g.weight('b', [10])]);
      return g.node('Mul', '/scale/Mul', [a, g.constant('/scale/c', floatTensor('', [], [0.5]))]);
    });
    expect(net.layers.map((l) => l.kind)).toEqual(['fc', 'activation']);
    expect(only(net, 'fc')[0]).toMatchObject({ outFeatures: 10, bias: true });
    expect(only(net, 'activation')[0]?.fn).toBe('scale');
    expect(resolveNetwork(net).totalParams).toBe(64 * 10 + 10);
  });

  test('Clip with attribute bounds (opset 6) is ReLU6; other bounds are a clip', () => {
    const net = build([1, 4, 4, 4], (g) => g.node('Clip', '/c/Clip', ['x'], [float('min', 0), float('max', 6)]), 6);
    expect(only(net, 'activation')[0]?.fn).toBe('relu6');
    const other = build([1, 4, 4, 4], (g) => g.node('Clip', '/c/Clip', ['x'], [float('min', 0), float('max', 1)]), 6);
    expect(only(other, 'activation')[0]?.fn).toBe('clip');
  });

  test('a squeeze-and-excitation block: GAP, 1x1 convs, HardSigmoid, broadcast Mul', () => {
    const net = build([1, 16, 8, 8], (g) => {
      const s = g.node('GlobalAveragePool', '/se/GlobalAveragePool', ['x']);
      const c1 = g.node('Conv', '/se/fc1/Conv', [s, g.weight('w1', [4, 16, 1, 1]), g.weight('b1', [4])]);
      const r = g.node('Relu', '/se/Relu', [c1]);
      const c2 = g.node('Conv', '/se/fc2/Conv', [r, g.weight('w2', [16, 4, 1, 1]), g.weight('b2', [16])]);
      const h = g.node('HardSigmoid', '/se/HardSigmoid', [c2]);
      return g.node('Mul', '/se/Mul', [h, 'x']);
    });
    const resolved = resolveNetwork(net);
    const mul = resolved.layers[resolved.layers.length - 1];
    expect(mul?.layer).toMatchObject({ kind: 'eltwise', op: 'mul', inputs: ['input', 'se_HardSigmoid'] });
    expect(mul?.outShape).toEqual({ channels: 16, height: 8, width: 8 });
    expect(resolved.totalParams).toBe(16 * 4 + 4 + 4 * 16 + 16);
  });

  test('GlobalAveragePool + Squeeze + Gemm: the squeeze is no layer', () => {
    const net = build([1, 32, 7, 7], (g) => {
      const p = g.node('GlobalAveragePool', '/gap/GlobalAveragePool', ['x']);
      const s = g.node('Squeeze', '/sq/Squeeze', [p, g.constant('/sq/c', int64Tensor('', [2], [2, 3]))]);
      return g.node('Gemm', '/fc/Gemm', [s, g.weight('w', [5, 32]), g.weight('b', [5])], [int('transB', 1)]);
    });
    expect(net.layers.map((l) => l.kind)).toEqual(['pool', 'fc']);
    expect(resolveNetwork(net).totalParams).toBe(32 * 5 + 5);
  });

  test('Reduce and Unsqueeze axes outside the rank they index, or repeated, are refused; in range they import', () => {
    const reduce = (axes: number[]) => (g: OnnxGraphBuilder): string => g.node('ReduceMean', '/r/ReduceMean', ['x'], [ints('axes', axes)]);
    expect(() => build([1, 3, 8, 8], reduce([5]), 13)).toThrow(/\(ReduceMean\) axes' is \[5\]; allowed: distinct axes from -4 to 3 of the 4-D tensor/);
    expect(() => build([1, 3, 8, 8], reduce([2, -2]), 13)).toThrow(/axes' is \[2, -2\]/);
    expect(build([1, 3, 8, 8], reduce([2, -1]), 13).layers).toHaveLength(1);
    const unsqueeze = (axes: number[]) => (g: OnnxGraphBuilder): string => g.node('Unsqueeze', '/u/Unsqueeze', ['x', g.constant('/u/axes', int64Tensor('', [axes.length], axes))], []);
    // The output has rank 5: axes -5 to 4.
    expect(() => build([1, 3, 8, 8], unsqueeze([7]), 13)).toThrow(/\(Unsqueeze\) axes' is \[7\]; allowed: distinct axes from -5 to 4/);
  });

  test("Concat without axis: channel axis 1 before opset 4 (Concat-1's default), refused from opset 4 (required)", () => {
    const body = (g: OnnxGraphBuilder): string => {
      const a = g.node('Conv', '/a/Conv', ['x', g.weight('wa', [4, 3, 1, 1])], [ints('kernel_shape', [1, 1])]);
      const b = g.node('Conv', '/b/Conv', ['x', g.weight('wb', [6, 3, 1, 1])], [ints('kernel_shape', [1, 1])]);
      return g.node('Concat', '/cat/Concat', [a, b], []);
    };
    // 4 + 6 channels on the channel axis.
    const net = resolveNetwork(build([1, 3, 8, 8], body, 3));
    expect(net.layers.at(-1)?.layer.kind).toBe('concat');
    expect(net.layers.at(-1)?.outShape).toEqual({ channels: 10, height: 8, width: 8 });
    expect(() => build([1, 3, 8, 8], body, 4)).toThrow(/\(Concat\) attribute axis' is missing/);
  });

  test('a Shape -> Slice -> Cast -> Concat -> Reshape chain (other exporters) folds to a flatten', () => {
    const net = build([2, 8, 3, 3], (g) => {
      const shape = g.node('Shape', '/Shape', ['x']);
      const starts = g.constant('/c0', int64Tensor('', [1], [0]));
      const ends = g.constant('/c1', int64Tensor('', [1], [1]));
      const batch = g.node('Slice', '/Slice', [shape, starts, ends]);
      const cast = g.node('Cast', '/Cast', [batch], [int('to', 7)]);
      const target = g.node('Concat', '/Concat', [cast, g.constant('/c2', int64Tensor('', [1], [-1]))], [int('axis', 0)]);
      const flat = g.node('Reshape', '/Reshape', ['x', target]);
      return g.node('Gemm', '/fc/Gemm', [flat, g.weight('w', [4, 72])], [int('transB', 1)]);
    });
    // The input feeds only the fc: it is streamed in as one vector (rule 4), no flatten layer needed.
    expect(net.layers.map((l) => l.kind)).toEqual(['fc']);
    expect(net.input).toEqual({ channels: 72, height: 1, width: 1 });
    expect(resolveNetwork(net).layers[0]?.params).toBe(72 * 4);
  });

  test('a Softmax is a digital layer along the axis it normalises', () => {
    const net = build([1, 16], (g) => g.node('Relu', '/Relu', [g.node('Softmax', '/Softmax', [g.node('Gemm', '/fc/Gemm', ['x', g.weight('w', [16, 3])])])]));
    expect(net.layers.map((l) => l.kind)).toEqual(['fc', 'softmax', 'activation']);
    expect(only(net, 'softmax')[0]).toMatchObject({ axis: 'channels', log: false });
  });

  test('unnamed nodes take their sanitized output tensor name; duplicates get a suffix', () => {
    const net = build([1, 4, 4, 4], (g) => {
      g.nodes.push({ name: '', opType: 'Relu', input: ['x'], output: ['relu_a'], attribute: [] });
      g.nodes.push({ name: '', opType: 'Relu', input: ['relu_a'], output: ['relu a'], attribute: [] });
      return 'relu a';
    });
    expect(net.layers.map((l) => l.name)).toEqual(['relu_a', 'relu_a_2']);
    expect(net.layers[1]?.inputs).toEqual(['relu_a']);
  });
});
