/**
 * A product of two activations off the digital unit (rule 8: on its tile's MAC array), wholly on a run's tile, is a
 * member of the run without a job, as a crossbar layer there is (docs/hardware-model.md rule 7, "Layers sharing a unit
 * one after another"). xformer DeiT-Tiny at validate's replicated-mixed plan, its densest packing (19 tiles): block 8
 * has Q.K^T, the softmax, softmax . V, the projection, norm2 and fc1 on tile 14. With softmax . V breaking the run, the
 * softmax was paced by the unit's load of the layers after it (norm2, the adds, the GELU), and the simulator's
 * first-come-first-served unit serves its rows first and norm2's behind them.
 */
import { presetArch } from '../arch/presets';
import type { PlanChoices } from '../arch/plan';
import { packingLadder } from '../arch/packing-choice';
import { detachPlacement } from '../arch/placement';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { evaluateModelAt, planTerms } from '../optimizer/model/evaluate';
import { unitRunEnd } from '../optimizer/model/unit-run';
import { simulate } from '../sim';
import { zoo } from './helpers/model-fixtures';

describe('a product off the unit in a run', () => {
  const net = zoo('deit-tiny');
  const arch = presetArch('xformer');
  // lrmp validate's replicated-mixed plan (bottleneck-greedy.ts replicatedMixedChoices): 6 bits but the first and last
  // layers' 8, the first 28 weighted layers (patch_embed to blocks.6.attn.q) x2.
  const n = net.weightedIndices.length;
  const bits = Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 8 : 6));
  const choices: PlanChoices = { wbits: [...bits], abits: [...bits], replicas: Array.from({ length: n }, (_, i) => (i < 28 ? 2 : 1)) };

  test('the densest packing: block 8 one run from Q.K^T to fc1, its softmax at the simulator\'s pace', () => {
    const ctx = prepareModel(arch, net);
    const t = planTerms(ctx, choices);
    const ladder = packingLadder(arch, net, ctx.flow, t.mappings, choices.replicas, ctx.placement, choices.productBits);
    const densest = detachPlacement(ladder[0]!);
    expect(densest.tilesUsed).toBe(19);
    const index = (name: string): number => ctx.layers.findIndex((l) => l.name === name);
    const scores = index('blocks.8.attn.scores');
    for (const name of ['blocks.8.attn.scores', 'blocks.8.attn.context', 'blocks.8.attn.proj', 'blocks.8.norm2']) {
      expect([name, densest.layerTiles[index(name)]]).toEqual([name, [14]]);
    }
    // Softmax . V (a MAC-array product, no ops at the unit) and the projection (a crossbar layer) are members without
    // a job: the run holds norm2 (main's ended at the softmax).
    expect(unitRunEnd(ctx, densest, scores)).toBeGreaterThanOrEqual(index('blocks.8.norm2'));
    const model = evaluateModelAt(ctx, choices, densest);
    const softmax = ctx.layers[index('blocks.8.attn.softmax')]!;
    // The simulator (main's, this packing; `simulate --trace`): the softmax's last row ends at 1,152,292 cycles (its
    // rows 344 apart), the lone latency 1,815,278. Main's model: 1,196,700 (580 apart, paced by the later layers'
    // ops), latency 1,734,883 (-4.4%).
    expect(Math.abs((ctx.rowScratch[softmax.rowSource + 195] as number) / 1_152_292 - 1)).toBeLessThan(0.01);
    expect(model.latencyCycles).toBeGreaterThan(1_734_883);
  });

  test('validate\'s packing choice: the sparser packing, now faster in the model, as simulated', async () => {
    const ctx = prepareModel(arch, net);
    const model = evaluateModel(ctx, choices);
    // Main's model chose the densest (19 tiles: its latency within the packing rule's slack of the 27-tile one's) and
    // read 1,734,883 cycles against 1,815,278 simulated (+4.63%).
    expect(model.tilesUsed).toBe(27);
    const sim = await simulate(arch, net, choices, { images: 1 });
    expect(Math.abs(sim.latencyCycles / model.latencyCycles - 1)).toBeLessThan(0.01);
  }, 60_000);
});
