import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import { digitalReadElements, storedTensorBits, type DataflowCosts, type DataInput, type Dataflow } from './dataflow';
import { layerStepsPerImage } from './steps';
import { edramAccesses } from './timing';

/**
 * Per-image eDRAM accesses a digital layer puts on its host tile's port: its step reads (whole accesses per output
 * row, or input row of a global pool; a digital-unit product re-reads its second operand per output row) and the
 * writes of its input rows arriving there (rules 5 and 6), as the model's tile terms count them. Attention products
 * are most of a transformer block's port load: without them, twice the digital ops let DeiT-Tiny's plan on PUMA pack
 * 100 tiles into 38 and lose 25% throughput to a shared port.
 */
export function digitalPortAccesses(arch: ArchSpec, net: ResolvedNetwork, flow: Dataflow, d: number, operandBits: readonly number[], costs: DataflowCosts): number {
  const lf = flow.layers[d];
  const r = net.layers[d];
  if (lf === undefined || r === undefined) return 0;
  let readBits = 0;
  let writes = 0;
  for (let k = 0; k < lf.dataInputs.length; k++) {
    const p = (lf.dataInputs[k] as DataInput).producer;
    const shape = p < 0 ? net.network.input : net.layers[p]?.outShape;
    if (shape === undefined) continue;
    const elementBits = storedTensorBits(flow, p, operandBits);
    readBits += digitalReadElements(lf, r, k, shape, costs) * elementBits;
    writes += edramAccesses(arch, shape.channels * shape.height * shape.width * elementBits);
  }
  const steps = layerStepsPerImage(net, flow, d);
  return steps * digitalStepReadAccesses(arch, readBits, steps) + writes;
}

/**
 * A digital layer's eDRAM accesses per step for its own input reads (docs/hardware-model.md rule 5): each step (an
 * output row; an input row for a global pool, arch/steps.ts) reads its share of the image's read bits of all its
 * inputs (`readBitsPerImage`, re-reads included) in one request of whole accesses, as the simulator's port serves
 * the step's read (sim/row-jobs.ts startDigital). The model's tile loads, its credit-loop work and placement's port
 * load all count these.
 */
export function digitalStepReadAccesses(arch: ArchSpec, readBitsPerImage: number, steps: number): number {
  return edramAccesses(arch, readBitsPerImage / steps);
}
