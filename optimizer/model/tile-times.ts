import { bitsAt, type PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { layerStepsPerImage } from '../../arch/steps';
import { edramAccesses } from '../../arch/timing';
import { digitalStepReadAccesses } from '../../arch/digital-port-load';
import { macArrayGroupOf, macArrayMacsPerCycle } from '../../arch/attention';
import { productWorkOf } from './context';
import type { LayerStatic, ModelContext, TileTimes, TrafficLoads } from './types';

/**
 * Per-tile loads of one evaluation (docs/hardware-model.md rules 5 and 7): eDRAM port bits and squared request sizes,
 * digital ops, link flits, MAC-array work, each as cycles per image on the tiles in use.
 */
export function tileTimes(
  ctx: ModelContext,
  placement: Placement,
  mappings: LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  storedBits: Float64Array,
): TileTimes {
  const arch = ctx.arch;
  // NOTE: buffers reused per context (they live until the next evaluation; the result keeps none of them).
  const { edramBits, edramSq, digital: digitalOps, inject, eject, edram, attention } = ctx.tileScratch;
  attention.fill(0);
  edramBits.set(traffic.edramBits);
  edramSq.set(traffic.edramSqAccesses);
  digitalOps.fill(0);
  inject.fill(0);
  eject.fill(0);
  edram.fill(0);
  for (const l of ctx.layers) {
    if (l.weightedPos >= 0) {
      const mapping = mappings[l.weightedPos];
      const place = placement.weighted[l.weightedPos];
      const abits = bitsAt(choices.abits, l.weightedPos);
      if (mapping === undefined || place === undefined) continue;
      // Every MVM reads its input vector from its tile's eDRAM, in whole accesses.
      const accessBits = arch.tile.edram.accessBits;
      const accessesPerMvm = edramAccesses(arch, l.mvmInputElements * abits);
      const bitsPerMvm = accessesPerMvm * accessBits;
      const share = mapping.outputPixels / place.replicas;
      // A replica reads a row job's input vectors in one request (rule 5).
      const jobs = rowJobsPerReplica(l.kind, l.outRows, l.outCols, share, place.replicas);
      const jobAccesses = (share / jobs) * accessesPerMvm;
      for (const t of place.replicaTiles) {
        edramBits[t] = (edramBits[t] ?? 0) + share * bitsPerMvm;
        edramSq[t] = (edramSq[t] ?? 0) + jobs * jobAccesses * jobAccesses;
      }
      // A recurrent layer's cell ops run on its output path (rule 3), as a fused activation's do.
      if (l.digitalOps > 0) addFusedOps(ctx, placement, l.index, l.digitalOps, digitalOps);
    } else if (l.role === 'digital') {
      // A digital layer reads its inputs from its host tile's eDRAM, in whole accesses per step (rule 5).
      const t = placement.layerTiles[l.index]?.[0] ?? 0;
      digitalOps[t] = (digitalOps[t] ?? 0) + l.digitalOps;
      if (l.product) {
        const work = productWorkOf(ctx, l, storedBits);
        ctx.productCycles[l.index] = work?.cyclesPerImage ?? 0;
        if (work?.engine === 'macArray') {
          const g = macArrayGroupOf(arch, t);
          attention[g] = (attention[g] ?? 0) + work.workPerImage;
        }
      }
      const steps = digitalSteps(ctx, l);
      const accessBits = arch.tile.edram.accessBits;
      const stepAccesses = digitalStepReadAccesses(arch, digitalReadBits(l, storedBits), steps);
      edramBits[t] = (edramBits[t] ?? 0) + steps * stepAccesses * accessBits;
      edramSq[t] = (edramSq[t] ?? 0) + steps * stepAccesses * stepAccesses;
    } else if (l.role === 'fused') {
      // A fused activation works on its producer's output path, on the tiles that produce it.
      addFusedOps(ctx, placement, ctx.flow.layers[l.index]?.storedAs ?? -1, l.digitalOps, digitalOps);
    }
  }
  const linkRate = arch.noc.linkFlitsPerCycle;
  const edramRate = arch.tile.edram.accessBits * arch.tile.edram.accessesPerCycle;
  const digitalRate = arch.tile.digital.opsPerCycle;
  const macRate = macArrayMacsPerCycle(arch);
  // Only the tiles in use carry load.
  for (let t = 0; t < placement.tilesUsed; t++) {
    inject[t] = (traffic.injectFlits[t] ?? 0) / linkRate;
    eject[t] = (traffic.ejectFlits[t] ?? 0) / linkRate;
    edram[t] = (edramBits[t] ?? 0) / edramRate;
    digitalOps[t] = (digitalOps[t] ?? 0) / digitalRate;
    attention[t] = (attention[t] ?? 0) / macRate;
  }
  return { edramBits, edramSq, inject, eject, edram, digital: digitalOps, attention };
}

/**
 * Adds a fused activation's ops to the tiles producing layer `stored` (replicas split them evenly), as
 * forEachTileShare visits them. NOTE: written for speed: no closure per fused layer per evaluation.
 */
function addFusedOps(ctx: ModelContext, placement: Placement, stored: number, ops: number, digitalOps: Float64Array): void {
  const pos = ctx.layers[stored]?.weightedPos ?? -1;
  const weighted = pos >= 0 ? placement.weighted[pos] : undefined;
  if (weighted === undefined) {
    const t = placement.layerTiles[stored]?.[0] ?? 0;
    digitalOps[t] = (digitalOps[t] ?? 0) + 1 * ops;
    return;
  }
  const each = 1 / weighted.replicas;
  const tiles = weighted.replicaTiles;
  for (let k = 0; k < tiles.length; k++) {
    const t = tiles[k] as number;
    digitalOps[t] = (digitalOps[t] ?? 0) + each * ops;
  }
}

/** Row jobs a replica runs per image: one per output row (a piece of it), one per pixel when r > W, 1/r for fc. */
export function rowJobsPerReplica(kind: string, rows: number, cols: number, share: number, replicas: number): number {
  if (kind !== 'conv') return share;
  return replicas <= cols ? rows : share;
}


/** Steps a digital layer's work per image is cut into (arch/steps.ts): its output rows, a global pool's input rows. */
export function digitalSteps(ctx: ModelContext, l: LayerStatic): number {
  return layerStepsPerImage(ctx.net, ctx.flow, l.index);
}

/** Bits a digital layer reads of its data inputs per image at the plan's stored bits (rule 5; re-reads included). */
export function digitalReadBits(l: LayerStatic, storedBits: Float64Array): number {
  let bits = 0;
  for (let k = 0; k < l.dataInputs.length; k++) bits += (l.dataInputElements[k] ?? 0) * (storedBits[(l.dataInputs[k] as number) + 1] as number);
  return bits;
}
