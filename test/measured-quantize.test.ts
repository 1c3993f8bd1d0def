import { mseClip, positiveHistogram, quantizeActivationsInPlace, quantizeWeights, weightLevels } from '../optimizer/accuracy/measured';

describe('measured-accuracy quantizers, worked by hand', () => {
  test('symmetric max-abs weight quantizer: 3 bits has levels -3..3 of max|w|/3', () => {
    expect([2, 3, 4, 8].map(weightLevels)).toEqual([1, 3, 7, 127]);
    // max |w| = 1.2 -> scale 0.4. 0.5/0.4 = 1.25 -> 1; -1.2 -> -3; 0.61/0.4 = 1.525 -> 2; 0.1/0.4 = 0.25 -> 0;
    // -0.6/0.4 = -1.5 -> -2 (ties away from zero, like +0.6 -> +2).
    const q = quantizeWeights(Float32Array.from([0.5, -1.2, 0.61, 0.1, -0.6, 0.6]), 3);
    const expected = [0.4, -1.2, 0.8, 0, -0.8, 0.8];
    expected.forEach((e, i) => expect(q[i]).toBeCloseTo(e, 6));
  });

  test('2-bit weights are ternary {-max, 0, max}', () => {
    const q = Array.from(quantizeWeights(Float32Array.from([0.9, -0.2, 0.46, -0.5, 0.0]), 2));
    // scale 0.9: 0.46/0.9 = 0.51 -> 1; -0.5/0.9 = -0.56 -> -1; -0.2 -> 0.
    expect(q.map((v) => Math.round(v * 1000) / 1000)).toEqual([0.9, 0, 0.9, -0.9, 0]);
  });

  test('all-zero weights stay zero (no division by a zero scale)', () => {
    expect(Array.from(quantizeWeights(new Float32Array(3), 4))).toEqual([0, 0, 0]);
  });

  test('unsigned activation quantizer: 2 bits over [0, 1.5] has levels 0, 0.5, 1, 1.5 and saturates', () => {
    const x = Float32Array.from([-0.2, 0.1, 0.5, 0.74, 0.76, 1.3, 2]);
    quantizeActivationsInPlace(x, 2, 1.5);
    expect(Array.from(x)).toEqual([0, 0, 0.5, 0.5, 1, 1.5, 1.5]);
  });

  test('8 bits over [0, 1] leaves 1/255 steps exactly representable (MNIST pixels)', () => {
    const x = Float32Array.from([0, 1 / 255, 128 / 255, 1]);
    quantizeActivationsInPlace(x, 8, 1);
    [0, 1 / 255, 128 / 255, 1].forEach((e, i) => expect(x[i]).toBeCloseTo(e, 6));
  });

  test('MSE clip: one outlier among many small values is clipped at low bits, not at 8 bits', () => {
    // 1000 values of 0.1 and one of 1.0, 2 bits. Clip 1.0: 0.1 -> 0 (error 0.01 each, 10 total). Clip 0.3: step 0.1
    // represents 0.1 exactly and the outlier costs 0.7^2 = 0.49; larger clips mis-round the 0.1s (0.35: 0.70
    // total), smaller ones cost more on the outlier (0.15: 0.72). So the best clip is ~0.3.
    const v = new Float32Array(1001).fill(0.1);
    v[1000] = 1;
    const h = positiveHistogram(v);
    const c2 = mseClip(h, 2);
    expect(c2).toBeGreaterThan(0.27);
    expect(c2).toBeLessThan(0.33);
    // At 8 bits the step is fine enough that clipping the outlier costs more than it saves.
    expect(mseClip(h, 8)).toBeGreaterThan(0.9);
  });

  test('zeros carry no quantization error and an all-zero input gets clip 0', () => {
    expect(mseClip(positiveHistogram(new Float32Array(10)), 4)).toBe(0);
    const x = Float32Array.from([0.3, 0]);
    quantizeActivationsInPlace(x, 4, 0);
    expect(Array.from(x)).toEqual([0, 0]);
  });
});
