import { calibrationFor, noiseFactor, proxyOracle, proxyParameters, LAYERNORM_READER_FACTOR } from '../optimizer/accuracy';
import { productLayerIndices } from '../arch/attention';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

// The proxy's transformer calibrations (optimizer/accuracy/calibration.ts): QAT points reproduced at uniform 3 and
// 2 bits (first and last weighted layers at 8), and the published post-training losses it does not model.
describe('accuracy proxy on transformers', () => {
  /** Linear layers but the first and last at `bits`; attention products at `productBits` (8: as the QAT points). */
  const dropAt = async (name: string, bits: number, productBits = 8): Promise<number> => {
    const net = resolveNetwork(zooNetwork(name));
    const oracle = proxyOracle(net);
    const n = net.weightedIndices.length;
    const at = Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 8 : bits));
    const products = productLayerIndices(net).map(() => productBits);
    return (await oracle.referenceAccuracyPct()) - (await oracle.accuracyPct({ wbits: at, abits: at, productBits: products }));
  };

  test('DeiT-S reproduces OFQ (ICML 2023): 79.9 FP, -0.33 at 3/3, -4.18 at 2/2', async () => {
    expect(calibrationFor('deit-s').fpAccuracyPct).toBe(79.9);
    expect(await dropAt('deit-s', 3)).toBeCloseTo(0.33, 9);
    expect(await dropAt('deit-s', 2)).toBeCloseTo(4.18, 9);
  });

  test('BERT-base and ViT-B/16 carry their calibrations; assumptions say so', async () => {
    // BiT*-fitted (transformer-calibration.ts): 0.3181 (weights) + 0.1378 (activations) at 3 bits.
    expect(await dropAt('bert-base', 3)).toBeCloseTo(0.4559, 4);
    expect(calibrationFor('vit-b16').source).toMatch(/^assumption/);
    expect(calibrationFor('gpt2').source).toMatch(/^assumption/);
  });

  test('attention maps (A.V operands, the softmax output) at 4 bits cost FQ-ViT\'s 8/8/8 -> 8/8/4 drop', async () => {
    // FQ-ViT README (post-training): DeiT-S 79.17 -> 78.40, DeiT-T 71.61 -> 71.07, ViT-B 83.31 -> 82.68.
    for (const [name, drop] of [['deit-s', 0.77], ['deit-tiny', 0.54], ['vit-b16', 0.63]] as const) {
      const net = resolveNetwork(zooNetwork(name));
      const oracle = proxyOracle(net);
      const n = net.weightedIndices.length;
      const eight = new Array<number>(n).fill(8);
      const products = productLayerIndices(net);
      // Q.K^T products keep 8 bits; every A.V product at 4.
      const bits = products.map((li) => (net.layers[li]?.layer.kind === 'matmul' && net.layers[li]?.layer.transB ? 8 : 4));
      const ref = await oracle.referenceAccuracyPct();
      expect(ref - (await oracle.accuracyPct({ wbits: eight, abits: eight, productBits: bits }))).toBeCloseTo(drop, 9);
    }
  });

  test('without their own bits, products follow the output projection\'s abits: the separable form charges them there', async () => {
    const net = resolveNetwork(zooNetwork('deit-s'));
    const oracle = proxyOracle(net);
    const n = net.weightedIndices.length;
    const names = net.weightedIndices.map((i) => net.layers[i]?.layer.name);
    const proj = names.indexOf('blocks.0.attn.proj');
    const abits = new Array<number>(n).fill(8);
    abits[proj] = 4;
    const eight = new Array<number>(n).fill(8);
    const ref = await oracle.referenceAccuracyPct();
    const whole = ref - (await oracle.accuracyPct({ wbits: eight, abits }));
    const separable = oracle.layerDropPct?.(proj, 8, 4) ?? NaN;
    expect(separable).toBeCloseTo(whole, 12);
    // Block 0's Q.K^T and A.V at 4 bits are part of it: more than the projection's own activation term.
    const p = proxyParameters(net);
    const own = (p.activation[proj] ?? 0) * noiseFactor(p.rhoActivation, 4);
    // A.V alone: 0.77 / 12 blocks at 4 bits.
    expect(whole - own).toBeGreaterThan(0.77 / 12);
  });

  test('LayerNorm readers (Q/K/V, fc1) carry twice the activation sensitivity of other middle layers', () => {
    const net = resolveNetwork(zooNetwork('deit-s'));
    const p = proxyParameters(net);
    const names = net.weightedIndices.map((i) => net.layers[i]?.layer.name);
    const q = p.activation[names.indexOf('blocks.3.attn.q')] ?? 0;
    const proj = p.activation[names.indexOf('blocks.3.attn.proj')] ?? 0;
    expect(q / proj).toBeCloseTo(LAYERNORM_READER_FACTOR, 12);
    // Weights carry no LayerNorm factor (and the weight and activation parts each keep their share of d3).
    expect(p.weight[names.indexOf('blocks.3.attn.q')]).toBeCloseTo(p.weight[names.indexOf('blocks.3.attn.proj')] ?? NaN, 12);
  });
});
