/** ONNX import errors: unsupported operators, truncated/corrupt files, missing or conflicting input shapes. */
import seedrandom from 'seedrandom';
import { InputFileError, ValidationError } from '../errors';
import { importOnnx, supportedOnnxOps } from '../workloads/onnx';
import { zooNetwork } from '../workloads/zoo';
import { int, ints, OnnxGraphBuilder } from './helpers/onnx-builder';
import { encodeModel } from '../workloads/onnx';
import { networkToOnnx } from './helpers/onnx-builder';
import { thrown } from './helpers/thrown';

function tinyModel(extra: (g: OnnxGraphBuilder, x: string) => string, dims: (number | string)[] = [1, 3, 8, 8]): Uint8Array {
  const g = new OnnxGraphBuilder(true);
  g.input('x', dims);
  const w = g.weight('w', [4, 3, 3, 3]);
  const conv = g.node('Conv', '/conv/Conv', ['x', w], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]);
  g.output(extra(g, conv));
  return encodeModel(g.model(13, 'tiny'));
}


describe('ONNX import errors', () => {
  test('an unsupported operator names the node, its op type and the supported list', () => {
    const bytes = tinyModel((g, x) => g.node('NonMaxSuppression', '/nms/NonMaxSuppression', [x]));
    const error = thrown(() => importOnnx(bytes, { source: 'tiny.onnx' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain("'/nms/NonMaxSuppression'");
    expect(error.message).toContain("'NonMaxSuppression'");
    expect(error.message).toContain('tiny.onnx');
    for (const op of ['Conv', 'Gemm', 'BatchNormalization', 'Reshape']) expect(error.message).toContain(op);
    expect(supportedOnnxOps()).toContain('HardSwish');
  });

  test('a shape-arithmetic op on an activation is reported, not skipped', () => {
    const bytes = tinyModel((g, x) => g.node('Range', '/r/Range', [x, x, x]));
    expect(() => importOnnx(bytes, { source: 't.onnx' })).toThrow(/'\/r\/Range'.*Range on a tensor computed from the network input/);
  });

  test('a Gather of scattered indices along an activation is an error naming them', () => {
    const bytes = tinyModel((g, x) => {
      const idx = g.constant('/c', { name: '', dims: [2], dataType: 7, int64Data: [0, 2] });
      return g.node('Gather', '/take/Gather', [x, idx], [int('axis', 1)]);
    });
    expect(() => importOnnx(bytes, { source: 't.onnx' })).toThrow(/'\/take\/Gather'.*\[0, 2\].*consecutive/);
  });

  test('a truncated file is an InputFileError, wherever it is cut', () => {
    const bytes = networkToOnnx(zooNetwork('resnet20'), { weights: true });
    for (const fraction of [0.999, 0.75, 0.5, 0.1, 0.01]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
      const error = thrown(() => importOnnx(cut, { source: 'cut.onnx' }));
      expect(error).toBeInstanceOf(InputFileError);
      expect(error.message).toMatch(/^cut\.onnx: /);
    }
  });

  test('random bytes are an InputFileError', () => {
    const rng = seedrandom('onnx-corrupt');
    const junk = Uint8Array.from({ length: 4096 }, () => Math.floor(rng() * 256));
    expect(() => importOnnx(junk, { source: 'junk.onnx' })).toThrow(InputFileError);
    expect(() => importOnnx(new Uint8Array(0), { source: 'empty.onnx' })).toThrow(InputFileError);
  });

  test('a missing file is an InputFileError', () => {
    expect(() => importOnnx('/nonexistent/model.onnx', { source: 'model.onnx' })).toThrow(InputFileError);
  });

  test('a dynamic dimension without an input shape is a clear error; with one it imports', () => {
    const bytes = tinyModel((_, x) => x, ['N', 3, 'H', 8]);
    const error = thrown(() => importOnnx(bytes, { source: 'dyn.onnx' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/graph\.input\['x'\].*dynamic in dimension 2.*'H'.*4 dimensions joined by x, e\.g\. --input-shape 1x3x16x8 \(or x=1x3x16x8\)/);
    expect(importOnnx(bytes, { source: 'dyn.onnx', inputShape: [1, 3, 8, 8] }).input).toEqual({ channels: 3, height: 8, width: 8 });
    expect(importOnnx(bytes, { source: 'dyn.onnx', inputShapes: { x: [1, 3, 8, 8] } }).input).toEqual({ channels: 3, height: 8, width: 8 });
    // A dynamic batch alone is fine: lrmp streams one input at a time.
    expect(importOnnx(tinyModel((_, x) => x, ['N', 3, 8, 8]), { source: 'dyn.onnx' }).input).toEqual({ channels: 3, height: 8, width: 8 });
  });

  test('an input shape that contradicts a fixed dimension is an error', () => {
    const bytes = tinyModel((_, x) => x);
    expect(() => importOnnx(bytes, { source: 'fixed.onnx', inputShape: [1, 4, 8, 8] })).toThrow(/dimension 1 is fixed to 3/);
    expect(() => importOnnx(bytes, { source: 'fixed.onnx', inputShape: [1, 3, 64] })).toThrow(/1x3x64 \(3 dimensions; the graph declares \[1, 3, 8, 8\]\)/);
    expect(() => importOnnx(bytes, { source: 'fixed.onnx', inputShapes: { y: [1, 3, 8, 8] } })).toThrow(/'y', which is not a graph input.*'x'/);
  });

  test('values for an input that is not a constant graph input (a typo, or the streamed one) are an error, not ignored', () => {
    const g = new OnnxGraphBuilder(false);
    g.input('x', [1, 3, 8, 8]);
    g.extraInput('scale', [1]);
    g.output(g.node('Mul', '/m', [g.node('Relu', '/r', ['x']), 'scale']));
    const bytes = encodeModel(g.model(13, 'two'));
    expect(() => importOnnx(bytes, { source: 'two.onnx', inputValues: { scale: [2] } })).not.toThrow();
    expect(() => importOnnx(bytes, { source: 'two.onnx', inputValues: { sacle: [2] } })).toThrow("two.onnx: field '--input-shape sacle:...' is 'sacle', which is not a graph input; allowed: values for one of 'scale'.");
    expect(() => importOnnx(bytes, { source: 'two.onnx', inputValues: { x: [2] } })).toThrow(/'x', which is not a constant input \(it is the streamed one\)/);
    expect(() => importOnnx(tinyModel((_, x) => x), { source: 't.onnx', inputValues: { sr: [16000] } })).toThrow(/allowed: no values: the graph's only input, 'x', is streamed\./);
  });

  // Older exporters list every weight among the graph inputs too: such an input is no constant to shape or fill,
  // and calling it "not a graph input" (s97's message) was wrong.
  test('a shape or values for a graph input that has an initializer (a weight) say so', () => {
    const g = new OnnxGraphBuilder(true);
    g.input('x', [1, 3, 8, 8]);
    g.extraInput('w', [4, 3, 3, 3]);
    const w = g.weight('w', [4, 3, 3, 3]);
    g.output(g.node('Conv', '/conv/Conv', ['x', w], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]));
    const bytes = encodeModel(g.model(13, 'legacy'));
    expect(importOnnx(bytes, { source: 'legacy.onnx' }).layers.map((l) => l.kind)).toEqual(['conv']);
    expect(() => importOnnx(bytes, { source: 'legacy.onnx', inputShapes: { w: [4, 3, 3, 3] } })).toThrow(
      "legacy.onnx: field '--input-shape w=...' is 'w', which is a graph input with an initializer (a weight: the model fixes its dims and values); allowed: one of 'x'.",
    );
    expect(() => importOnnx(bytes, { source: 'legacy.onnx', inputValues: { w: [2] } })).toThrow(/'w', which is a graph input with an initializer .*allowed: no values: the graph's only input, 'x', is streamed\./);
    expect(() => importOnnx(bytes, { source: 'legacy.onnx', inputShapes: { v: [1] } })).toThrow(/'v', which is not a graph input/);
  });

  test('a tensor read by a node but produced by nothing is an InputFileError', () => {
    const bytes = tinyModel((g, x) => g.node('Add', '/add/Add', [x, 'ghost']));
    expect(() => importOnnx(bytes, { source: 'g.onnx' })).toThrow(/tensor 'ghost'/);
  });
});
