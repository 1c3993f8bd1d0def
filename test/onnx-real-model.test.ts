/**
 * A real CNN exported by a tool other than lrmp (paddle2onnx): PaddleOCR's MobileNetV3-small-0.35 direction
 * classifier. The expected layer and parameter counts are derived here from PaddleOCR's published architecture.
 */
import * as path from 'node:path';
import { importOnnx } from '../workloads/onnx';
import { resolveNetwork } from '../workloads/shapes';

const FIXTURE = path.join(__dirname, 'fixtures', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

/** PaddleOCR's make_divisible (divisor 8). */
function makeDivisible(v: number): number {
  const n = Math.max(8, Math.floor((v + 4) / 8) * 8);
  return n < 0.9 * v ? n + 8 : n;
}

/** PaddleOCR rec_mobilenet_v3 'small' cfg: kernel, expansion, out channels, SE. */
const SMALL: [number, number, number, boolean][] = [
  [3, 16, 16, true], [3, 72, 24, false], [3, 88, 24, false], [5, 96, 40, true], [5, 240, 40, true], [5, 240, 40, true],
  [5, 120, 48, true], [5, 144, 48, true], [5, 288, 96, true], [5, 576, 96, true], [5, 576, 96, true],
];

/** Weighted layers and parameters (conv weights, BN scale+offset, SE conv biases, fc) of the documented model. */
function documented(scale: number, classes: number): { weighted: number; params: number; features: number } {
  let weighted = 0;
  let params = 0;
  const convBn = (cin: number, cout: number, k: number, groups: number): void => {
    weighted += 1;
    params += cout * (cin / groups) * k * k + 2 * cout;
  };
  let inp = makeDivisible(16 * scale);
  convBn(3, inp, 3, 1);
  for (const [k, exp, c, se] of SMALL) {
    const mid = makeDivisible(scale * exp);
    const out = makeDivisible(scale * c);
    convBn(inp, mid, 1, 1);
    convBn(mid, mid, k, mid);
    if (se) {
      const r = Math.floor(mid / 4);
      weighted += 2;
      params += mid * r + r + r * mid + mid;
    }
    convBn(mid, out, 1, 1);
    inp = out;
  }
  const features = makeDivisible(scale * 576);
  convBn(inp, features, 1, 1);
  weighted += 1;
  params += features * classes + classes;
  return { weighted, params, features };
}

describe('real exported CNN (PaddleOCR direction classifier, paddle2onnx)', () => {
  const expected = documented(0.35, 2);

  test('imports with the documented weighted layers, parameters and output', () => {
    const net = importOnnx(FIXTURE, { source: 'cls.onnx', inputShape: [1, 3, 48, 192] });
    const resolved = resolveNetwork(net);
    expect(resolved.weightedIndices).toHaveLength(expected.weighted); // 54
    expect(resolved.totalParams).toBe(expected.params);
    // The classifier fc, then its Softmax on the digital unit.
    const last = resolved.layers[resolved.layers.length - 1];
    expect(last?.layer.kind).toBe('softmax');
    expect(resolved.layers[resolved.layers.length - 2]?.layer.kind).toBe('fc');
    expect(last?.outShape).toEqual({ channels: 2, height: 1, width: 1 });
    // Backbone: stride 2 then four (2, 1) strides: 48x192 -> 24x96 -> 2x96, then a 2x2 max pool -> 1x48.
    const pool = resolved.layers.find((l) => l.layer.kind === 'pool' && l.layer.op === 'max');
    expect(pool?.inShapes[0]).toEqual({ channels: expected.features, height: 2, width: 96 });
    expect(pool?.outShape).toEqual({ channels: expected.features, height: 1, width: 48 });
    // SE blocks multiply a full tensor by a per-channel 1x1 one.
    const se = resolved.layers.filter((l) => l.layer.kind === 'eltwise' && l.inShapes[1]?.height === 1);
    expect(se).toHaveLength(9);
  });

  test('its dynamic input dims need an input shape', () => {
    expect(() => importOnnx(FIXTURE, { source: 'cls.onnx' })).toThrow(/dynamic in dimension 2.*--input-shape 1x3x16x16/);
  });
});
