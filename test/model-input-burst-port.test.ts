/**
 * The input's burst at a reader whose pace is its eDRAM port (docs/hardware-model.md rule 7, "The input's burst at its
 * tiles' ports"): its rows pay the writes landed in the burst as the wait, and its row interval's port term spreads
 * only the rest (the reads, the writes landing after the burst). Charged in both, every row after the wait ran at the
 * port's whole-image pace: model 76,417 (64 KB) and 58,017 (1 KB) against 57,818 and 52,618 simulated.
 */
import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { shiftAddDrainCycles } from '../arch/timing';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { resolveNetwork } from '../workloads/shapes';

// test/model-input-burst.test.ts's toy (a 32 x 16 x 8 input read by one 1x1 conv to 8 channels on tile 0, NoC,
// off-chip and digital units ample) with a port ten times slower: 256-bit accesses at 0.005 a cycle, 200 cycles each.
function portArch(kb: number) {
  return applySetOverrides(presetArch('puma'), [
    'noc.linkFlitsPerCycle=1000000',
    'noc.routerLatencyCycles=0',
    'tile.edram.accessesPerCycle=0.005',
    'tile.digital.opsPerCycle=1000000',
    'offChip.bandwidthGBps=1000000000',
    `tile.edram.capacityKb=${kb}`,
  ]);
}

const net = resolveNetwork({
  name: 'input-burst-port',
  input: { channels: 32, height: 16, width: 8 },
  layers: [{ kind: 'conv', name: 'a', inputs: ['input'], outChannels: 8, kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1, bias: false }],
});

describe("a port-paced reader of the input's burst (lone image)", () => {
  // By hand: an input row's write is 8 accesses, 1,600 cycles; the conv's row job reads 8 x 1 access (1,600) and
  // computes 8 MVMs x 250 = 2,000. Per image the port carries 16 x 1,600 of writes and as much of reads, 51,200
  // (the conv's stage: edram-bound against 32,000 of compute); rho = 25,600 / 51,200 = 0.5.
  // 64 KB: all 16 rows land at once (25,600 cycles of writes); row 0 asks once its row is written (1,600) and waits
  // 25,600 - 0.5 x 1,600 = 24,800. The port then carries only the reads: (51,200 - 25,600) / 16 = 1,600 a row, under
  // the 2,000 of compute, so the rows after it go one job apart.
  // 1 KB: 2 slots + 4,096 spare bits / 2,048 = 4 rows land (6,400 cycles); the rest come at the conv's pace, with
  // their writes filling the port's other half (drain 1 - 0.5 - 0.5 = 0): row 0 waits 6,400, and the rows after it
  // go (51,200 - 6,400) / 16 = 2,800 apart.
  // The simulator (simulate, 1 image): 57,818 and 52,618 cycles.
  test.each([
    [64, 24800, 2000, 57818],
    [1, 6400, 2800, 52618],
  ])('%d KB tiles: row 0 waits %d, then a row every %d; the simulator (%d) within 1.5%%', async (kb, wait, interval, simulated) => {
    const arch = portArch(kb);
    const choices = baselineChoices(1);
    const ctx = prepareModel(arch, net);
    const result = evaluateModel(ctx, choices);
    expect(result.layers[0]?.boundBy).toBe('edram');
    expect(result.layers[0]?.edramCycles).toBe(51200);
    const mapping = result.mappings[0];
    if (mapping === undefined) throw new Error('no mapping');
    const row0 = 1600 + wait + 2000 + shiftAddDrainCycles(arch, mapping);
    // The input's rows cross in under a thousandth of a cycle each: ready is near 0.
    expect(ctx.rowScratch[0]).toBeCloseTo(row0, 0);
    for (let i = 1; i < 16; i++) expect((ctx.rowScratch[i] as number) - (ctx.rowScratch[i - 1] as number)).toBeCloseTo(interval, 3);
    expect(Math.abs(result.latencyCycles - (row0 + 15 * interval))).toBeLessThanOrEqual(1);
    const sim = await simulate(arch, net, choices, { images: 1 });
    expect(sim.latencyCycles).toBe(simulated);
    expect(Math.abs(sim.latencyCycles / result.latencyCycles - 1)).toBeLessThan(0.015);
  });
});
