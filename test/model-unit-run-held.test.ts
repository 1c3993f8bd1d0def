/**
 * A unit run's members held to the lone image's grants as their rows are made (docs/hardware-model.md rule 7, "Grants
 * in the lone image"; lone-grants.ts heldRowEnd, unit-run-schedule.ts): the run's readers read a held row held. PUMA
 * MobileNetV2 at validate's replicated mixed plan: features.11.conv.2 and features.12.conv.0.0 (a 1x1 conv reading its
 * rows one for one) are members without a job of tile 6's run. main held 11.conv.2's rows only after the run, so
 * 12.conv.0.0's last row ended 2,381 cycles before the row it reads (635,936 against 638,317), and the lone latency
 * was 800,289 cycles against 841,458 simulated (+5.14%).
 */
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { replicatedMixedChoices } from '../optimizer/replication/bottleneck-greedy';
import { simulate } from '../sim';
import { zoo } from './helpers/model-fixtures';

describe('grants held inside a unit run', () => {
  test('PUMA MobileNetV2: features.12.conv.0.0 ends each row its fixed time after the held row it reads', async () => {
    const net = zoo('mobilenetv2');
    const arch = presetArch('puma');
    // lrmp validate's replicated mixed plan (the preset's 138 tiles hold the baseline).
    const probe = evaluateModel(prepareModel({ ...arch, chip: { tiles: 1e6 } }, net), baselineChoices(net.weightedIndices.length));
    expect(probe.tilesUsed).toBeLessThanOrEqual(arch.chip.tiles);
    const choices = replicatedMixedChoices(prepareModel(arch, net), probe.tilesUsed);
    const ctx = prepareModel(arch, net);
    const t = planTerms(ctx, choices);
    const layer = (name: string): { rowSource: number; outRows: number; index: number } => {
      const l = ctx.layers.find((x) => x.name === name);
      if (l === undefined) throw new Error(name);
      return l;
    };
    const writer = layer('features.11.conv.2');
    const reader = layer('features.12.conv.0.0');
    expect(t.placement.layerTiles[writer.index]).toEqual([6]);
    expect(t.placement.layerTiles[reader.index]).toEqual([6]);
    const model = evaluateModel(ctx, choices);
    const end = (l: { rowSource: number }, i: number): number => ctx.rowScratch[l.rowSource + i] as number;
    // Row 0 is not held: the reader's fixed time after its input row (simulated 415,531 - 404,199 = 11,332).
    const fixed = end(reader, 0) - end(writer, 0);
    expect(Math.abs(fixed / 11_332 - 1)).toBeLessThan(0.01);
    // The last row is held to its grants (its readers: 12.conv.0.0, and features.12's add fused into 12.conv.2 on tile
    // 7; simulated 652,102, the reader's 663,434): the reader's ends the same fixed time after it, not before it.
    const last = writer.outRows - 1;
    expect(reader.outRows).toBe(writer.outRows);
    expect(end(reader, last) - end(writer, last)).toBeCloseTo(fixed, 6);
    // The lone latency, simulated 841,458 cycles (main's model 800,289, +5.14%; with the hold in the run 813,994).
    const sim = await simulate(arch, net, choices, { images: 1 });
    expect(Math.abs(sim.latencyCycles / model.latencyCycles - 1)).toBeLessThan(0.04);
  }, 120_000);
});
