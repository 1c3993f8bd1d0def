import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { forkSpareRows } from '../arch/fork-spare';
import { channelSlots } from '../arch/tile-buffers';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { denseBlock, uniformChoices } from './helpers/model-fixtures';
import { simulate } from '../sim';

/**
 * An earlier input's take of the reader tile's spare is charged once (docs/hardware-model.md rule 7, s96). On the
 * merge of s92 and s93 the credit loop subtracted it twice: s93's aheadSpareBits took the rows it holds beyond its
 * slots, then s92's forkSpareRows took its loop's need again from what was left.
 * denseBlock(6, pool), 18 KB ISAAC tiles with one core, conv0 and conv1 at 3 replicas. rF, alone on tile 6, reads
 * [p, c1..c6]; the tile's spare is 98,304 bits: 12 rows of p (16 x 64 x 8 bits), 24 of a c_k (16 x 32 x 8). Worked by
 * hand at the holds' interval, 328,320 cycles (conv0's compute; period 20,520 for 16 rows), skew 0 each:
 * - p waits 324,864 cycles: floor(324,864 / 20,520) + 1 = 16 rows held against its 8 slots (window 7 + 1): takes 8
 *   rows (65,536 bits). c1 waits 272,000: 14 held, 7 slots, takes 7 of the 8 c-rows left; c2 (218,624): 11 held, 7
 *   slots, takes the 1 left. So p's loops count all 12 rows, c1's 8, c2's 1, c3..c6 none.
 * - Main (f91e44d) gave c1 none: after p's 8 rows, s92's need of p, (324,864 + 4,096 + 9,216) x 16 / 328,320 - 7 -
 *   3 = 6.5, took 7 more rows of p (14 of c1) from the 8 left, and c1's loop bound rF at 568,419 cycles.
 * - Now r5's loop (s93's toy's, c1 there holding none of tile 3's one spare row of p) binds at 455,967.
 * Simulated (48 images): 463,454 cycles; main +22.6%, now -1.6%.
 */
describe('an earlier input takes the spare once (rule 7, s96)', () => {
  const net = denseBlock(6, true);
  const arch = applySetOverrides(presetArch('isaac'), ['tile.edram.capacityKb=18', 'tile.cores=1']);
  const choices = uniformChoices(net);
  choices.replicas[0] = 3;
  choices.replicas[1] = 3;
  const at = (name: string) => net.layers.findIndex((l) => l.layer.name === name);

  test('hand figures: the takes, and the binding loop within 2% of the simulator', async () => {
    const ctx = prepareModel(arch, net);
    const model = evaluateModel(ctx, choices);
    const rF = at('rF');
    expect(model.placement.layerTiles[rF]).toEqual([6]);
    expect(ctx.creditLoop.freeBits[6]).toBe(98304);
    const h = model.placement.forkHolds;
    expect(h.lastIntervalCycles).toBeCloseTo(328320, 6);
    const o = h.inputOffset[rF] as number;
    expect(Array.from(h.leadCycles.subarray(o, o + 3))).toEqual([324864, 272000, 218624]);
    const windows = model.placement.windowRows[rF] ?? [];
    expect(windows.slice(0, 3)).toEqual([7, 6, 6]);
    const view = { rowBitsOf: (j: number) => (j === 0 ? 8192 : 4096), rowsOf: () => 16, slotsOf: (j: number) => channelSlots(16, windows[j] ?? 1) };
    expect(windows.map((_, k) => forkSpareRows(h, rF, k, windows, 98304, view))).toEqual([12, 8, 1, 0, 0, 0, 0]);
    expect(model.bottleneckLayer).toBe('r5');
    expect(model.layers[rF]?.creditLoopCycles ?? 0).toBeLessThan(568419 * 0.8);
    const sim = await simulate(arch, net, choices, { images: 48, loneLatency: false });
    expect(sim.intervalCycles).toBeCloseTo(463454, -1);
    expect(Math.abs(model.bottleneckCycles / sim.intervalCycles - 1)).toBeLessThan(0.02);
  });
});
