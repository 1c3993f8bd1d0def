/** Benchmark: importing ResNet-50 from ONNX (graph, attributes and initializer shapes; 100 MB of weights skipped). */
import { performance } from 'node:perf_hooks';
import { importOnnx } from '../../workloads/onnx';
import { zooNetwork } from '../../workloads/zoo';
import { networkToOnnx } from '../../test/helpers/onnx-builder';

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
