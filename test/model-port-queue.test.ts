import { evaluateModel, prepareModel } from '../optimizer/model';
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
  //    first read 20; one wait (its input comes off-chip): 4000 + 4 x (20 + 29.2) = 4196.8.
  // b: others = 648 - 4 x 144 = 72; residual = 72 x 400 / 8000 = 3.6; first read 3 x 20 = 60; two waits (its read,
  //    and the write of a's row it waits for): 4000 + 4 x (60 + 7.2) = 4268.8.
  const net = resolveNetwork(twoConvChain());
  const arch = slowPortArch();
  const choices = uniformChoices(net);

  test('the stage times worked by hand', () => {
    const result = evaluateModel(prepareModel(arch, net), choices);
    expect(result.placement.layerTiles).toEqual([[0], [0]]);
    expect(result.layers[0]?.edramCycles).toBeCloseTo(1440, 6);
    expect(result.layers[0]?.portQueueCycles).toBeCloseTo(4196.8, 6);
    expect(result.layers[1]?.portQueueCycles).toBeCloseTo(4268.8, 6);
    expect(result.layers[1]?.boundBy).toBe('port-queue');
    expect(result.bottleneckCycles).toBeCloseTo(4268.8, 6);
  });

  test('the simulator agrees within 2% (compute alone, 4000, is 5.7% fast)', async () => {
    const sim = await simulate(arch, net, choices, { images: 12 });
    expect(Math.abs(sim.intervalCycles / 4268.8 - 1)).toBeLessThan(0.02);
    expect(sim.intervalCycles / 4000 - 1).toBeGreaterThan(0.04);
  });
});
