import { bitsAt, type PlanChoices } from '../../arch/plan';
import { replicaMvmCycles, type LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { choosePacking, packingLadder, type PackingFigures } from '../../arch/packing-choice';
import { stepsPerImage } from '../../arch/steps';
import { edramAccesses, offChipBitsPerCycle, recurrentStepExtraCycles, shiftAddCyclesPerMvm } from '../../arch/timing';
import { cachedMapping, fillStoredBits, productWorkOf } from './context';
import type { LayerStage, LayerStatic, ModelContext, ModelResult, StageBound, TileTimes, TrafficLoads } from './types';
import { macArrayGroupOf, macArrayMacsPerCycle } from '../../arch/attention';
import { crossbarUnitAreaMm2 } from '../../arch/area';
import { routeTraffic } from './traffic';
import { rowLatencyCycles } from './latency';
import { energyPerImagePj } from './energy';
import { creditLoopBounds, type CreditLoopInputs, type TransitParams } from './credit-loop';

function tileTimes(
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
      // A digital layer reads its inputs from its host tile's eDRAM, in whole accesses per step (an output row;
      // an input row for a global pool, which accumulates).
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
      let inBits = 0;
      for (let k = 0; k < l.dataInputs.length; k++) inBits += (l.dataInputElements[k] ?? 0) * (storedBits[(l.dataInputs[k] as number) + 1] as number);
      const layer = l.resolved.layer;
      const steps = stepsPerImage(layer, l.outRows, l.resolved.inShapes[0]?.height ?? 1);
      const accessBits = arch.tile.edram.accessBits;
      const stepAccesses = edramAccesses(arch, inBits / steps);
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
function rowJobsPerReplica(kind: string, rows: number, cols: number, share: number, replicas: number): number {
  if (kind !== 'conv') return share;
  return replicas <= cols ? rows : share;
}

/**
 * Port queueing term (docs/hardware-model.md rule 7): a replica asks for a row job's reads only once its
 * previous job's MVMs are done, and its MVMs wait for the first vector. The port serves whole requests in FIFO
 * order, so a request finds, on average, the residual of the one in service: sum over the tile's other requests of
 * d^2 / (2 T) per image at interval T (each request d is in service a share d / T of the time, with d / 2 left on
 * average; the replica never finds its own request there). It pays that once for its own reads and once for the
 * write of the input piece it waits for (that write queues at the same port; not for off-chip input rows, which
 * arrive ahead of the first layers). compute + jobs * (first read + waits * residual), on the layer's worst tile.
 */
function portQueueCycles(
  l: ModelContext['layers'][number],
  computeCycles: number,
  replicas: number,
  tiles: readonly number[],
  accessesPerMvm: number,
  accessesPerCycle: number,
  times: TileTimes,
  interval: number,
  waits: number,
): number {
  if (interval <= 0 || computeCycles <= 0) return 0;
  const share = (l.outRows * l.outCols) / replicas;
  const jobs = rowJobsPerReplica(l.kind, l.outRows, l.outCols, share, replicas);
  const jobAccesses = (share / jobs) * accessesPerMvm;
  const own = jobs * jobAccesses * jobAccesses;
  const load = times.edram;
  const sq = times.edramSq;
  let others = 0;
  for (let k = 0; k < tiles.length; k++) {
    const t = tiles[k] as number;
    const busy = load[t] as number;
    // A port loaded beyond the interval paces the pipeline itself: its requests then share its own busy time.
    const w = ((sq[t] as number) - own) / (2 * (busy > interval ? busy : interval));
    if (w > others) others = w;
  }
  const wait = others / (accessesPerCycle * accessesPerCycle);
  return computeCycles + jobs * (Math.ceil(accessesPerMvm / accessesPerCycle) + waits * wait);
}

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
function stageTerms(
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
      stage.portQueueCycles = portQueueCycles(l, stage.computeCycles, r, tiles, accessesPerMvm, accessesPerCycle, times, best, waits);
      if (stage.portQueueCycles > best) (best = stage.portQueueCycles), (bound = 'port-queue');
    }
    stage.stageCycles = best;
    stage.boundBy = bound;
    stages.push(stage);
  }
  return stages;
}

/**
 * What the credit-loop term is computed from, given the stages' other terms: the interval they give (its link waits
 * need it), per-row and per-image work, and the link and eDRAM parameters. Fills ctx.stageRowCycles and
 * ctx.workCycles (valid until the next evaluation).
 */
/** A digital layer's reads of its inputs per image through its tile's eDRAM port, cycles (whole accesses per input). */
function ownReadCycles(ctx: ModelContext, l: LayerStatic, storedBits: Float64Array): number {
  let accesses = 0;
  for (let k = 0; k < l.dataInputs.length; k++) {
    accesses += edramAccesses(ctx.arch, (l.dataInputElements[k] ?? 0) * (storedBits[(l.dataInputs[k] ?? -1) + 1] ?? 0));
  }
  return accesses / ctx.arch.tile.edram.accessesPerCycle;
}

export function creditLoopArgs(
  ctx: ModelContext,
  placement: Placement,
  stages: readonly LayerStage[],
  storedBits: Float64Array,
): { inputs: CreditLoopInputs; params: TransitParams } {
  const arch = ctx.arch;
  let interval = 1;
  for (let i = 0; i < stages.length; i++) interval = Math.max(interval, (stages[i] as LayerStage).stageCycles);
  const input = ctx.net.network.input;
  const { stageRowCycles, workCycles } = ctx;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i] as LayerStage;
    stageRowCycles[s.index] = s.stageCycles / Math.max(1, ctx.layers[s.index]?.outRows ?? 1);
    // Its own digital ops (the tile's other users of the unit mostly work on other images meanwhile), and the whole
    // MAC array load of its group: an encoder's Q.K^T and A.V of the same image share the array in the loop.
    const l = ctx.layers[s.index];
    const own = l === undefined ? 0 : l.digitalOps / arch.tile.digital.opsPerCycle;
    // A digital layer's own reads of its inputs through its tile's port (rule 5; an encoder's A.V on the digital
    // unit reads V once per output row): DeiT-S's attn.context on PUMA reads for 700k cycles per image.
    const reads = l === undefined || l.role !== 'digital' ? 0 : ownReadCycles(ctx, l, storedBits);
    workCycles[s.index] = Math.max(s.computeCycles, s.portQueueCycles, own, s.attentionCycles, reads);
  }
  return {
    inputs: {
      storedBits,
      rowCycles: placement.rowCycles,
      stageRowCycles,
      workCycles,
      inputRowCycles: (input.width * input.channels * (storedBits[0] as number)) / offChipBitsPerCycle(arch),
      intervalCycles: interval,
    },
    params: {
      linkFlitsPerCycle: arch.noc.linkFlitsPerCycle,
      routerLatencyCycles: arch.noc.routerLatencyCycles,
      edramAccessesPerCycle: arch.tile.edram.accessesPerCycle,
      edramCapacityBits: arch.tile.edram.capacityKb * 8192,
    },
  };
}

/**
 * Adds the credit-loop term to each stored layer's stage (rule 7). Its link waits need the interval, so it
 * comes after the other terms, at the interval they give.
 */
function applyCreditLoop(ctx: ModelContext, placement: Placement, stages: LayerStage[], storedBits: Float64Array): void {
  const { inputs, params } = creditLoopArgs(ctx, placement, stages, storedBits);
  const bounds = creditLoopBounds(ctx.creditLoop, ctx.traffic, placement, ctx.readSlots, inputs, params);
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i] as LayerStage;
    const b = bounds[stage.index] ?? 0;
    if (b <= 0 || ctx.layers[stage.index]?.role === 'free') continue;
    stage.creditLoopCycles = b;
    if (b > stage.stageCycles) {
      stage.stageCycles = b;
      stage.boundBy = 'credit-loop';
    }
  }
}

/**
 * An evaluation's terms before the latency recurrence and the credit loop, which the plain references start from, at
 * the packing the model chooses (arch/packing-choice.ts).
 * NOTE: the traffic, tile times and stored bits are the context's scratch, valid until its next evaluation.
 */
export function planTerms(ctx: ModelContext, choices: PlanChoices) {
  return termsAt(ctx, choices, planMappings(ctx, choices), placePlan(ctx, choices));
}

function planMappings(ctx: ModelContext, choices: PlanChoices): LayerCrossbarMapping[] {
  return ctx.net.weightedIndices.map((_, pos) => cachedMapping(ctx, pos, bitsAt(choices.wbits, pos), bitsAt(choices.abits, pos)));
}

function termsAt(ctx: ModelContext, choices: PlanChoices, mappings: LayerCrossbarMapping[], placement: Placement) {
  const storedBits = fillStoredBits(ctx, placement.operandBits);
  const traffic = routeTraffic(ctx, placement, storedBits);
  const times = tileTimes(ctx, placement, mappings, choices, traffic, storedBits);
  const inputBits = ctx.net.network.input.channels * ctx.net.network.input.height * ctx.net.network.input.width * (storedBits[0] as number);
  const offChipCycles = inputBits / offChipBitsPerCycle(ctx.arch);
  const stages = stageTerms(ctx, placement, mappings, choices, traffic, times, offChipCycles);
  return { mappings, placement, storedBits, traffic, times, inputBits, stages };
}

/** The placement the chip runs a plan on (the model's choice among its packings), which the simulator plays out. */
export function placePlan(ctx: ModelContext, choices: PlanChoices): Placement {
  const ladder = packingLadder(ctx.arch, ctx.net, ctx.flow, planMappings(ctx, choices), choices.replicas, ctx.placement, choices.productBits);
  return ladder.length === 1 ? (ladder[0] as Placement) : evaluateModel(ctx, choices).placement;
}

/**
 * Full evaluation of one plan: stage times, throughput, single-image latency, area, energy, at the packing chosen
 * among its packings by these figures (arch/packing-choice.ts; one packing at or below the reference eDRAM). Throws MappingError when the plan does not fit the chip.
 */
export function evaluateModel(ctx: ModelContext, choices: PlanChoices): ModelResult {
  const mappings = planMappings(ctx, choices);
  const ladder = packingLadder(ctx.arch, ctx.net, ctx.flow, mappings, choices.replicas, ctx.placement, choices.productBits);
  return choosePacking(ladder, (placement) => evaluateAt(ctx, choices, mappings, placement), figuresOf);
}

function figuresOf(result: ModelResult): PackingFigures {
  return { intervalCycles: result.bottleneckCycles, latencyCycles: result.latencyCycles };
}

function evaluateAt(ctx: ModelContext, choices: PlanChoices, mappings: LayerCrossbarMapping[], placement: Placement): ModelResult {
  const arch = ctx.arch;
  const { storedBits, traffic, times, inputBits, stages } = termsAt(ctx, choices, mappings, placement);
  // The credit loop is a steady-state bound (its grants wait for frees of rows S back, of earlier images as much as
  // this one's), so a lone image's latency is paced by the other terms: with it, ResNet-50's baseline latency moved
  // from -0.2% to -0.5% of the simulated one in `lrmp validate`.
  const latencyCycles = rowLatencyCycles(ctx, placement, mappings, choices, stages, traffic, inputBits, storedBits);
  applyCreditLoop(ctx, placement, stages, storedBits);
  let bottleneck = stages[0];
  for (const s of stages) if (bottleneck === undefined || s.stageCycles > bottleneck.stageCycles) bottleneck = s;
  const bottleneckCycles = Math.max(1, bottleneck?.stageCycles ?? 1);
  const clockHz = arch.clockGHz * 1e9;
  const energy = energyPerImagePj(ctx, mappings, traffic, times.edramBits, inputBits, storedBits);
  return {
    layers: stages,
    mappings,
    placement,
    bottleneckCycles,
    bottleneckLayer: bottleneck?.name ?? '',
    throughputImagesPerS: clockHz / bottleneckCycles,
    latencyCycles,
    latencyS: latencyCycles / clockHz,
    tilesUsed: placement.tilesUsed,
    coresUsed: placement.coresUsed,
    crossbarsUsed: placement.crossbarsUsed,
    areaMm2: ctx.chipAreaFixedMm2 + ctx.tileAreaMm2 * placement.tilesUsed + productCrossbars(ctx, storedBits) * crossbarUnitAreaMm2(arch),
    energyPerImagePj: energy.total,
    energyBreakdownPj: energy,
  };
}

/** Crossbars rewritten per input (attention.unit = crossbar), outside the tiles' cores: their area adds to the chip's. */
function productCrossbars(ctx: ModelContext, storedBits: Float64Array): number {
  if (ctx.arch.attention.unit !== 'crossbar') return 0;
  let crossbars = 0;
  for (const l of ctx.layers) if (l.product) crossbars += productWorkOf(ctx, l, storedBits)?.crossbars ?? 0;
  return crossbars;
}
