/**
 * The steps a layer's work per image is cut into (docs/hardware-model.md rule 4), shared by the analytical model
 * (a digital layer's eDRAM reads per step) and the simulator (its units' jobs).
 */
import type { Layer, ResolvedNetwork } from '../workloads/types';
import type { Dataflow } from './dataflow-types';

/** A global pool keeps a running sum/max: it takes one input row per step and emits its one row at the last. */
export function accumulatesRows(layer: Layer): boolean {
  return layer.kind === 'pool' && layer.global;
}

/** Steps per image: one per output row, or one per input row (`inputRows`) for a layer that accumulates rows. */
export function stepsPerImage(layer: Layer, outRows: number, inputRows: number): number {
  return accumulatesRows(layer) ? inputRows : outRows;
}

/**
 * Steps per image of network layer `index`: an accumulating layer's are the rows of the stored tensor it reads (its
 * first data input's producer; the network input when it reads none), whose row q its step q folds in.
 */
export function layerStepsPerImage(net: ResolvedNetwork, flow: Dataflow, index: number): number {
  const r = net.layers[index];
  if (r === undefined) return 1;
  const producer = flow.layers[index]?.dataInputs[0]?.producer ?? -1;
  const shape = producer < 0 ? net.network.input : net.layers[producer]?.outShape;
  return stepsPerImage(r.layer, r.outShape.height, shape?.height ?? 1);
}
