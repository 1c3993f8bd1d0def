/**
 * The steps a layer's work per image is cut into (docs/hardware-model.md rule 4), shared by the analytical model
 * (a digital layer's eDRAM reads per step) and the simulator (its units' jobs).
 */
import type { Layer } from '../workloads/types';

/** A global pool keeps a running sum/max: it takes one input row per step and emits its one row at the last. */
export function accumulatesRows(layer: Layer): boolean {
  return layer.kind === 'pool' && layer.global;
}

/** Steps per image: one per output row, or one per input row (`inputRows`) for a layer that accumulates rows. */
export function stepsPerImage(layer: Layer, outRows: number, inputRows: number): number {
  return accumulatesRows(layer) ? inputRows : outRows;
}
