/** `lrmp import` writes the JSON network atomically, loadable by the JSON importer; the bench function runs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchOnnxImportResnet50Ms } from '../scripts/bench/onnx';
import { importCommand } from '../scripts/commands/import';
import { loadNetwork } from '../workloads/load';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { networkToOnnx } from './helpers/onnx-builder';

describe('lrmp import', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-onnx-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('converts an ONNX file to a JSON network with the same parameters', async () => {
    const onnx = path.join(dir, 'mnv2.onnx');
    fs.writeFileSync(onnx, networkToOnnx(zooNetwork('mobilenetv2'), { dynamicBatch: true }));
    const out = path.join(dir, 'net.json');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await importCommand({ file: onnx, out, inputShape: '1x3x224x224' });
    } finally {
      stderr.mockRestore();
    }
    const fromJson = resolveNetwork(loadNetwork(out));
    expect(fromJson.totalParams).toBe(3_504_872); // torchvision mobilenet_v2
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // loadNetwork reads .onnx directly as well.
    expect(resolveNetwork(loadNetwork(onnx, { inputShape: [1, 3, 224, 224] })).totalParams).toBe(3_504_872);
  });

  test('a failed import writes nothing', async () => {
    const out = path.join(dir, 'none.json');
    await expect(importCommand({ file: path.join(dir, 'missing.onnx'), out })).rejects.toThrow(/no such file/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('the resnet50 import benchmark returns a positive time', () => {
    const ms = benchOnnxImportResnet50Ms();
    expect(ms).toBeGreaterThan(0);
    expect(Number.isFinite(ms)).toBe(true);
  });
});
