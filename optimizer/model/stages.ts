import { bitsAt, type PlanChoices } from '../../arch/plan';
import { replicaMvmCycles, type LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { edramAccesses, recurrentStepExtraCycles, shiftAddCyclesPerMvm } from '../../arch/timing';
import { macArrayGroupOf } from '../../arch/attention';
import type { LayerStage, ModelContext, StageBound, TileTimes, TrafficLoads } from './types';
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

/** Stage time of every layer (docs/hardware-model.md rule 7) and what bounds it. */
export function stageTerms(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  times: TileTimes,
  offChipCycles: number,
): LayerStage[] {
  const arch = ctx.arch;
  const { accessesPerCycle } = arch.tile.edram;
  const maxima: TileMaxima = { tiles: undefined, digital: 0, eject: 0, inject: 0, edram: 0 };
  const stages: LayerStage[] = [];
  for (const l of ctx.layers) {
    // Free layers do no work in any plan: one frozen all-zero stage per layer, shared by every result.
    if (l.role === 'free') {
      stages.push(ctx.freeStages[l.index] as LayerStage);
      continue;
    }
    const tiles = placement.layerTiles[l.index] ?? [];
    const stage: LayerStage = {
      index: l.index,
      name: l.name,
      kind: l.kind,
      computeCycles: 0,
      shiftAddCycles: 0,
      nocInCycles: 0,
      nocOutCycles: 0,
      meshLinkCycles: 0,
      edramCycles: 0,
      digitalCycles: 0,
      attentionCycles: 0,
      offChipCycles: 0,
      lineBufferCycles: 0,
      portQueueCycles: 0,
      creditLoopCycles: 0,
      stageCycles: 0,
      boundBy: 'none',
    };
    if (l.weightedPos >= 0) {
      const mapping = mappings[l.weightedPos];
      const r = choices.replicas[l.weightedPos] ?? 1;
      if (mapping !== undefined) {
        // fc: one MVM per image, replicas take turns across images.
        const mvmsPerReplica = l.kind === 'fc' ? 1 / r : Math.ceil(mapping.outputPixels / r);
        stage.computeCycles = mvmsPerReplica * replicaMvmCycles(arch, mapping, r);
        // A recurrent step waits for the previous one's drain and cell ops (rule 3): they add to every step.
        if (l.digitalOps > 0) stage.computeCycles += l.outRows * recurrentStepExtraCycles(arch, mapping, l.digitalOps / l.outRows);
        stage.shiftAddCycles = mvmsPerReplica * shiftAddCyclesPerMvm(arch, mapping);
      }
    }
    updateTileMaxima(maxima, times, tiles);
    stage.digitalCycles = maxima.digital;
    stage.nocInCycles = maxima.eject;
    stage.nocOutCycles = maxima.inject;
    stage.edramCycles = maxima.edram;
    stage.meshLinkCycles = (traffic.layerLinkFlits[l.index] ?? 0) / arch.noc.linkFlitsPerCycle;
    if (l.product) {
      const host = tiles[0] ?? 0;
      stage.attentionCycles = arch.attention.unit === 'crossbar' ? (ctx.productCycles[l.index] ?? 0) : (times.attention[macArrayGroupOf(arch, host)] ?? 0);
    }
    if (l.readsInput) stage.offChipCycles = offChipCycles;
    stage.lineBufferCycles = placement.paceBoundCycles[l.index] ?? 0;
    // NOTE: unrolled max (no temporary arrays): this runs for every layer of every evaluation.
    let best = stage.computeCycles;
    let bound: StageBound = best > 0 ? 'compute' : 'none';
    if (stage.shiftAddCycles > best) (best = stage.shiftAddCycles), (bound = 'shift-add');
    if (stage.nocInCycles > best) (best = stage.nocInCycles), (bound = 'noc-in');
    if (stage.nocOutCycles > best) (best = stage.nocOutCycles), (bound = 'noc-out');
    if (stage.meshLinkCycles > best) (best = stage.meshLinkCycles), (bound = 'mesh-link');
    if (stage.edramCycles > best) (best = stage.edramCycles), (bound = 'edram');
    if (stage.digitalCycles > best) (best = stage.digitalCycles), (bound = 'digital');
    if (stage.attentionCycles > best) (best = stage.attentionCycles), (bound = 'attention');
    if (stage.offChipCycles > best) (best = stage.offChipCycles), (bound = 'off-chip');
    if (stage.lineBufferCycles > best) (best = stage.lineBufferCycles), (bound = 'line-buffer');
    if (l.weightedPos >= 0) {
      // Off-chip input rows run ahead of the first layers (the input link outpaces them), hiding their writes' waits.
      const waits = l.readsInput ? 1 : 2;
      const accessesPerMvm = edramAccesses(arch, l.mvmInputElements * bitsAt(choices.abits, l.weightedPos));
      const r = choices.replicas[l.weightedPos] ?? 1;
      stage.portQueueCycles = portQueueCycles(l, stage.computeCycles, r, tiles, accessesPerMvm, accessesPerCycle, times, best, waits, !(l.digitalOps > 0));
      if (stage.portQueueCycles > best) (best = stage.portQueueCycles), (bound = 'port-queue');
    }
    stage.stageCycles = best;
    stage.boundBy = bound;
    stages.push(stage);
  }
  return stages;
}

