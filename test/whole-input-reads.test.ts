import { baselineChoices } from '../arch/plan';
import { presetArch } from '../arch/presets';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { replicatedMixedChoices } from '../optimizer/replication/bottleneck-greedy';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

/**
 * The whole-input credit loop (docs/hardware-model.md rule 7) counts a digital reader's own eDRAM reads in its work
 * per image. DeiT-S on PUMA (64 KB tiles), `validate`'s replicated mixed plan: each block's attn.context (A.V on the
 * digital unit) sits alone on its tile and reads V once per output row; V's channel holds one image and a few rows,
 * so the next image's V rows come only after its last row. Simulated (sim/, 16 images, settled): context spans
 * 716,130 cycles per image (its port busy 716,968), then idles 138,549 while V refills; interval 855,415 cycles.
 * Counting only its digital ops (460,992) the model said 716,968 (the port), 16.2% above the simulated throughput.
 */
describe('whole-input credit loop: a digital reader\'s own reads', () => {
  test('DeiT-S on PUMA, replicated mixed: attn.context bound within 2% of the simulated 855,415 cycles', () => {
    const net = resolveNetwork(zooNetwork('deit-s'));
    const base = presetArch('puma');
    const probe = evaluateModel(prepareModel({ ...base, chip: { tiles: 1e6 } }, net), baselineChoices(net.weightedIndices.length));
    const ctx = prepareModel({ ...base, chip: { tiles: Math.max(base.chip.tiles, probe.tilesUsed) } }, net);
    const m = evaluateModel(ctx, replicatedMixedChoices(ctx, probe.tilesUsed));
    const context = m.layers.find((s) => s.name === 'blocks.0.attn.context');
    expect(context?.boundBy).toBe('credit-loop');
    // Its port (reads and the rows written there) alone: 716,968; the refill of V comes on top.
    expect(context?.edramCycles).toBe(716968);
    expect(Math.abs(m.bottleneckCycles / 855415 - 1)).toBeLessThan(0.02);
  });
});
