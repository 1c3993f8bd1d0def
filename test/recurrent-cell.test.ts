/**
 * A recurrent layer's gates and cell update are charged to its tile's digital unit (docs/hardware-model.md rule 3),
 * one rule (arch/digital-ops.ts RECURRENT_CELL_OPS) used by the model and the simulator, and step t + 1 waits for
 * step t's cell (its MVM reads h_t). Worked by hand on a GRU with 32 hidden units over 16 steps.
 */
import { loadArch } from '../arch/load';
import { analyzeDataflow, RECURRENT_CELL_OPS } from '../arch/dataflow';
import { mapNetwork, replicaMvmCycles } from '../arch/mapping';
import { recurrentStepExtraCycles } from '../arch/timing';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { encodeModel, importOnnx } from '../workloads/onnx';
import { resolveNetwork } from '../workloads/shapes';
import { int, OnnxGraphBuilder } from './helpers/onnx-builder';

function gru() {
  const g = new OnnxGraphBuilder(false);
  g.input('x', [1, 16, 24]);
  g.output(g.node('GRU', '/gru', ['x', g.weight('W', [1, 96, 24]), g.weight('R', [1, 96, 32])], [int('hidden_size', 32), int('layout', 1)]));
  return resolveNetwork(importOnnx(encodeModel(g.model(17, 'gru')), { source: 'gru.onnx' }));
}

describe('recurrent cell on the digital unit', () => {
  test('9 ops per hidden unit and step, serial with the MVMs in model and simulator', async () => {
    const net = gru();
    // A digital unit of one op per cycle makes the cell first order: 288 cycles per step beside a ~1000-cycle MVM.
    const arch = loadArch({ arch: 'puma', overrideFiles: [], sets: ['tile.digital.opsPerCycle=1'] });
    const flow = analyzeDataflow(net);
    // z and r sigmoids, r * (U h), the candidate's add and tanh, h = (1 - z) * n + z * h: 9 x 32 hidden x 16 steps.
    expect(RECURRENT_CELL_OPS.gru).toBe(9);
    expect(flow.layers[0]?.digitalOps).toBe(9 * 32 * 16);
    const choices = { wbits: [8], abits: [8], replicas: [1] };
    const mapping = mapNetwork(arch, net, [8], [8])[0];
    if (mapping === undefined) throw new Error('no mapping');
    // Each step: its MVM, the last bit's shift-and-add drain, then 288 ops at the tile's ops per cycle.
    const step = replicaMvmCycles(arch, mapping, 1) + recurrentStepExtraCycles(arch, mapping, 9 * 32);
    expect(recurrentStepExtraCycles(arch, mapping, 9 * 32)).toBeGreaterThanOrEqual(288);
    const model = evaluateModel(prepareModel(arch, net), choices);
    expect(model.layers[0]?.computeCycles).toBeCloseTo(16 * step, 6);
    expect(model.bottleneckCycles).toBeGreaterThanOrEqual(16 * step);
    const sim = await simulate(arch, net, choices, { images: 6 });
    // The simulator runs the steps one after another on the replica, each waiting for the previous cell (without
    // the wait it would overlap the cell with the next MVM: 16 x ~1000 cycles).
    expect(sim.intervalCycles).toBeGreaterThanOrEqual(16 * step * 0.99);
    expect(step).toBeGreaterThan(1.2 * replicaMvmCycles(arch, mapping, 1));
    expect(Math.abs(model.bottleneckCycles / sim.intervalCycles - 1)).toBeLessThan(0.05);
    const single = await simulate(arch, net, choices, { images: 1 });
    expect(Math.abs(model.latencyCycles / single.latencyCycles - 1)).toBeLessThan(0.05);
    // The cell's ops are counted in the energy of both sides.
    expect(sim.energyPj.digital).toBeGreaterThan(0);
  });
});
