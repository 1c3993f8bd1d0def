import { calibrationFor, proxyOracle } from '../optimizer/accuracy';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

// The proxy's transformer calibrations (optimizer/accuracy/calibration.ts): QAT points reproduced at uniform 3 and
// 2 bits (first and last weighted layers at 8), and the published post-training losses it does not model.
describe('accuracy proxy on transformers', () => {
  const dropAt = async (name: string, bits: number): Promise<number> => {
    const net = resolveNetwork(zooNetwork(name));
    const oracle = proxyOracle(net);
    const n = net.weightedIndices.length;
    const at = Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 8 : bits));
    return (await oracle.referenceAccuracyPct()) - (await oracle.accuracyPct({ wbits: at, abits: at }));
  };

  test('DeiT-S reproduces OFQ (ICML 2023): 79.9 FP, -0.33 at 3/3, -4.18 at 2/2', async () => {
    expect(calibrationFor('deit-s').fpAccuracyPct).toBe(79.9);
    expect(await dropAt('deit-s', 3)).toBeCloseTo(0.33, 9);
    expect(await dropAt('deit-s', 2)).toBeCloseTo(4.18, 9);
  });

  test('BERT-base and ViT-B/16 carry their calibrations; assumptions say so', async () => {
    expect(await dropAt('bert-base', 3)).toBeCloseTo(0.92, 9);
    expect(calibrationFor('vit-b16').source).toMatch(/^assumption/);
    expect(calibrationFor('gpt2').source).toMatch(/^assumption/);
  });

  test('known wrong: post-training quantization loses far more than the QAT proxy predicts', async () => {
    // RepQ-ViT (ICCV 2023) post-training W4/A4: DeiT-S 79.85 -> 69.03 (10.8 points), W6/A6: 78.90 (0.95 points).
    expect(await dropAt('deit-s', 4)).toBeLessThan(10.8 / 10);
    expect(await dropAt('deit-s', 6)).toBeLessThan(0.95 / 10);
  });
});
