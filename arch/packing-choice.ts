import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import type { Dataflow } from './dataflow';
import { MappingError } from '../errors';
import { lastLadder, logMatches, newPackingLog, placementCandidates, withEdramCapacityKb, type Placement } from './placement';
import type { PlacementScratch } from './tile-buffers';
import { planPace } from './pace';
import { refuseBeyondChip } from './chip-cores';

/**
 * Which packing of a plan the chip runs (docs/hardware-model.md rule 1, "Packings compared"). More eDRAM lets more
 * layers share a tile, and a shared tile's port and digital unit can then slow the plan or lengthen its latency:
 * ISAAC AlexNet's baseline with 2x eDRAM, +2.2% latency at the same throughput. So on a chip whose eDRAM is larger than
 * its reference capacity (tile.edram.costCapacityKb, the capacity its eDRAM figures are quoted at: 64 KB on ISAAC and
 * PUMA, so xformer's 512 KB is above it), placement packs the plan at the chip's eDRAM and as if it had 1/2, 1/4, ...
 * of it down to the reference (each fits the real eDRAM too), and the model's figures choose: the fastest packing,
 * and among equally fast ones the shortest latency. A chip with twice the eDRAM has the very packings the smaller chip
 * chose among plus its own densest, so from the reference capacity up more eDRAM never makes a plan slower, and never
 * lengthens its latency unless a denser packing is faster (ISAAC ResNet-50's replicated plan with 2x eDRAM: +59%
 * throughput, -13.1% latency in the model, -20.2% simulated, `npm run metamorphic`; before the lone-image recurrence
 * charged channel credits the model put it at +1.9% latency, a trade). Packings whose windows the smaller eDRAM capped are not on the ladder, so
 * that chip's own packing can be missing from the larger chip's (that ResNet-50 plan's, at 64 KB).
 * At each capacity the ladder holds the packings placement offers there (placementCandidates): its load rule's
 * choice, then, when that is a load-aware packing that moved layers, the plain packing, since the load estimate does
 * not see the mesh links (xformer ResNet-50's replicated plan on 63 tiles with a 2x faster ADC: the
 * load-aware packing, 58 tiles, ran 42.9% slower than the plain one, bound by a mesh link). So at or below the
 * reference capacity the ladder is one packing, or two when a load-aware packing moved layers.
 */

/** Most halvings of the chip's eDRAM the ladder takes (a chip 1024 times its reference capacity). */
export const LADDER_CAPACITY_HALVINGS = 10;
/**
 * Relative differences in interval or latency the choice ignores: packings that differ by rounding alone keep the
 * denser (fewer tiles); a chip with more eDRAM ends at most this much slower than a smaller one (the metamorphic
 * suite allows 0.5%).
 */
export const NO_WORSE_SLACK = 1e-3;

/** A packing's figures in the analytical model, by which packings are compared. */
export interface PackingFigures {
  /** The image interval (bottleneck stage), cycles. */
  intervalCycles: number;
  /** One image's latency, cycles. */
  latencyCycles: number;
}

/**
 * The rule, over a ladder's figures (densest first): the fastest packing (shortest interval), and among those within
 * NO_WORSE_SLACK of it the one with the shortest latency (by more than NO_WORSE_SLACK; ties to the denser). Returns
 * its index.
 */
export function chosenPacking(figures: readonly PackingFigures[]): number {
  let chosen = -1;
  for (const k of equallyFastPackings(figures.map((f) => f.intervalCycles))) {
    const f = figures[k] as PackingFigures;
    if (chosen < 0 || f.latencyCycles < (figures[chosen] as PackingFigures).latencyCycles * (1 - NO_WORSE_SLACK)) chosen = k;
  }
  return chosen;
}

/**
 * The packings chosenPacking weighs by latency: those whose interval is within NO_WORSE_SLACK of the fastest. When
 * that is one packing, it is chosen whatever the latencies (so a caller judging by interval may leave them out).
 */
export function equallyFastPackings(intervalCycles: readonly number[]): number[] {
  const fastest = Math.min(...intervalCycles);
  const tied: number[] = [];
  for (let k = 0; k < intervalCycles.length; k++) if ((intervalCycles[k] as number) <= fastest * (1 + NO_WORSE_SLACK)) tied.push(k);
  return tied;
}

/**
 * The eDRAM capacities a plan is packed at, KB: the chip's own, then halved while it stays at or above the reference
 * capacity (tile.edram.costCapacityKb). One entry when the chip's eDRAM is not above the reference.
 */
export function ladderCapacitiesKb(arch: ArchSpec): number[] {
  const { capacityKb, costCapacityKb } = arch.tile.edram;
  const capacities = [capacityKb];
  for (let k = 1; k <= LADDER_CAPACITY_HALVINGS && capacityKb / 2 ** k >= costCapacityKb * (1 - 1e-9); k++) capacities.push(capacityKb / 2 ** k);
  return capacities;
}

/**
 * The packings of a plan, densest (placement's own choice at the chip's eDRAM) first: at the chip's eDRAM, then at
 * each smaller capacity of ladderCapacitiesKb while the packing fits the chip, the packings placement offers there
 * (placementCandidates, its load rule's choice first). NOTE: the placements share one planPace and the scratch's
 * rowCycles and forkHolds, which do not depend on the capacity or the packing. Throws MappingError when the densest
 * does not fit.
 */
export function packingLadder(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch,
  productBits?: readonly number[],
  skipCores?: readonly number[],
): Placement[] {
  const capacities = ladderCapacitiesKb(arch);
  // As placeNetwork does, a plan far beyond the chip is refused before any packing work.
  refuseBeyondChip(arch, net, mappings, replicas);
  const pace = planPace(arch, net, flow, mappings, replicas, scratch, productBits);
  // The walks are kept for reliefPackings of the same plan (placement.ts PackingLog).
  const log = newPackingLog(arch, net, flow, mappings, replicas, productBits, pace, skipCores);
  lastLadder.set(scratch, log);
  const walks = { log, mode: 'record' as const, scale: 1 };
  const offered = placementCandidates(arch, net, flow, mappings, replicas, scratch, productBits, pace, walks, skipCores);
  const densest = offered[0] as Placement;
  const ladder = [densest];
  // Only packings of the same line-buffer windows: one whose windows the smaller eDRAM capped runs at another pace
  // (xformer's DeiT-Tiny baseline packed at 128 KB: 1.7% faster in the model, simulated 17.6% below it).
  for (let k = 1; k < offered.length; k++) if (sameWindows(offered[k] as Placement, densest)) ladder.push(offered[k] as Placement);
  for (let k = 1; k < capacities.length; k++) {
    const capped = withEdramCapacityKb(arch, capacities[k] as number);
    let placements: Placement[];
    try {
      placements = placementCandidates(capped, net, flow, mappings, replicas, scratch, productBits, pace, walks, skipCores);
    } catch (error) {
      // A sparser packing that does not fit the chip: the smaller capacities give sparser ones still.
      if (!(error instanceof MappingError)) throw error;
      break;
    }
    for (const placement of placements) if (sameWindows(placement, densest)) ladder.push(placement);
  }
  return ladder;
}

/**
 * Packings that relieve a shared tile resource (docs/hardware-model.md rule 1, "Relief packings"): placement's
 * packings for the chip as if its tiles' digital units were 1/2, 1/4 as fast (RELIEF_HALVINGS; so the
 * load-aware walk moves the layers a tile's load would move on that slower chip), in that order, each yielded once
 * when it differs from every packing of `ladder` and of those yielded before and shares the ladder's line-buffer
 * windows. So a chip with 2x digital ops has the packing the 1x chip chose by load (ISAAC ResNet-18, seeded random
 * plans: the 1x chip compute-bound after its walk moved a layer, the 2x chip's walk moving nothing and its plain
 * packing held by the credit loop, up to 20.6% slower). Lazy: the model weighs them only when the ladder's fastest
 * packing is held by a credit loop or a port queue, and stops at the first faster one that is not
 * (optimizer/model/evaluate.ts).
 */
export function* reliefPackings(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch,
  ladder: readonly Placement[],
  productBits?: readonly number[],
  skipCores?: readonly number[],
): Generator<Placement, void, undefined> {
  // The ladder's walks of this plan, when they were the last on this scratch: its pace (the same figures; planPace
  // rewrites the scratch's row times and fork holds with the same values) and its walks to replay.
  const kept = lastLadder.get(scratch);
  const log = kept !== undefined && logMatches(kept, arch, net, flow, mappings, replicas, productBits, skipCores) ? kept : undefined;
  if (log === undefined) lastLadder.delete(scratch);
  const pace = log?.plan ?? planPace(arch, net, flow, mappings, replicas, scratch, productBits);
  const densest = ladder[0] as Placement;
  const relief: Placement[] = [];
  const { digital } = arch.tile;
  for (let k = 1; k <= RELIEF_HALVINGS; k++) {
    const chip: ArchSpec = { ...arch, tile: { ...arch.tile, digital: { ...digital, opsPerCycle: digital.opsPerCycle / 2 ** k } } };
    const scale = digital.opsPerCycle / chip.tile.digital.opsPerCycle;
    const walks = log !== undefined && scale === 2 ** k && chip.tile.digital.opsPerCycle * scale === digital.opsPerCycle ? { log, mode: 'replay' as const, scale } : undefined;
    let placements: Placement[];
    try {
      placements = placementCandidates(chip, net, flow, mappings, replicas, scratch, productBits, pace, walks, skipCores);
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      continue;
    }
    for (const p of placements) {
      if (!sameWindows(p, densest) || ladder.some((q) => sameLayout(p, q)) || relief.some((q) => sameLayout(p, q))) continue;
      relief.push(p);
      yield p;
    }
  }
}

/**
 * Halvings of the digital units' speed reliefPackings places at (1/2, 1/4): the 2x chip's 1/4 is the 1x chip's 1/2,
 * so a chip with twice the digital ops has every packing the 1x chip weighs. Measured (lead, session 13): four
 * halvings of the digital units and of the eDRAM ports (s63's first rule) made `optimize_resnet50_600ep_wall_s`
 * 3.96 -> 7.0 s (the relief placements 3.0 s of 7.75 s CPU); one halving of the digital units alone 4.14 s but
 * 1 of 1000 random ISAAC ResNet-18 plans slower with 2x digital ops (+2.67%); two halvings 4.39 s and 0 of 1000
 * (digital, ports, eDRAM, ADC relations: 0 violations on 300 plans each).
 */
export const RELIEF_HALVINGS = 2;

/** Same cores and tiles for every layer. */
function sameLayout(a: Placement, b: Placement): boolean {
  if (a.tilesUsed !== b.tilesUsed || a.weighted.length !== b.weighted.length) return false;
  for (let i = 0; i < a.weighted.length; i++) if (a.weighted[i]?.firstCore !== b.weighted[i]?.firstCore) return false;
  return sameRows(a.layerTiles, b.layerTiles, a.layerTiles.length);
}

function sameWindows(a: Placement, b: Placement): boolean {
  return a.windowRows.length === b.windowRows.length && sameRows(a.windowRows, b.windowRows, a.windowRows.length);
}

/** Whether the first `count` rows of two tables (a missing row counts as empty) hold the same numbers. */
function sameRows(a: readonly (readonly number[] | undefined)[], b: readonly (readonly number[] | undefined)[], count: number): boolean {
  for (let i = 0; i < count; i++) {
    const x = a[i] ?? [];
    const y = b[i] ?? [];
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

/**
 * Evaluates a ladder (densest first) and returns the chosen packing's result (chosenPacking). The chosen packing is
 * the last one evaluated (evaluated again after the others unless it came last), so whatever scratch the evaluation
 * leaves holds it.
 */
export function choosePacking<R>(ladder: readonly Placement[], evaluate: (placement: Placement) => R, figures: (result: R) => PackingFigures): R {
  if (ladder.length === 1) return evaluate(ladder[0] as Placement);
  let last: R | undefined;
  const chosen = chosenPacking(
    ladder.map((p) => {
      last = evaluate(p);
      return figures(last);
    }),
  );
  return chosen === ladder.length - 1 ? (last as R) : evaluate(ladder[chosen] as Placement);
}
