import { presetArch } from '../arch';
import { baselineChoices } from '../arch/plan';
import { progressWindowRows } from '../arch/pace';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim/simulate';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

/*
 * A window placement grants is never below what lets an image through (arch/pace.ts progressWindowRows), also when
 * the paced windows overflow the chip and the row-need ones are placed instead. PUMA's DeiT-S baseline deadlocked
 * in the simulator at cycle 287,370 with 0 images done: scores' query window was 1 row while its keys (all 196 rows,
 * from the same norm1) could not arrive until the queries moved on.
 */
describe('windows let an image through', () => {
  const net = resolveNetwork(zooNetwork('deit-s'));
  const arch = presetArch('puma');
  const choices = baselineChoices(net.weightedIndices.length);
  const ctx = prepareModel(arch, net);
  const model = evaluateModel(ctx, choices);

  test('the forks that pull a whole sequence ahead (scores, A.V of each block) have progress floors above their row-need windows', () => {
    // The floors of the blocks' scores (queries wait for all keys) and A.V (softmax rows for all values) are above the
    // row-need windows; the windows placed are paced ones (at or above what the pace needs) or at least the floors.
    let widened = 0;
    for (const lf of ctx.flow.layers) {
      if (!lf.hasSkew) continue;
      lf.dataInputs.forEach((_, k) => {
        if (progressWindowRows(lf, k) > (lf.windowRows[k] ?? 1)) widened++;
      });
    }
    expect(widened).toBe(24);
    expect(model.throughputImagesPerS).toBeGreaterThan(0);
  });

  test('PUMA DeiT-S baseline simulates without deadlock', async () => {
    const sim = await simulate(arch, net, choices, { images: 4, loneLatency: false });
    expect(sim.throughputImagesPerS).toBeGreaterThan(0);
  }, 60_000);
});
