/**
 * A plain reference of tileTimes (tile-times.ts) and stageTerms (stages.ts), which are written for speed (per-context scratch
 * arrays, fused ops added without a closure, one pass for four per-tile maxima skipped when the tile list repeats,
 * an unrolled max). This one computes the same per-tile loads and stage terms from the same rules
 * (docs/hardware-model.md rules 5-7) with maps, the replica shares of forEachTileShare and a table of terms;
 * test/model-stage-reference.test.ts compares the two on the zoo. Not for the search loop.
 */
import { bitsAt, type PlanChoices } from '../../arch/plan';
import { replicaMvmCycles, type LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { layerStepsPerImage } from '../../arch/steps';
import { edramAccesses, recurrentStepExtraCycles, shiftAddCyclesPerMvm } from '../../arch/timing';
import { macArrayGroupOf, macArrayMacsPerCycle } from '../../arch/attention';
import { digitalStepReadAccesses } from '../../arch/digital-port-load';
import { productWorkOf } from './context';
import { forEachTileShare } from './traffic';
import type { LayerStatic, ModelContext, StageBound, TrafficLoads } from './types';

/** Per-image loads of each tile, by tile (MAC arrays: by group), in cycles but edramBits and edramSq. */
export interface ReferenceTileTimes {
  edramBits: Map<number, number>;
  edramSq: Map<number, number>;
  inject: Map<number, number>;
  eject: Map<number, number>;
  edram: Map<number, number>;
  digital: Map<number, number>;
  attention: Map<number, number>;
  /** A product's own cycles per image on its engine, by layer index. */
  productCycles: Map<number, number>;
}

function add(m: Map<number, number>, key: number, value: number): void {
  m.set(key, (m.get(key) ?? 0) + value);
}

/** Row jobs a replica runs per image (rule 5): one per output row, one per pixel when r > W, its images for fc. */
function rowJobs(l: LayerStatic, share: number, replicas: number): number {
  return l.kind === 'conv' && replicas <= l.outCols ? l.outRows : share;
}

export function referenceTileTimes(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  storedBits: Float64Array,
): ReferenceTileTimes {
  const arch = ctx.arch;
  const tiles = Array.from({ length: placement.tilesUsed }, (_, t) => t);
  // Data movement into and out of the tiles (the traffic's eDRAM writes and reads of row pieces) ...
  const edramBits = new Map(tiles.map((t) => [t, traffic.edramBits[t] ?? 0]));
  const edramSq = new Map(tiles.map((t) => [t, traffic.edramSqAccesses[t] ?? 0]));
  const digitalOps = new Map<number, number>();
  const attentionWork = new Map<number, number>();
  const productCycles = new Map<number, number>();
  for (const l of ctx.layers) {
    const mapping = l.weightedPos >= 0 ? mappings[l.weightedPos] : undefined;
    const place = l.weightedPos >= 0 ? placement.weighted[l.weightedPos] : undefined;
    if (mapping !== undefined && place !== undefined) {
      // ... each replica's MVM input reads on its tile, one request per row job ...
      const accessesPerMvm = edramAccesses(arch, l.mvmInputElements * bitsAt(choices.abits, l.weightedPos));
      const share = mapping.outputPixels / place.replicas;
      const jobs = rowJobs(l, share, place.replicas);
      for (const t of place.replicaTiles) {
        add(edramBits, t, share * accessesPerMvm * arch.tile.edram.accessBits);
        add(edramSq, t, jobs * ((share / jobs) * accessesPerMvm) ** 2);
      }
      // ... a recurrent cell's ops on the replicas' tiles (rule 3) ...
      if (l.digitalOps > 0) forEachTileShare(ctx, placement, l.index, (t, s) => add(digitalOps, t, s * l.digitalOps));
    } else if (l.role === 'digital') {
      // ... a digital layer's ops and input reads on its host tile (whole accesses per step), a product's work ...
      const t = placement.layerTiles[l.index]?.[0] ?? 0;
      add(digitalOps, t, l.digitalOps);
      if (l.product) {
        const work = productWorkOf(ctx, l, storedBits);
        productCycles.set(l.index, work?.cyclesPerImage ?? 0);
        if (work?.engine === 'macArray') add(attentionWork, macArrayGroupOf(arch, t), work.workPerImage);
      }
      const inBits = l.dataInputs.reduce((sum, p, k) => sum + (l.dataInputElements[k] ?? 0) * (storedBits[p + 1] ?? 0), 0);
      const steps = layerStepsPerImage(ctx.net, ctx.flow, l.index);
      const stepAccesses = digitalStepReadAccesses(arch, inBits, steps);
      add(edramBits, t, steps * stepAccesses * arch.tile.edram.accessBits);
      add(edramSq, t, steps * stepAccesses * stepAccesses);
    } else if (l.role === 'fused') {
      // ... and a fused activation's ops on the tiles producing its input (rule 5).
      forEachTileShare(ctx, placement, ctx.flow.layers[l.index]?.storedAs ?? -1, (t, s) => add(digitalOps, t, s * l.digitalOps));
    }
  }
  const cycles = (m: Map<number, number>, rate: number) => new Map(tiles.map((t) => [t, (m.get(t) ?? 0) / rate]));
  return {
    edramBits,
    edramSq,
    inject: new Map(tiles.map((t) => [t, (traffic.injectFlits[t] ?? 0) / arch.noc.linkFlitsPerCycle])),
    eject: new Map(tiles.map((t) => [t, (traffic.ejectFlits[t] ?? 0) / arch.noc.linkFlitsPerCycle])),
    edram: cycles(edramBits, arch.tile.edram.accessBits * arch.tile.edram.accessesPerCycle),
    digital: cycles(digitalOps, arch.tile.digital.opsPerCycle),
    attention: cycles(attentionWork, macArrayMacsPerCycle(arch)),
    productCycles,
  };
}

/** Stage terms of one layer, as stages.ts reports them (the credit loop comes later). */
export interface ReferenceStage {
  terms: Record<Exclude<StageBound, 'credit-loop' | 'none'>, number>;
  stageCycles: number;
  boundBy: StageBound;
}

/** Each non-free layer's stage terms, its stage time (the largest) and what bounds it, by layer index. */
export function referenceStageTerms(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  times: ReferenceTileTimes,
  offChipCycles: number,
): Map<number, ReferenceStage> {
  const arch = ctx.arch;
  const stages = new Map<number, ReferenceStage>();
  for (const l of ctx.layers) {
    if (l.role === 'free') continue;
    const tiles = placement.layerTiles[l.index] ?? [];
    const worst = (m: Map<number, number>) => Math.max(0, ...tiles.map((t) => m.get(t) ?? 0));
    const mapping = l.weightedPos >= 0 ? mappings[l.weightedPos] : undefined;
    const r = l.weightedPos >= 0 ? (choices.replicas[l.weightedPos] ?? 1) : 1;
    let compute = 0;
    let shiftAdd = 0;
    if (mapping !== undefined) {
      // fc: one MVM per image, replicas taking turns; a recurrent step also waits for its drain and cell ops.
      const mvms = l.kind === 'fc' ? 1 / r : Math.ceil(mapping.outputPixels / r);
      compute = mvms * replicaMvmCycles(arch, mapping, r);
      if (l.digitalOps > 0) compute += l.outRows * recurrentStepExtraCycles(arch, mapping, l.digitalOps / l.outRows);
      shiftAdd = mvms * shiftAddCyclesPerMvm(arch, mapping);
    }
    const host = tiles[0] ?? 0;
    // In the order stages.ts breaks ties: the first of the largest terms bounds the stage.
    const terms = {
      compute,
      'shift-add': shiftAdd,
      'noc-in': worst(times.eject),
      'noc-out': worst(times.inject),
      'mesh-link': (traffic.layerLinkFlits[l.index] ?? 0) / arch.noc.linkFlitsPerCycle,
      edram: worst(times.edram),
      digital: worst(times.digital),
      attention: !l.product ? 0 : arch.attention.unit === 'crossbar' ? (times.productCycles.get(l.index) ?? 0) : (times.attention.get(macArrayGroupOf(arch, host)) ?? 0),
      'off-chip': l.readsInput ? offChipCycles : 0,
      'line-buffer': placement.paceBoundCycles[l.index] ?? 0,
      'port-queue': 0,
    };
    const largest = (): [StageBound, number] => {
      let best: [StageBound, number] = ['none', 0];
      for (const [bound, cycles] of Object.entries(terms) as [StageBound, number][]) if (cycles > best[1]) best = [bound, cycles];
      return best;
    };
    if (mapping !== undefined) terms['port-queue'] = portQueue(ctx, l, compute, r, tiles, times, largest()[1], choices);
    const [boundBy, stageCycles] = largest();
    stages.set(l.index, { terms, stageCycles, boundBy });
  }
  return stages;
}

/**
 * Port queueing (rule 7): the replica's compute plus, per row job, what of its first read and the mean residual of
 * the other requests at its worst tile's port (sum of d^2 / 2T over them), paid for its reads and (unless it reads
 * the off-chip input) for the write of the piece it waits for, outlasts the previous job's compute (it reads one job
 * ahead, rule 5; a recurrent layer does not): the wait uniform on [0, 2 x mean].
 */
function portQueue(
  ctx: ModelContext,
  l: LayerStatic,
  compute: number,
  replicas: number,
  tiles: readonly number[],
  times: ReferenceTileTimes,
  interval: number,
  choices: PlanChoices,
): number {
  if (interval <= 0 || compute <= 0) return 0;
  const { accessesPerCycle } = ctx.arch.tile.edram;
  const accessesPerMvm = edramAccesses(ctx.arch, l.mvmInputElements * bitsAt(choices.abits, l.weightedPos));
  const share = (l.outRows * l.outCols) / replicas;
  const jobs = rowJobs(l, share, replicas);
  const own = jobs * ((share / jobs) * accessesPerMvm) ** 2;
  const residual = Math.max(0, ...tiles.map((t) => ((times.edramSq.get(t) ?? 0) - own) / (2 * Math.max(times.edram.get(t) ?? 0, interval))));
  const waits = l.readsInput ? 1 : 2;
  const first = Math.ceil(accessesPerMvm / accessesPerCycle);
  const mean = (waits * residual) / accessesPerCycle ** 2;
  const slack = (l.digitalOps > 0 ? 0 : compute / jobs) - first;
  let exposed: number;
  if (slack <= 0) exposed = mean - slack;
  else if (slack >= 2 * mean) exposed = 0;
  else exposed = (2 * mean - slack) ** 2 / (4 * mean);
  return compute + jobs * exposed;
}
