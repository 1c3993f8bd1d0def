import seedrandom from 'seedrandom';
import { Mlp } from '../optimizer/search/mlp';
import { ReferenceMlp } from '../optimizer/search/mlp-reference';

/** |a - b| within a float32-storage tolerance, relative to the larger magnitude in the compared set. */
function expectClose(fast: number, ref: number, scale: number): void {
  expect(Math.abs(fast - ref)).toBeLessThanOrEqual(2e-5 * Math.max(1e-6, scale));
}

// The fast MLP (blocked kernels, Float32 storage, reused buffers) against the plain double-precision reference:
// odd sizes and batches exercise the kernels' remainder paths; 16-64-64-1 is the critic at the default settings.
describe.each([
  { sizes: [5, 7, 3, 2], output: 'sigmoid' as const, batch: 7 },
  { sizes: [16, 64, 64, 1], output: 'linear' as const, batch: 32 },
  { sizes: [14, 33, 9, 2], output: 'sigmoid' as const, batch: 5 },
])('fast MLP $sizes ($output, batch $batch) equals the reference', ({ sizes, output, batch }) => {
  const random = seedrandom('inputs');
  const nIn = sizes[0] ?? 0;
  const nOut = sizes[sizes.length - 1] ?? 0;
  const x = Float64Array.from({ length: batch * nIn }, () => 2 * random() - 1);
  const g = Float64Array.from({ length: batch * nOut }, () => 2 * random() - 1);
  const fast = new Mlp(sizes, output, seedrandom('w'), 0.3);
  const ref = new ReferenceMlp(sizes, output, seedrandom('w'), 0.3);
  const layers = sizes.length - 1;
  const maxAbs = (v: number[]): number => v.reduce((m, a) => Math.max(m, Math.abs(a)), 0);

  test('forward, input and weight gradients, Adam step, soft update', () => {
    const yFast = [...fast.forward(x, batch)];
    const yRef = ref.forward(x, batch).flat();
    yRef.forEach((v, j) => expectClose(yFast[j] ?? NaN, v, maxAbs(yRef)));

    const dxFast = [...fast.backward(g)];
    const dxRef = ref.backward(g).flat();
    expect(dxFast.length).toBe(dxRef.length);
    dxRef.forEach((v, j) => expectClose(dxFast[j] ?? NaN, v, maxAbs(dxRef)));
    for (let k = 0; k < layers; k++) {
      const gw = ref.gradW[k] ?? [];
      const scale = maxAbs(gw.flat());
      gw.forEach((row, o) => row.forEach((v, i) => expectClose(fast.gradientAt(k, o, i), v, scale)));
      const gb = ref.gradB[k] ?? [];
      gb.forEach((v, o) => expectClose(fast.biasGradientAt(k, o), v, maxAbs(gb)));
    }

    const adam = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    for (let step = 0; step < 3; step++) {
      if (step > 0) {
        fast.forward(x, batch);
        fast.backward(g);
        ref.forward(x, batch);
        ref.backward(g);
      }
      fast.adamStep(adam, batch);
      ref.adamStep(adam, batch);
    }
    for (let k = 0; k < layers; k++) {
      const w = ref.weights[k] ?? [];
      w.forEach((row, o) => row.forEach((v, i) => expectClose(fast.weightAt(k, o, i), v, 1)));
    }
    const y2 = [...fast.forward(x, batch)];
    const y2Ref = ref.forward(x, batch).flat();
    y2Ref.forEach((v, j) => expectClose(y2[j] ?? NaN, v, maxAbs(y2Ref)));

    const other = new Mlp(sizes, output, seedrandom('other'), 0.3);
    const otherRef = new ReferenceMlp(sizes, output, seedrandom('other'), 0.3);
    other.blendFrom(fast, 0.25);
    otherRef.blendFrom(ref, 0.25);
    for (let k = 0; k < layers; k++) {
      const w = otherRef.weights[k] ?? [];
      w.forEach((row, o) => row.forEach((v, i) => expectClose(other.weightAt(k, o, i), v, 1)));
    }
  });

  test('backward to a slice of the inputs (the critic\'s action columns) and without accumulating', () => {
    fast.forward(x, batch);
    ref.forward(x, batch);
    const dx = ref.backward(g, false);
    const from = nIn - 2;
    const slice = [...fast.backward(g, false, from, nIn)];
    const want = dx.flatMap((row) => row.slice(from));
    want.forEach((v, j) => expectClose(slice[j] ?? NaN, v, maxAbs(want)));
  });
});

test('the reference\'s weight gradients match finite differences (so the comparison above checks against the math)', () => {
  const net = new ReferenceMlp([5, 7, 3], 'sigmoid', seedrandom('w'), 0.5);
  const random = seedrandom('x');
  const x = Float64Array.from({ length: 6 * 5 }, () => 2 * random() - 1);
  const g = Float64Array.from({ length: 6 * 3 }, () => 2 * random() - 1);
  // loss = sum g . out, so d(loss)/d(w) is the accumulated gradient after backward(g).
  const loss = (): number => net.forward(x, 6).flat().reduce((a, v, k) => a + v * (g[k] ?? 0), 0);
  net.forward(x, 6);
  net.backward(g);
  for (const [k, o, i] of [[0, 0, 0], [0, 6, 4], [1, 1, 3], [1, 2, 6]] as const) {
    const row = net.weights[k]?.[o] ?? [];
    const keep = row[i] ?? 0;
    const h = 1e-5;
    row[i] = keep + h;
    const up = loss();
    row[i] = keep - h;
    const down = loss();
    row[i] = keep;
    expect(net.gradW[k]?.[o]?.[i]).toBeCloseTo((up - down) / (2 * h), 6);
  }
});
