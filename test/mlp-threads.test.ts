import { availableParallelism } from 'node:os';
import seedrandom from 'seedrandom';
import { Mlp } from '../optimizer/search/mlp';
import { mlpHelperChunks, stopMlpHelper } from '../optimizer/search/mlp-threads';

afterAll(() => stopMlpHelper());

// The helper thread takes chunks of every large call (here all of them: 64 x 300 x 300 products, Adam and the soft
// update over ~96k parameters); chunks never cut a sum, so the outputs must be the same bits as on one thread.
test('a 17-300-300-1 network trains to the same bits with and without the helper thread', async () => {
  const before = await mlpHelperChunks();
  if (availableParallelism() >= 2) expect(before).toBeDefined();
  const sizes = [17, 300, 300, 1];
  const batch = 64;
  const random = seedrandom('inputs');
  const x = Float64Array.from({ length: batch * 17 }, () => 2 * random() - 1);
  const g = Float64Array.from({ length: batch }, () => 2 * random() - 1);
  const one = new Mlp(sizes, 'linear', seedrandom('w'), 0.3, false);
  const two = new Mlp(sizes, 'linear', seedrandom('w'), 0.3, true);
  const oneTarget = new Mlp(sizes, 'linear', seedrandom('t'), 0.3, false);
  const twoTarget = new Mlp(sizes, 'linear', seedrandom('t'), 0.3, true);
  const adam = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  for (let step = 0; step < 4; step++) {
    expect([...two.forward(x, batch)]).toEqual([...one.forward(x, batch)]);
    expect([...two.backward(g, true, 15, 17)]).toEqual([...one.backward(g, true, 15, 17)]);
    one.adamStep(adam, batch);
    two.adamStep(adam, batch);
    oneTarget.blendFrom(one, 0.01);
    twoTarget.blendFrom(two, 0.01);
  }
  for (const [k, o, i] of [[0, 0, 0], [0, 299, 16], [1, 150, 151], [1, 7, 299], [2, 0, 123]] as const) {
    expect(two.weightAt(k, o, i)).toBe(one.weightAt(k, o, i));
    expect(twoTarget.weightAt(k, o, i)).toBe(oneTarget.weightAt(k, o, i));
  }
  expect([...twoTarget.forward(x, batch)]).toEqual([...oneTarget.forward(x, batch)]);
  const after = await mlpHelperChunks();
  // On two cores the helper really ran chunks (else the comparison above says nothing).
  if (before !== undefined) expect(after ?? 0).toBeGreaterThan(before);
});
