/**
 * A digital layer's row in the single-image recurrence (docs/hardware-model.md rules 5 and 7): its step reads its
 * inputs through the tile's eDRAM port, then its ops run on the digital unit, as the simulator's step does
 * (sim/row-jobs.ts startDigital, serveDigitalStep). GPT-2 on PUMA, whose attention products run on the digital unit
 * and re-read K or V for every row: without the reads in the row's time the model was 14.8% below the simulated
 * latency at the preset.
 */
import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { planTerms } from '../optimizer/model/evaluate';
import { rowFixedCycles } from '../optimizer/model/latency';
import { simulate } from '../sim';
import { buildTopology } from '../sim/topology';
import { edramAccesses } from '../arch/timing';
import { zoo } from './helpers/model-fixtures';

describe('a digital row reads its inputs through the port before its ops', () => {
  const net = zoo('gpt2');
  const choices = baselineChoices(net.weightedIndices.length);
  // The baseline's 218 tiles; NoC links and digital units made ample, so the eDRAM port is what a row waits for.
  const arch = applySetOverrides({ ...presetArch('puma'), chip: { tiles: 218 } }, ['noc.linkFlitsPerCycle=10000', 'tile.digital.opsPerCycle=512']);

  test('row time of a digital-unit product = the simulator\'s step: its read, then its ops', () => {
    const ctx = prepareModel(arch, net);
    const t = planTerms(ctx, choices);
    const topo = buildTopology(arch, net, choices);
    for (const name of ['blocks.0.attn.scores', 'blocks.0.attn.context', 'blocks.0.attn.softmax']) {
      const l = ctx.layers.find((x) => net.layers[x.index]?.layer.name === name);
      const s = topo.layers.find((x) => x.name === name);
      if (l === undefined || s === undefined) throw new Error(`no ${name}`);
      const step = edramAccesses(arch, s.digitalReadBitsPerStep) / arch.tile.edram.accessesPerCycle + (s.digitalOpsPerStep + s.fusedOpsPerRow) / arch.tile.digital.opsPerCycle;
      // The fixed time also writes one row of its first input (8-bit elements) at the port's bandwidth.
      const first = net.layers[l.index]?.inShapes[0];
      const rowBits = (first?.channels ?? 0) * (first?.width ?? 0) * 8;
      const write = rowBits / (arch.tile.edram.accessBits * arch.tile.edram.accessesPerCycle);
      expect(rowFixedCycles(ctx, t.placement, t.mappings, choices, t.traffic, t.storedBits, l)).toBeCloseTo(write + step, 6);
    }
    // scores re-reads every key for each row: 1,572 accesses at 0.5 a cycle, against 100 cycles of ops (16x PUMA's rate).
    const scores = topo.layers.find((x) => x.name === 'blocks.0.attn.scores');
    expect(edramAccesses(arch, scores?.digitalReadBitsPerStep ?? 0) / arch.tile.edram.accessesPerCycle).toBeGreaterThan(1000);
  });

  test('GPT-2 lone-image latency within 2% of the simulator (14.8% below without the reads)', async () => {
    const model = evaluateModel(prepareModel(arch, net), choices).latencyCycles;
    const sim = await simulate(arch, net, choices, { images: 1 });
    expect(Math.abs(model / sim.latencyCycles - 1)).toBeLessThan(0.02);
  }, 30_000);
});
