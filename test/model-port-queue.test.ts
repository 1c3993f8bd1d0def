import { evaluateModel, prepareModel } from '../optimizer/model';
import { exposedWaitCycles } from '../optimizer/model/port-queue';
import { simulate } from '../sim';
import { applySetOverrides } from '../arch/overrides';
import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { twoConvChain, uniformChoices } from './helpers/model-fixtures';

// Two 3x3 convs (8 outputs) on a 1x4x4 input, both on tile 0, with a slow eDRAM port: 256-bit accesses at 0.05 per
// cycle (20 cycles each). Everything else is ample, so the port and the MVMs (250 cycles, 4 per row) set the pace.
function slowPortArch() {
  return applySetOverrides(presetArch('puma'), [
    'noc.linkFlitsPerCycle=1000000',
    'noc.routerLatencyCycles=0',
    'tile.edram.accessesPerCycle=0.05',
    'tile.digital.opsPerCycle=1000000',
    'offChip.bandwidthGBps=1000000000',
  ]);
}

describe('port queueing term (docs/hardware-model.md rule 7)', () => {
  // Requests on tile 0 per image, in accesses: 4 input rows written (4 px x 8 bits: 1 each), 4 row jobs of a
  // (4 MVMs x 9 inputs x 8 bits: 1 access each, so 4), 4 rows of a written (4 px x 8 ch x 8 bits = 256 bits: 1),
  // 4 row jobs of b (4 MVMs x 72 inputs x 8 bits = 576 bits: 3 accesses each, so 12).
  // sum d = 4 x (1 + 4 + 1 + 12) = 72 accesses = 1440 cycles; sum d^2 = 4 x (1 + 16 + 1 + 144) = 648.
  // Both layers: compute 4 rows x 4 MVMs x 250 = 4000 cycles, the interval T before the term.
  // a: others' sum d^2 = 648 - 4 x 16 = 584 accesses^2 = 584 x 400 cycles^2; residual = 584 x 400 / (2 x 4000) = 29.2;
  //    first read 20; one wait (its input comes off-chip), mean 29.2. Each replica reads one row job ahead (rule 5):
  //    it asks for a job's reads when the previous job's MVMs (4 x 250 = 1000 cycles) start, so they hide first +
  //    wait unless it exceeds 1000: with the wait uniform on [0, 2 x 29.2], 20 + 58.4 < 1000, none is exposed: 4000.
  //    (The old rule, reads asked for when the MVMs end: 4000 + 4 x (20 + 29.2) = 4196.8.)
  // b: others = 648 - 4 x 144 = 72; residual = 72 x 400 / 8000 = 3.6; first read 3 x 20 = 60; two waits (its read,
  //    and the write of a's row it waits for), mean 7.2: 60 + 14.4 < 1000, hidden: 4000 (old rule: 4268.8).
  const net = resolveNetwork(twoConvChain());
  const arch = slowPortArch();
  const choices = uniformChoices(net);

  test('the stage times worked by hand', () => {
    const result = evaluateModel(prepareModel(arch, net), choices);
    expect(result.placement.layerTiles).toEqual([[0], [0]]);
    expect(result.layers[0]?.edramCycles).toBeCloseTo(1440, 6);
    expect(result.layers[0]?.portQueueCycles).toBe(4000);
    expect(result.layers[1]?.portQueueCycles).toBe(4000);
    expect(result.layers.map((l) => l.boundBy)).toEqual(['compute', 'compute']);
    expect(result.bottleneckCycles).toBe(4000);
  });

  test('the simulator agrees: its reads wait at the port, behind the MVMs', async () => {
    const sim = await simulate(arch, net, choices, { images: 12 });
    expect(Math.abs(sim.intervalCycles / 4000 - 1)).toBeLessThan(0.005);
  });

  test("what a row job's compute does not hide, by hand (first read, mean wait, compute to hide behind)", () => {
    // Wait W uniform on [0, 2m]; exposed = E[max(0, first + W - hide)], h = hide - first.
    // Nothing to hide behind (a recurrent step): first + m.
    expect(exposedWaitCycles(20, 30, 0)).toBe(50);
    // h = 100 - 20 = 80 >= 2m = 60: all hidden.
    expect(exposedWaitCycles(20, 30, 100)).toBe(0);
    // h = 50 - 20 = 30 inside [0, 60]: the part of W above 30, (60 - 30)^2 / (4 x 30) = 7.5.
    expect(exposedWaitCycles(20, 30, 50)).toBeCloseTo(7.5, 12);
    // h = 0: the mean wait, from both sides of the boundary.
    expect(exposedWaitCycles(20, 30, 20)).toBe(30);
    expect(exposedWaitCycles(20, 30, 20.000001)).toBeCloseTo(30, 4);
    // hide < first: the first read's rest is exposed too: 20 - 15 + 30.
    expect(exposedWaitCycles(20, 30, 15)).toBe(35);
  });
});
