/**
 * Zoo networks exported to ONNX (PyTorch's node patterns, built with the same protobuf schema) import back to the
 * same weighted layers, shapes and parameter totals; the totals are also checked against the published figures.
 */
import { decodeModel, importOnnx } from '../workloads/onnx';
import { resolveNetwork } from '../workloads/shapes';
import type { ResolvedLayer, ResolvedNetwork } from '../workloads/types';
import { zooNetwork } from '../workloads/zoo';
import { networkToOnnx, type OnnxBuildOptions } from './helpers/onnx-builder';

function signature(r: ResolvedLayer): string {
  const l = r.layer;
  const shape = (s: { channels: number; height: number; width: number }): string => `${s.channels}x${s.height}x${s.width}`;
  const geometry = l.kind === 'conv' ? ` k${l.kernel.join('x')} s${l.stride.join('x')} p${l.pad.join(',')} g${l.groups} b${l.bias}` : l.kind === 'fc' ? ` b${l.bias}` : '';
  return `${l.kind}${geometry} ${shape(r.inShapes[0] ?? r.outShape)}->${shape(r.outShape)} params=${r.params} macs=${r.macs}`;
}

function weighted(net: ResolvedNetwork): string[] {
  return net.weightedIndices.map((i) => signature(net.layers[i] as ResolvedLayer));
}

function roundTrip(name: string, options: OnnxBuildOptions = {}, inputShape?: number[]): { zoo: ResolvedNetwork; imported: ResolvedNetwork } {
  const network = zooNetwork(name);
  const bytes = networkToOnnx(network, options);
  const imported = importOnnx(bytes, { source: `${name}.onnx`, ...(inputShape ? { inputShape } : {}) });
  return { zoo: resolveNetwork(network), imported: resolveNetwork(imported, `${name}.onnx`) };
}

// Published parameter counts (torchvision model docs / the papers), counting biases and BN affine parameters.
const PUBLISHED_PARAMS: Record<string, number> = {
  resnet18: 11_689_512,
  resnet50: 25_557_032,
  vgg16: 138_357_544,
  mobilenetv2: 3_504_872,
  alexnet: 61_100_840,
};

describe('ONNX import of zoo networks', () => {
  for (const name of ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'alexnet']) {
    test(`${name}: same weighted layers, shapes and parameters as the zoo, and the published total`, () => {
      const { zoo, imported } = roundTrip(name);
      expect(weighted(imported)).toEqual(weighted(zoo));
      expect(imported.totalParams).toBe(zoo.totalParams);
      expect(imported.totalParams).toBe(PUBLISHED_PARAMS[name]);
      // Every zoo layer has exactly one imported counterpart with the same kind and output shape.
      expect(imported.layers.map((l) => `${l.layer.kind} ${JSON.stringify(l.outShape)}`)).toEqual(
        zoo.layers.map((l) => `${l.layer.kind} ${JSON.stringify(l.outShape)}`),
      );
    });
  }

  test('layer names come from PyTorch node names, sanitized and unique, and inputs name producer layers', () => {
    const { imported } = roundTrip('resnet18');
    const names = imported.layers.map((l) => l.layer.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe('conv1_Conv');
    expect(names).toContain('layer1.0.conv1_Conv');
    expect(names.every((n) => /^[A-Za-z0-9_.-]+$/.test(n))).toBe(true);
    const add = imported.layers.find((l) => l.layer.kind === 'eltwise');
    expect(add?.layer.inputs).toHaveLength(2);
    expect(add?.layer.inputs).toContain('maxpool_Pool'); // the first residual reads the stem's max pool
  });

  test("the view chain (Shape, Gather, Unsqueeze, Concat -> Reshape) folds to a flatten", () => {
    const { zoo, imported } = roundTrip('resnet18', { flatten: 'view' });
    expect(weighted(imported)).toEqual(weighted(zoo));
    const flatten = imported.layers.find((l) => l.layer.kind === 'pass' && l.layer.fn === 'flatten');
    expect(flatten?.outShape).toEqual({ channels: 512, height: 1, width: 1 });
  });

  test('a dynamic batch dimension is set by inputShape; written weights are skipped, not decoded', () => {
    const { zoo, imported } = roundTrip('resnet20', { dynamicBatch: true, weights: true }, [1, 3, 32, 32]);
    expect(weighted(imported)).toEqual(weighted(zoo));
    expect(imported.totalParams).toBe(zoo.totalParams);
  });

  test('weights stay in the file buffer: raw_data is a view, float payloads are not decoded', () => {
    const bytes = networkToOnnx(zooNetwork('resnet20'), { weights: true });
    const init = decodeModel(bytes, 'r20.onnx').graph?.initializer ?? [];
    const conv1 = init.find((t) => t.name === 'conv1.weight');
    expect(conv1?.rawData.byteLength).toBe(16 * 3 * 3 * 3 * 4);
    expect(conv1?.rawData.buffer).toBe(bytes.buffer);
    expect(conv1?.floatData).toBeUndefined();
  });

  test('a larger spatial input changes every shape as the formulas say', () => {
    const bytes = networkToOnnx(zooNetwork('resnet18'), { dynamicBatch: true, dynamicSpatial: true });
    const net = resolveNetwork(importOnnx(bytes, { source: 'r18.onnx', inputShape: [1, 3, 448, 448] }));
    // conv1: (448 + 2*3 - 7) / 2 + 1 = 224; the last stage is 448 / 32 = 14.
    expect(net.layers[0]?.outShape).toEqual({ channels: 64, height: 224, width: 224 });
    const lastConv = net.layers[net.weightedIndices[net.weightedIndices.length - 2] ?? 0];
    expect(lastConv?.outShape).toEqual({ channels: 512, height: 14, width: 14 });
  });
});
