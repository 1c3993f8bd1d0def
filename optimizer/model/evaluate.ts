import { bitsAt, type PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { choosePacking, equallyFastPackings, NO_WORSE_SLACK, packingLadder, reliefPackings, type PackingFigures } from '../../arch/packing-choice';
import { offChipBitsPerCycle } from '../../arch/timing';
import { packingLoadFloorCycles } from '../../arch/placement-load';
import { cachedMapping, fillStoredBits, productWorkOf } from './context';
import type { LayerStage, ModelContext, ModelResult, StageBound } from './types';
import { bottleneckIndex, boundOf, stageList, STAGE, STAGE_WIDTH, withStageTable } from './stage-table';
import { crossbarUnitAreaMm2 } from '../../arch/area';
import { routeTraffic } from './traffic';
import { rowLatencyCycles } from './latency';
import { energyBreakdownPj, energyInputs } from './energy';
import type { EnergyBreakdownPj } from '../../arch/energy';
import { tileTimes } from './tile-times';
import { stageTerms } from './stages';
import { applyCreditLoop } from './credit-loop-args';

/**
 * An evaluation's terms before the latency recurrence and the credit loop, which the plain references start from, at
 * the packing the model chooses (arch/packing-choice.ts).
 * NOTE: the traffic, tile times and stored bits are the context's scratch, valid until its next evaluation. The
 * stages come as LayerStage objects (termsAt's table, stage-table.ts stageList).
 */
export function planTerms(ctx: ModelContext, choices: PlanChoices) {
  const terms = termsAt(ctx, choices, planMappings(ctx, choices), placePlan(ctx, choices));
  return { ...terms, stages: stageList(ctx, terms.stages) };
}

function planMappings(ctx: ModelContext, choices: PlanChoices): LayerCrossbarMapping[] {
  return ctx.net.weightedIndices.map((_, pos) => cachedMapping(ctx, pos, bitsAt(choices.wbits, pos), bitsAt(choices.abits, pos)));
}

/**
 * The model's stage terms of a plan at one placement (traffic, tile times, stage times; docs/hardware-model.md rules
 * 5-7), before the packing choice, the credit loop and the latency recurrence: shared with the layout search
 * (optimizer/layout/layout-terms.ts), which judges layouts by them.
 */
export function termsAt(ctx: ModelContext, choices: PlanChoices, mappings: LayerCrossbarMapping[], placement: Placement) {
  const storedBits = fillStoredBits(ctx, placement.operandBits);
  const traffic = routeTraffic(ctx, placement, storedBits);
  const times = tileTimes(ctx, placement, mappings, choices, traffic, storedBits);
  const inputBits = ctx.net.network.input.channels * ctx.net.network.input.height * ctx.net.network.input.width * (storedBits[0] as number);
  const offChipCycles = inputBits / offChipBitsPerCycle(ctx.arch);
  const stages = stageTerms(ctx, placement, mappings, choices, traffic, times, offChipCycles);
  return { mappings, placement, storedBits, traffic, times, inputBits, stages };
}

/**
 * The placement the chip runs a plan on (the model's choice among its packings), which the simulator plays out. Even
 * a one-packing ladder is evaluated: when a tile's shared resources hold it, a relief packing may be chosen.
 */
export function placePlan(ctx: ModelContext, choices: PlanChoices): Placement {
  return evaluateModelLatencyLater(ctx, choices).result.placement;
}

/**
 * Full evaluation of one plan: stage times, throughput, single-image latency, area, energy, at the packing chosen
 * among its packings by these figures (arch/packing-choice.ts; at or below the reference eDRAM one packing, or two
 * when a load-aware packing moved layers). Throws MappingError when the plan does not fit the chip.
 */
export function evaluateModel(ctx: ModelContext, choices: PlanChoices): ModelResult {
  // The same choice as choosePacking over every packing, but the latency recurrence runs only for the packings
  // whose interval ties the fastest (with two packings on offer it doubled a ViT-B/16 evaluation's cost).
  return evaluateModelLatencyLater(ctx, choices).withLatency();
}

/**
 * evaluateModel at a packing already chosen for the plan by an earlier evaluation (its placement, detached from the
 * placement scratch: arch/placement.ts detachPlacement): the same figures, without placing the plan again.
 */
export function evaluateModelAt(ctx: ModelContext, choices: PlanChoices, placement: Placement): ModelResult {
  return evaluateAt(ctx, choices, planMappings(ctx, choices), placement).withLatency();
}

/** An evaluation whose single-image latency is still to come (evaluateModelLatencyLater). */
export interface LatencyLater {
  /** The evaluation's figures; latencyCycles and latencyS are NaN until withLatency has run. */
  result: ModelResult;
  /**
   * Runs the latency recurrence into `result` and returns it (once; later calls return it as it is). NOTE: only
   * before the context's next evaluation: the recurrence reads this evaluation's scratch (traffic, stored bits,
   * tile times).
   */
  withLatency: () => ModelResult;
}

/**
 * evaluateModel for callers that judge a plan by its interval first (the throughput objective's replication passes,
 * which keep one of several plans): everything but the single-image latency, the recurrence left for withLatency.
 * The figures are evaluateModel's, bit for bit, once withLatency has run. A plan with more than one packing needs
 * the latency to choose among equally fast ones, so then it comes complete; when one packing is the fastest alone,
 * its latency is left for later too.
 */
export function evaluateModelLatencyLater(ctx: ModelContext, choices: PlanChoices): LatencyLater {
  const mappings = planMappings(ctx, choices);
  const ladder = packingLadder(ctx.arch, ctx.net, ctx.flow, mappings, choices.replicas, ctx.placement, choices.productBits, choices.skipCores);
  const chosen = fromLadder(ctx, choices, mappings, ladder);
  if (!heldByTile(ctx, choices, mappings, chosen.result)) return chosen;
  // The fastest packing is held by a tile's shared resources: the packings that relieve them are weighed too (up to
  // the first faster one no longer held by a tile), and the fastest kept when faster by more than NO_WORSE_SLACK
  // (arch/packing-choice.ts reliefPackings).
  let best: Placement | undefined;
  let bestCycles = chosen.result.bottleneckCycles * (1 - NO_WORSE_SLACK);
  let last: LatencyLater | undefined;
  for (const placement of reliefPackings(ctx.arch, ctx.net, ctx.flow, mappings, choices.replicas, ctx.placement, ladder, choices.productBits, choices.skipCores)) {
    last = evaluateAt(ctx, choices, mappings, placement);
    if (last.result.bottleneckCycles < bestCycles) {
      best = placement;
      bestCycles = last.result.bottleneckCycles;
    }
    // A faster packing no longer held by a tile: the tile's resources are relieved.
    if (best === placement && !heldByTile(ctx, choices, mappings, last.result)) break;
  }
  if (last === undefined) return chosen;
  if (best !== undefined) return best === last.result.placement ? last : evaluateAt(ctx, choices, mappings, best);
  // The ladder's choice again, so that the context's scratch holds it (the relief's evaluations took it), as complete
  // as it was.
  const again = evaluateAt(ctx, choices, mappings, chosen.result.placement);
  if (!Number.isNaN(chosen.result.latencyCycles)) again.withLatency();
  return again;
}

/** The ladder's chosen packing (chosenPacking), the latency recurrence left for later when one packing is fastest. */
function fromLadder(ctx: ModelContext, choices: PlanChoices, mappings: LayerCrossbarMapping[], ladder: readonly Placement[]): LatencyLater {
  if (ladder.length === 1) return evaluateAt(ctx, choices, mappings, ladder[0] as Placement);
  let last: LatencyLater | undefined;
  const intervals = ladder.map((placement) => {
    last = evaluateAt(ctx, choices, mappings, placement);
    return last.result.bottleneckCycles;
  });
  const tied = equallyFastPackings(intervals);
  if (tied.length === 1) {
    const k = tied[0] as number;
    return k === ladder.length - 1 ? (last as LatencyLater) : evaluateAt(ctx, choices, mappings, ladder[k] as Placement);
  }
  const result = choosePacking(
    tied.map((k) => ladder[k] as Placement),
    (placement) => evaluateAt(ctx, choices, mappings, placement).withLatency(),
    figuresOf,
  );
  return { result, withLatency: () => result };
}

/**
 * Bounds a packing that spreads layers over more tiles can relieve and placement's load estimate does not see (it
 * sums a tile's port and digital loads, arch/pack-tiles.ts): the credit loop (a row's slot held while it waits at a
 * shared port or digital unit) and the port's queue. A bound by a tile's own digital or port load is the estimate's
 * to avoid, and on the probe's plans it was structural (conv1 and the maxpool it anchors on tile 0's digital unit:
 * no packing relieved it, and weighing them cost 40% of the evaluation rate).
 */
const TILE_BOUNDS: ReadonlySet<StageBound> = new Set<StageBound>(['credit-loop', 'port-queue']);

/**
 * True when the plan's bottleneck stage is held by a tile's shared resources (TILE_BOUNDS) and above the load every
 * packing puts on some tile (arch/placement-load.ts packingLoadFloorCycles: one layer's own digital or port load,
 * which no packing relieves).
 */
function heldByTile(ctx: ModelContext, choices: PlanChoices, mappings: readonly LayerCrossbarMapping[], result: ModelResult): boolean {
  const bottleneck = bottleneckIndex(result.stageTable);
  if (bottleneck < 0 || !TILE_BOUNDS.has(boundOf(result.stageTable, bottleneck))) return false;
  const floorCycles = packingLoadFloorCycles(ctx.arch, ctx.flow, mappings, choices.replicas, ctx.placement);
  return (result.stageTable[bottleneck * STAGE_WIDTH + STAGE] as number) > floorCycles * (1 + NO_WORSE_SLACK);
}

function figuresOf(result: ModelResult): PackingFigures {
  return { intervalCycles: result.bottleneckCycles, latencyCycles: result.latencyCycles };
}

function evaluateAt(ctx: ModelContext, choices: PlanChoices, mappings: LayerCrossbarMapping[], placement: Placement): LatencyLater {
  const arch = ctx.arch;
  const { storedBits, traffic, times, inputBits, stages } = termsAt(ctx, choices, mappings, placement);
  // The latency recurrence reads the stages' terms but for the credit loop's (a steady-state bound: its grants wait
  // for frees of rows S back, of earlier images as much as this one's, so a lone image's latency is paced by the other
  // terms; with it, ResNet-50's baseline latency moved from -0.2% to -0.5% of the simulated one in `lrmp
  // validate`), and the credit loop and the energy read nothing the recurrence writes: it can run after them.
  applyCreditLoop(ctx, placement, stages, storedBits);
  const bottleneck = bottleneckIndex(stages);
  const bottleneckCycles = Math.max(1, bottleneck < 0 ? 1 : (stages[bottleneck * STAGE_WIDTH + STAGE] as number));
  const clockHz = arch.clockGHz * 1e9;
  const energyFrom = energyInputs(ctx, traffic, times.edramBits, inputBits, storedBits);
  let energy: EnergyBreakdownPj | undefined;
  let layers: LayerStage[] | undefined;
  const result = withStageTable({
    // Made when first read (stage-table.ts): replication reads the table.
    get layers(): LayerStage[] {
      return (layers ??= stageList(ctx, stages));
    },
    mappings,
    placement,
    bottleneckCycles,
    bottleneckLayer: bottleneck < 0 ? '' : (ctx.layers[bottleneck]?.name ?? ''),
    throughputImagesPerS: clockHz / bottleneckCycles,
    latencyCycles: NaN,
    latencyS: NaN,
    tilesUsed: placement.tilesUsed,
    coresUsed: placement.coresUsed,
    crossbarsUsed: placement.crossbarsUsed,
    areaMm2: ctx.chipAreaFixedMm2 + ctx.tileAreaMm2 * placement.tilesUsed + productCrossbars(ctx, storedBits) * crossbarUnitAreaMm2(arch),
    // Computed when first read (energy.ts EnergyInputs): the searches read no candidate's energy.
    get energyPerImagePj(): number {
      return (energy ??= energyBreakdownPj(ctx, mappings, energyFrom)).total;
    },
    get energyBreakdownPj(): EnergyBreakdownPj {
      return (energy ??= energyBreakdownPj(ctx, mappings, energyFrom));
    },
  }, stages);
  let done = false;
  const withLatency = (): ModelResult => {
    if (done) return result;
    done = true;
    const latencyCycles = rowLatencyCycles(ctx, placement, mappings, choices, result.layers, traffic, inputBits, storedBits);
    result.latencyCycles = latencyCycles;
    result.latencyS = latencyCycles / clockHz;
    return result;
  };
  return { result, withLatency };
}

/** Crossbars rewritten per input (attention.unit = crossbar), outside the tiles' cores: their area adds to the chip's. */
function productCrossbars(ctx: ModelContext, storedBits: Float64Array): number {
  if (ctx.arch.attention.unit !== 'crossbar') return 0;
  let crossbars = 0;
  for (const l of ctx.layers) if (l.product) crossbars += productWorkOf(ctx, l, storedBits)?.crossbars ?? 0;
  return crossbars;
}
