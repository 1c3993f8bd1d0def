/**
 * Parameter inputs lrmp counts but never reads (workloads/onnx/param-dims.ts): a Conv/ConvTranspose bias, batch-norm
 * statistics, InstanceNormalization/LayerNormalization scales, a PReLU slope, a Gemm C must have the dims the ONNX
 * specification gives them; the right dims import, others are a ValidationError naming node, input and both dims.
 */
import { ValidationError } from '../errors';
import { encodeModel, importOnnx } from '../workloads/onnx';
import type { Network } from '../workloads/types';
import { floatTensor, int, int64Tensor, OnnxGraphBuilder } from './helpers/onnx-builder';
import { thrown } from './helpers/thrown';

/** A [1, 3, 8, 8] input through `body`, then a ReLU. */
function model(body: (g: OnnxGraphBuilder) => string, opset = 17): Network {
  const g = new OnnxGraphBuilder(false);
  g.input('x', [1, 3, 8, 8]);
  g.output(g.node('Relu', '/relu', [body(g)]));
  return importOnnx(encodeModel(g.model(opset, 'p')), { source: 'p.onnx' });
}

function refusal(body: (g: OnnxGraphBuilder) => string, opset = 17): string {
  const error = thrown(() => model(body, opset));
  expect(error).toBeInstanceOf(ValidationError);
  return error.message;
}

const conv = (bias: number[]) => (g: OnnxGraphBuilder) => g.node('Conv', '/c', ['x', g.weight('w', [16, 3, 3, 3]), g.weight('b', bias)]);
const batchNorm = (dims: number[][]) => (g: OnnxGraphBuilder) => g.node('BatchNormalization', '/bn', ['x', ...dims.map((d, k) => g.weight(`p${k}`, d))]);
const instanceNorm = (scale: number[]) => (g: OnnxGraphBuilder) => g.node('InstanceNormalization', '/in', ['x', g.weight('s', scale), g.weight('b', [3])]);
const layerNorm = (scale: number[]) => (g: OnnxGraphBuilder) => g.node('LayerNormalization', '/ln', ['x', g.weight('s', scale)], [int('axis', 2)]);
const prelu = (slope: number[]) => (g: OnnxGraphBuilder) => g.node('PRelu', '/pr', ['x', g.weight('s', slope)]);
const gemm = (c: number[]) => (g: OnnxGraphBuilder) => g.node('Gemm', '/fc', [g.node('Flatten', '/f', ['x']), g.weight('w', [10, 192]), g.weight('c', c)], [int('transB', 1)]);
const deconv = (bias: number[]) => (g: OnnxGraphBuilder) => g.node('ConvTranspose', '/up', ['x', g.weight('w', [3, 4, 2, 2]), g.weight('b', bias)], [int('group', 1)]);

describe('ONNX parameter inputs checked against the tensor they apply to', () => {
  test('dims the specification allows import', () => {
    expect(model(conv([16])).layers[0]).toMatchObject({ kind: 'conv', bias: true });
    expect(() => model(batchNorm([[3], [3], [3], [3]]))).not.toThrow();
    // BatchNormalization-7 with spatial = 0: statistics per element, [C, H, W].
    expect(() => model((g) => g.node('BatchNormalization', '/bn', ['x', ...[0, 1, 2, 3].map((k) => g.weight(`p${k}`, [3, 8, 8]))], [int('spatial', 0)]), 7)).not.toThrow();
    expect(() => model(instanceNorm([3]))).not.toThrow();
    expect(() => model(layerNorm([8, 8]))).not.toThrow();
    expect(() => model(layerNorm([8]))).not.toThrow(); // broadcasts over the normalized [8, 8]
    expect(() => model(prelu([3, 1, 1]))).not.toThrow();
    expect(() => model(prelu([1]))).not.toThrow();
    expect(() => model(gemm([10]))).not.toThrow();
    expect(() => model(gemm([1, 10]))).not.toThrow();
    expect(() => model(deconv([4]))).not.toThrow();
  });

  test('a LayerNormalization scale or bias with leading 1s up to the input rank imports (ONNX broadcasts them)', () => {
    expect(() => model(layerNorm([1, 1, 8, 8]))).not.toThrow();
    expect(() => model(layerNorm([1, 8]))).not.toThrow();
    const g = new OnnxGraphBuilder(false);
    g.input('x', [1, 8, 16]);
    g.output(g.node('LayerNormalization', '/ln', ['x', g.weight('s', [1, 1, 16]), g.weight('b', [1, 16])], [int('axis', -1)]));
    expect(importOnnx(encodeModel(g.model(17, 'ln')), { source: 'ln.onnx' }).layers.map((l) => l.kind)).toEqual(['norm']);
  });

  test("a fixed-batch model's parameters may be sized for its declared batch (lrmp streams batch 1)", () => {
    const fixed = (body: (g: OnnxGraphBuilder) => string): Network => {
      const g = new OnnxGraphBuilder(false);
      g.input('x', [8, 3, 8, 8]);
      g.output(g.node('Relu', '/relu', [body(g)]));
      return importOnnx(encodeModel(g.model(17, 'b')), { source: 'b.onnx' });
    };
    expect(() => fixed(gemm([8, 10]))).not.toThrow();
    expect(() => fixed(prelu([8, 3, 1, 1]))).not.toThrow();
    const qdq = (scale: number) => (g: OnnxGraphBuilder) => {
      const s = g.weight('s', [scale]);
      return g.node('DequantizeLinear', '/dq', [g.node('QuantizeLinear', '/q', ['x', s], [int('axis', 0)]), s], [int('axis', 0)]);
    };
    expect(() => fixed(qdq(8))).not.toThrow();
    // Other sizes are still wrong, and a batch-1 model's parameters get no such leeway.
    expect(thrown(() => fixed(gemm([3, 10]))).message).toContain("(Gemm) input 2 (C) 'c'' is of dims [3, 10]");
    expect(thrown(() => fixed(qdq(5))).message).toContain('is of 5 elements');
    expect(refusal(gemm([8, 10]))).toContain('is of dims [8, 10]');
  });

  test('a bias, statistics, scale, slope or C of other dims is refused, naming the node, the input and the dims allowed', () => {
    expect(refusal(conv([17]))).toBe("p.onnx: field 'node '/c' (Conv) input 2 (bias) 'b'' is of dims [17]; allowed: dims [16] (one per output channel of the weights [16, 3, 3, 3]).");
    expect(refusal(conv([16, 1]))).toContain('is of dims [16, 1]');
    expect(refusal(batchNorm([[3], [3], [5], [3]]))).toContain("(BatchNormalization) input 3 (mean) 'p2'' is of dims [5]; allowed: dims [3] (one per channel of the input [1, 3, 8, 8])");
    // spatial = 0 (BatchNormalization-7 and before): statistics per element, [C, H, W]; they were not checked at all.
    const perElement = (dims: number[][]) => (g: OnnxGraphBuilder) => g.node('BatchNormalization', '/bn', ['x', ...dims.map((d, k) => g.weight(`p${k}`, d))], [int('spatial', 0)]);
    expect(refusal(perElement([[3, 8, 8], [3, 8, 8], [3, 8, 8], [3]]), 7)).toContain(
      "(BatchNormalization) input 4 (var) 'p3'' is of dims [3]; allowed: dims [3, 8, 8] (one per element of the input [1, 3, 8, 8] past its batch, as spatial = 0 asks)",
    );
    expect(refusal(perElement([[3, 8, 4], [3, 8, 8], [3, 8, 8], [3, 8, 8]]), 7)).toContain("input 1 (scale) 'p0'' is of dims [3, 8, 4]");
    expect(refusal(instanceNorm([4]))).toContain("(InstanceNormalization) input 1 (scale) 's'' is of dims [4]; allowed: dims [3]");
    expect(refusal(layerNorm([3, 8, 8]))).toContain('allowed: dims that broadcast to the normalized dims [8, 8] (axes 2 to 3 of the input [1, 3, 8, 8])');
    expect(refusal(layerNorm([1, 1, 1, 8, 8]))).toContain('is of dims [1, 1, 1, 8, 8]'); // beyond the input's rank
    expect(refusal(layerNorm([5]))).toContain('is of dims [5]');
    expect(refusal(prelu([5]))).toContain("(PRelu) input 1 (slope) 's'' is of dims [5]; allowed: dims that broadcast to the input [1, 3, 8, 8]");
    expect(refusal(prelu([1, 1, 3, 1, 1]))).toContain('is of dims [1, 1, 3, 1, 1]');
    expect(refusal(gemm([11]))).toContain("(Gemm) input 2 (C) 'c'' is of dims [11]; allowed: dims that broadcast to the output [1, 10]");
    expect(refusal(deconv([3]))).toContain("(ConvTranspose) input 2 (bias) 'b'' is of dims [3]; allowed: dims [4]");
  });
});

describe('Range folded into shape arithmetic', () => {
  /** The input reshaped to [1, n, -1] where n is the length of Range(start, limit, delta). */
  const reshapedBy = (start: number, limit: number, delta: number, float = false) => (g: OnnxGraphBuilder) => {
    const scalar = (name: string, v: number) => g.constant(name, float ? floatTensor('', [], [v]) : int64Tensor('', [], [v]));
    const length = g.node('Shape', '/len', [g.node('Range', '/rg', [scalar('/a', start), scalar('/b', limit), scalar('/d', delta)])]);
    const shape = g.node('Concat', '/cc', [g.constant('/one', int64Tensor('', [1], [1])), length, g.constant('/rest', int64Tensor('', [1], [-1]))], [int('axis', 0)]);
    return g.node('Reshape', '/r', ['x', shape]);
  };

  test('a Range of 3 or 4 elements gives its length; a zero delta or a NaN bound is refused at the Range, not as an Infinity dim later', () => {
    expect(() => model(reshapedBy(0, 6, 2))).not.toThrow(); // [1, 3, 64]
    expect(() => model(reshapedBy(0.5, 4, 1, true))).not.toThrow(); // 4 elements: [1, 4, 48]
    expect(refusal(reshapedBy(0, 10, 0))).toBe("p.onnx: field 'node '/rg' (Range) inputs (start, limit, delta)' is (0, 10, 0); allowed: finite numbers and a non-zero delta.");
    expect(refusal(reshapedBy(0, NaN, 1, true))).toContain('is (0, NaN, 1)');
  });
});
