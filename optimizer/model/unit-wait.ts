/**
 * The lockstep wait of a layer's row job at its tile's digital unit (docs/hardware-model.md rule 7, credit-loop term):
 * in a credit loop the stages on one tile run at one pace, one row each per period, so the row jobs they queue at
 * the tile's digital unit (FIFO, rule 5) reach it at about the same time each period, in no fixed order. A job then
 * waits, on average, for half of the unit's other work of the period: (unit load per image - its own) / (2 rows).
 * ResNet-50's layer1.1 on ISAAC: relu1's 3,584-cycle job behind conv3's fused add and relu3 (28,672 cycles) and relu2
 * (3,584): 16,128 cycles each for relu1 and relu2 (simulated: 25,300 and 1,700, the order set by the loop's phase).
 */
import type { Placement } from '../../arch/placement';
import type { LayerStatic, ModelContext } from './types';

/**
 * Per stored layer (by index), the ops per image of the row jobs it queues at a digital unit: a digital layer's own
 * ops, and every fused layer's ops on its host's output path (the host's job). Static per network.
 */
export function rowJobOpsPerImage(ctx: Pick<ModelContext, 'layers' | 'flow'>): Float64Array {
  const ops = new Float64Array(ctx.layers.length);
  for (const l of ctx.layers) {
    if (l.digitalOps <= 0) continue;
    if (l.role === 'fused') {
      const host = ctx.flow.layers[l.index]?.storedAs ?? -1;
      if (host >= 0) ops[host] = (ops[host] ?? 0) + l.digitalOps;
    } else if (l.role === 'digital' || l.role === 'weighted') {
      ops[l.index] = (ops[l.index] ?? 0) + l.digitalOps;
    }
  }
  return ops;
}

/**
 * Fills `out` (by layer index) with each layer's lockstep wait in cycles per row job, on its worst unit: a weighted
 * layer's ops split evenly over its replicas' tiles, a digital layer's on its host tile; 0 for a layer without ops.
 * `digitalCycles`: each tile's digital-unit load per image (tile-times.ts). Entries of layers without ops are not written.
 */
export function fillUnitWaits(ctx: ModelContext, placement: Placement, digitalCycles: Float64Array, out: Float64Array): void {
  const opsPerCycle = ctx.arch.tile.digital.opsPerCycle;
  const jobOps = ctx.rowJobOps;
  // NOTE: written for speed (every evaluation): only the layers with ops; the others' entries stay 0.
  const withOps = ctx.rowJobLayers;
  for (let i = 0; i < withOps.length; i++) {
    const l = ctx.layers[withOps[i] as number] as LayerStatic;
    const own = jobOps[l.index] as number;
    const twoRows = 2 * Math.max(1, l.outRows);
    let wait = 0;
    const weighted = l.weightedPos >= 0 ? placement.weighted[l.weightedPos] : undefined;
    if (weighted !== undefined) {
      const each = own / weighted.replicas / opsPerCycle;
      const tiles = weighted.replicaTiles;
      // Replica tiles ascend: a tile's share is its replicas' count times `each`.
      let k = 0;
      while (k < tiles.length) {
        const t = tiles[k] as number;
        let n = 0;
        while (k < tiles.length && tiles[k] === t) (n++), k++;
        const other = (digitalCycles[t] ?? 0) - n * each;
        if (other > twoRows * wait) wait = other / twoRows;
      }
    } else {
      const t = placement.layerTiles[l.index]?.[0] ?? 0;
      const other = (digitalCycles[t] ?? 0) - own / opsPerCycle;
      if (other > 0) wait = other / twoRows;
    }
    out[l.index] = wait;
  }
}

/** Indices of the layers with row-job ops (rowJobOpsPerImage > 0), ascending. */
export function rowJobLayers(ops: Float64Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < ops.length; i++) if ((ops[i] as number) > 0) out.push(i);
  return Int32Array.from(out);
}
