/**
 * One rule for a digital layer's own eDRAM input reads (docs/hardware-model.md rule 5; arch/digital-port-load.ts
 * digitalStepReadAccesses): each step reads its share of the image's read bits in one request of whole accesses.
 * The simulator's port serves each step's read so (sim/row-jobs.ts startDigital: digitalReadBitsPerStep, rounded up
 * to whole accesses); here the model's credit-loop work of each digital layer, with a port slow enough that reads
 * are its work, and placement's port load are checked against what the simulator's port serves, layer by layer.
 * Access sizes and shapes are chosen so per-step and per-input rounding differ (ResNet-18 at 200-bit accesses;
 * DeiT-Tiny's 197-token rows, its A.V re-reading V on PUMA's digital units).
 */
import { presetArch } from '../arch/presets';
import { applySetOverrides } from '../arch/overrides';
import { baselineChoices } from '../arch/plan';
import { analyzeDataflow, dataflowCosts, storedTensorBits } from '../arch/dataflow';
import { digitalPortAccesses } from '../arch/digital-port-load';
import { edramAccesses } from '../arch/timing';
import { buildTopology } from '../sim';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { creditLoopArgs } from '../optimizer/model/credit-loop-args';
import { fillStoredBits } from '../optimizer/model/context';
import { zoo } from './helpers/model-fixtures';

describe("a digital layer's own eDRAM reads: one rule for the model, placement and the simulator", () => {
  it.each([
    ['resnet18', ['tile.edram.accessBits=200']],
    ['deit-tiny', []],
  ])('%s on PUMA %j', (name, sets) => {
    const apc = 0.001;
    const arch = applySetOverrides(presetArch('puma'), [...sets, `tile.edram.accessesPerCycle=${apc}`, 'chip.tiles=100000']);
    const net = zoo(name);
    const choices = baselineChoices(net.weightedIndices.length);
    const topo = buildTopology(arch, net, choices);
    const ctx = prepareModel(arch, net);
    const result = evaluateModel(ctx, choices);
    const stored = fillStoredBits(ctx, result.placement.operandBits);
    const { inputs } = creditLoopArgs(ctx, result.placement, result.stageTable, stored);
    const costs = dataflowCosts(arch);
    const flow = analyzeDataflow(net, costs);
    let differs = 0;
    let checked = 0;
    for (const layer of topo.layers) {
      if (ctx.layers[layer.index]?.role !== 'digital') continue;
      // What the simulator's port serves for this layer's reads per image.
      const served = layer.steps * edramAccesses(arch, layer.digitalReadBitsPerStep);
      expect([layer.name, inputs.workCycles[layer.index]]).toEqual([layer.name, served / apc]);
      let writes = 0;
      let perInput = 0;
      for (const d of flow.layers[layer.index]?.dataInputs ?? []) {
        const s = d.producer < 0 ? net.network.input : net.layers[d.producer]?.outShape;
        const bits = s === undefined ? 0 : s.channels * s.height * s.width * storedTensorBits(flow, d.producer, result.placement.operandBits);
        writes += edramAccesses(arch, bits);
        perInput += edramAccesses(arch, bits);
      }
      expect([layer.name, digitalPortAccesses(arch, net, flow, layer.index, result.placement.operandBits, costs) - writes]).toEqual([layer.name, served]);
      checked++;
      if (perInput !== served) differs++;
    }
    expect(checked).toBeGreaterThan(1);
    // The shapes do tell the roundings apart (else the test could not fail on a per-input rounding).
    expect(differs).toBeGreaterThan(0);
  });
});
