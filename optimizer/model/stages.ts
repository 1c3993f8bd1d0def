import { bitsAt, type PlanChoices } from '../../arch/plan';
import { replicaMvmCycles, type LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { edramAccesses, recurrentStepExtraCycles, shiftAddCyclesPerMvm } from '../../arch/timing';
import { macArrayGroupOf } from '../../arch/attention';
import type { ModelContext, TileTimes, TrafficLoads } from './types';
import {
  ATTENTION, BOUND, BOUND_ATTENTION, BOUND_COMPUTE, BOUND_DIGITAL, BOUND_EDRAM, BOUND_LINE_BUFFER, BOUND_MESH_LINK, BOUND_NOC_IN, BOUND_NOC_OUT, BOUND_NONE,
  BOUND_OFF_CHIP, BOUND_PORT_QUEUE, BOUND_SHIFT_ADD, COMPUTE, DIGITAL, EDRAM, LINE_BUFFER, MESH_LINK, NOC_IN, NOC_OUT, OFF_CHIP, PORT_QUEUE,
  SHIFT_ADD, slabStageTable, STAGE, STAGE_WIDTH, type StageTable,
} from './stage-table';
import { portQueueCycles } from './port-queue';

/** Largest per-tile loads over one layer's tiles (digital, ejection, injection, eDRAM), cycles per image. */
interface TileMaxima {
  tiles: readonly number[] | undefined;
  digital: number;
  eject: number;
  inject: number;
  edram: number;
}

/**
 * NOTE: written for speed: one pass over the tiles for the four maxima, skipped when a layer has the same tile
 * list as the previous one (a fused activation shares its producer's, and usually follows it).
 */
function updateTileMaxima(m: TileMaxima, times: TileTimes, tiles: readonly number[]): void {
  if (m.tiles === tiles) return;
  let digital = 0;
  let eject = 0;
  let inject = 0;
  let edram = 0;
  for (let k = 0; k < tiles.length; k++) {
    const t = tiles[k] as number;
    digital = Math.max(digital, times.digital[t] ?? 0);
    eject = Math.max(eject, times.eject[t] ?? 0);
    inject = Math.max(inject, times.inject[t] ?? 0);
    edram = Math.max(edram, times.edram[t] ?? 0);
  }
  m.tiles = tiles;
  m.digital = digital;
  m.eject = eject;
  m.inject = inject;
  m.edram = edram;
}

/**
 * Stage time of every layer (docs/hardware-model.md rule 7), its terms and what bounds it, in a new table
 * (stage-table.ts; a free layer's row stays zero, bound 'none').
 */
export function stageTerms(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  times: TileTimes,
  offChipCycles: number,
): StageTable {
  const arch = ctx.arch;
  const { accessesPerCycle } = arch.tile.edram;
  const maxima: TileMaxima = { tiles: undefined, digital: 0, eject: 0, inject: 0, edram: 0 };
  const table = slabStageTable(ctx.stageSlab, ctx.layers.length);
  for (const l of ctx.layers) {
    // Free layers do no work in any plan: their rows stay zero.
    if (l.role === 'free') continue;
    const tiles = placement.layerTiles[l.index] ?? [];
    let computeCycles = 0;
    let shiftAddCycles = 0;
    if (l.weightedPos >= 0) {
      const mapping = mappings[l.weightedPos];
      const r = choices.replicas[l.weightedPos] ?? 1;
      if (mapping !== undefined) {
        // fc: one MVM per image, replicas take turns across images.
        const mvmsPerReplica = l.kind === 'fc' ? 1 / r : Math.ceil(mapping.outputPixels / r);
        computeCycles = mvmsPerReplica * replicaMvmCycles(arch, mapping, r);
        // A recurrent step waits for the previous one's drain and cell ops (rule 3): they add to every step.
        if (l.digitalOps > 0) computeCycles += l.outRows * recurrentStepExtraCycles(arch, mapping, l.digitalOps / l.outRows);
        shiftAddCycles = mvmsPerReplica * shiftAddCyclesPerMvm(arch, mapping);
      }
    }
    updateTileMaxima(maxima, times, tiles);
    const meshLinkCycles = (traffic.layerLinkFlits[l.index] ?? 0) / arch.noc.linkFlitsPerCycle;
    let attentionCycles = 0;
    if (l.product) {
      const host = tiles[0] ?? 0;
      attentionCycles = arch.attention.unit === 'crossbar' ? (ctx.productCycles[l.index] ?? 0) : (times.attention[macArrayGroupOf(arch, host)] ?? 0);
    }
    const stageOffChipCycles = l.readsInput ? offChipCycles : 0;
    const lineBufferCycles = placement.paceBoundCycles[l.index] ?? 0;
    // NOTE: unrolled max (no temporary arrays): this runs for every layer of every evaluation.
    let best = computeCycles;
    let bound = best > 0 ? BOUND_COMPUTE : BOUND_NONE;
    if (shiftAddCycles > best) (best = shiftAddCycles), (bound = BOUND_SHIFT_ADD);
    if (maxima.eject > best) (best = maxima.eject), (bound = BOUND_NOC_IN);
    if (maxima.inject > best) (best = maxima.inject), (bound = BOUND_NOC_OUT);
    if (meshLinkCycles > best) (best = meshLinkCycles), (bound = BOUND_MESH_LINK);
    if (maxima.edram > best) (best = maxima.edram), (bound = BOUND_EDRAM);
    if (maxima.digital > best) (best = maxima.digital), (bound = BOUND_DIGITAL);
    if (attentionCycles > best) (best = attentionCycles), (bound = BOUND_ATTENTION);
    if (stageOffChipCycles > best) (best = stageOffChipCycles), (bound = BOUND_OFF_CHIP);
    if (lineBufferCycles > best) (best = lineBufferCycles), (bound = BOUND_LINE_BUFFER);
    let portQueue = 0;
    if (l.weightedPos >= 0) {
      // Off-chip input rows run ahead of the first layers (the input link outpaces them), hiding their writes' waits.
      const waits = l.readsInput ? 1 : 2;
      const accessesPerMvm = edramAccesses(arch, l.mvmInputElements * bitsAt(choices.abits, l.weightedPos));
      const r = choices.replicas[l.weightedPos] ?? 1;
      portQueue = portQueueCycles(l, computeCycles, r, tiles, accessesPerMvm, accessesPerCycle, times, best, waits, !(l.digitalOps > 0));
      if (portQueue > best) (best = portQueue), (bound = BOUND_PORT_QUEUE);
    }
    const o = l.index * STAGE_WIDTH;
    table[o + COMPUTE] = computeCycles;
    table[o + SHIFT_ADD] = shiftAddCycles;
    table[o + NOC_IN] = maxima.eject;
    table[o + NOC_OUT] = maxima.inject;
    table[o + MESH_LINK] = meshLinkCycles;
    table[o + EDRAM] = maxima.edram;
    table[o + DIGITAL] = maxima.digital;
    table[o + ATTENTION] = attentionCycles;
    table[o + OFF_CHIP] = stageOffChipCycles;
    table[o + LINE_BUFFER] = lineBufferCycles;
    table[o + PORT_QUEUE] = portQueue;
    table[o + STAGE] = best;
    table[o + BOUND] = bound;
  }
  return table;
}
