/**
 * QuantizeLinear/DequantizeLinear scales and zero points against the tensor they quantize (workloads/onnx/quant-params.ts):
 * what the ONNX specification allows imports, what it forbids is a ValidationError naming the node and the field.
 */
import { ValidationError } from '../errors';
import { encodeModel, importOnnx } from '../workloads/onnx';
import type { Network } from '../workloads/types';
import { floatTensor, int, OnnxGraphBuilder } from './helpers/onnx-builder';
import { thrown } from './helpers/thrown';

const INT8 = 3;

interface Params {
  scaleDims: number[];
  zeroDims?: number[];
  axis?: number;
  blockSize?: number;
}

const tensorOf = (dims: number[]) => floatTensor('', dims, Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0.1));

function attrs(p: Params) {
  return [...(p.axis !== undefined ? [int('axis', p.axis)] : []), ...(p.blockSize !== undefined ? [int('block_size', p.blockSize)] : [])];
}

/** A Conv whose [4, 3, 2, 2] int8 weight goes through DequantizeLinear with these parameters. */
function weightModel(p: Params, opset = 17): Network {
  const g = new OnnxGraphBuilder(false);
  g.input('x', [1, 3, 8, 8]);
  const inputs = [g.typedWeight('w', [4, 3, 2, 2], INT8, 1), g.constant('/s', tensorOf(p.scaleDims))];
  if (p.zeroDims) inputs.push(g.constant('/z', tensorOf(p.zeroDims)));
  const w = g.node('DequantizeLinear', '/dqw', inputs, attrs(p));
  g.output(g.node('Conv', '/c', ['x', w]));
  return importOnnx(encodeModel(g.model(opset, 'q')), { source: 'q.onnx' });
}

/** The [1, 3, 8, 8] input quantized and dequantized with these parameters, then a ReLU. */
function activationModel(p: Params): Network {
  const g = new OnnxGraphBuilder(false);
  g.input('x', [1, 3, 8, 8]);
  const s = g.constant('/s', tensorOf(p.scaleDims));
  const q = g.node('QuantizeLinear', '/q', ['x', s], attrs(p));
  const d = g.node('DequantizeLinear', '/dq', [q, s], attrs(p));
  g.output(g.node('Relu', '/r', [d]));
  return importOnnx(encodeModel(g.model(17, 'q')), { source: 'q.onnx' });
}

function refusal(build: () => Network): string {
  const error = thrown(build);
  expect(error).toBeInstanceOf(ValidationError);
  expect(error.message).toContain('q.onnx');
  return error.message;
}

/** QLinearConv of the [1, 3, 8, 8] input with a [4, 3, 1, 1] int8 weight; scale dims per operand (x, w, y). */
function qlinearConv(x: number[], w: number[], y: number[], wZero: number[] = w): Network {
  const g = new OnnxGraphBuilder(false);
  g.input('x', [1, 3, 8, 8]);
  const c = (name: string, dims: number[]) => g.constant(name, tensorOf(dims));
  g.output(g.node('QLinearConv', '/qc', ['x', c('/xs', x), c('/xz', []), g.typedWeight('w', [4, 3, 1, 1], INT8, 1), c('/ws', w), c('/wz', wZero), c('/ys', y), c('/yz', [])]));
  return importOnnx(encodeModel(g.model(17, 'q')), { source: 'q.onnx' });
}

/** QLinearMatMul of the [1, 8] input by an [8, 4] int8 weight; scale dims per operand (a, b, y). */
function qlinearMatMul(a: number[], b: number[], y: number[], bZero: number[] = b, aZero: number[] = []): Network {
  const g = new OnnxGraphBuilder(false);
  g.input('x', [1, 8]);
  const c = (name: string, dims: number[]) => g.constant(name, tensorOf(dims));
  g.output(g.node('QLinearMatMul', '/qm', ['x', c('/as', a), c('/az', aZero), g.typedWeight('w', [8, 4], INT8, 1), c('/bs', b), c('/bz', bZero), c('/ys', y), c('/yz', [])]));
  return importOnnx(encodeModel(g.model(17, 'q')), { source: 'q.onnx' });
}

describe('QuantizeLinear/DequantizeLinear parameters', () => {
  test('per tensor, per axis and blocked parameters that fit the input import', () => {
    expect(weightModel({ scaleDims: [] }).layers.map((l) => l.kind)).toEqual(['conv']);
    expect(weightModel({ scaleDims: [1], zeroDims: [] }).defaultBits).toBeDefined();
    // A per-tensor scale does not use axis: onnxruntime ignores it, so even 7 is accepted.
    expect(() => weightModel({ scaleDims: [], axis: 7 })).not.toThrow();
    expect(() => weightModel({ scaleDims: [4], zeroDims: [4], axis: 0 })).not.toThrow();
    expect(() => weightModel({ scaleDims: [4], axis: -4 })).not.toThrow();
    // Blocks of 2 along the 3 input channels: ceil(3 / 2) = 2.
    expect(() => weightModel({ scaleDims: [4, 2, 2, 2], axis: 1, blockSize: 2 }, 21)).not.toThrow();
    expect(() => activationModel({ scaleDims: [3] })).not.toThrow(); // axis 1 by default: the 3 channels
  });

  test('an axis outside the input rank is refused, naming the node and the range', () => {
    expect(refusal(() => weightModel({ scaleDims: [4], axis: 7 }))).toMatch(/'\/dqw' \(DequantizeLinear\) attribute axis' is 7; allowed: an axis from -4 to 3 of the 4-D input \[4, 3, 2, 2\]/);
    expect(refusal(() => weightModel({ scaleDims: [4], axis: -5 }))).toContain('is -5');
    expect(refusal(() => activationModel({ scaleDims: [3], axis: 4 }))).toMatch(/'\/q' \(QuantizeLinear\) attribute axis' is 4/);
  });

  test('a per-axis scale whose length is not the input along the axis is refused', () => {
    expect(refusal(() => weightModel({ scaleDims: [5], axis: 0 }))).toMatch(/input 1 \(scale\) .* is of 5 elements; allowed: 4, the input \[4, 3, 2, 2\] along axis 0/);
    // 4 output channels, but the default axis 1 is the 3 input channels.
    expect(refusal(() => weightModel({ scaleDims: [4] }))).toContain('allowed: 3,');
    expect(refusal(() => activationModel({ scaleDims: [8] }))).toContain('is of 8 elements; allowed: 3,');
  });

  test('a scale of rank 2 without block_size, wrong blocks, a negative block_size or a zero point unlike the scale is refused', () => {
    expect(refusal(() => weightModel({ scaleDims: [4, 1], axis: 0 }))).toContain('a scalar (per tensor) or a 1-D tensor (per axis)');
    expect(refusal(() => weightModel({ scaleDims: [4, 3, 2, 2], axis: 1, blockSize: 2 }, 21))).toContain('dims [4, 2, 2, 2] (block_size 2 along axis 1');
    expect(refusal(() => weightModel({ scaleDims: [4, 2, 2, 2], axis: 1, blockSize: -2 }, 21))).toContain("block_size' is -2");
    expect(refusal(() => weightModel({ scaleDims: [4], zeroDims: [3], axis: 0 }))).toMatch(/input 2 \(zero point\) .* is of dims \[3\]; allowed: the scale's dims \[4\]/);
  });

  test('QLinearConv: x and y scales are scalars, the weight scale a scalar or one per output channel', () => {
    expect(qlinearConv([], [], []).layers.map((l) => l.kind)).toEqual(['conv']);
    expect(() => qlinearConv([1], [4], [])).not.toThrow();
    expect(refusal(() => qlinearConv([], [3], []))).toContain("(QLinearConv) input 4 (w scale) '/ws_output_0'' is of dims [3]; allowed: a scalar or [4] (one per output channel)");
    expect(refusal(() => qlinearConv([3], [], []))).toContain("input 1 (x scale) '/xs_output_0'' is of dims [3]; allowed: a scalar.");
    expect(refusal(() => qlinearConv([], [4], [], [1, 4]))).toContain("input 5 (w zero point) '/wz_output_0'' is of dims [1, 4]; allowed: a scalar or [4] (one per output channel)");
    expect(refusal(() => qlinearConv([], [], [], [3]))).toContain("input 5 (w zero point) '/wz_output_0'' is of dims [3]; allowed: a scalar or [4]");
  });

  test('QLinearConv: the weight scale and zero point are checked independently, as onnxruntime does', () => {
    // A per-channel scale with a scalar or [1] zero point, and a scalar scale with per-channel zero points.
    expect(qlinearConv([], [4], [], []).layers.map((l) => l.kind)).toEqual(['conv']);
    expect(() => qlinearConv([], [4], [], [1])).not.toThrow();
    expect(() => qlinearConv([], [], [], [4])).not.toThrow();
    expect(() => qlinearConv([], [1], [], [4])).not.toThrow();
  });

  test("QLinearConv's bias is its input 8, and is named so", () => {
    const withBias = (bias: number[]): Network => {
      const g = new OnnxGraphBuilder(false);
      g.input('x', [1, 3, 8, 8]);
      const c = (name: string, dims: number[]) => g.constant(name, tensorOf(dims));
      g.output(g.node('QLinearConv', '/qc', ['x', c('/xs', []), c('/xz', []), g.typedWeight('w', [4, 3, 1, 1], INT8, 1), c('/ws', []), c('/wz', []), c('/ys', []), c('/yz', []), c('/b', bias)]));
      return importOnnx(encodeModel(g.model(17, 'q')), { source: 'q.onnx' });
    };
    expect(withBias([4]).layers[0]).toMatchObject({ kind: 'conv', bias: true });
    expect(refusal(() => withBias([5]))).toContain("(QLinearConv) input 8 (bias) '/b_output_0'' is of dims [5]; allowed: dims [4]");
  });

  // QLinearMatMul's parameters were never checked (session 18): the same rules and messages as QLinearConv's.
  test('QLinearMatMul: a and y scales are scalars, the b scale a scalar or one per column of b', () => {
    expect(qlinearMatMul([], [], []).layers.map((l) => l.kind)).toEqual(['fc']);
    expect(() => qlinearMatMul([1], [4], [], [])).not.toThrow();
    expect(() => qlinearMatMul([], [], [], [4])).not.toThrow();
    expect(refusal(() => qlinearMatMul([], [8], []))).toContain("(QLinearMatMul) input 4 (b scale) '/bs_output_0'' is of dims [8]; allowed: a scalar or [4] (one per column of b)");
    expect(refusal(() => qlinearMatMul([3], [], []))).toContain("input 1 (a scale) '/as_output_0'' is of dims [3]; allowed: a scalar.");
    expect(refusal(() => qlinearMatMul([], [], [], [], [2]))).toContain("input 2 (a zero point) '/az_output_0'' is of dims [2]; allowed: a scalar.");
    expect(refusal(() => qlinearMatMul([], [], [4]))).toContain("input 6 (y scale) '/ys_output_0'' is of dims [4]; allowed: a scalar.");
    expect(refusal(() => qlinearMatMul([], [4], [], [1, 4]))).toContain("input 5 (b zero point) '/bz_output_0'' is of dims [1, 4]; allowed: a scalar or [4] (one per column of b)");
  });
});
