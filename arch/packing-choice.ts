import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import type { Dataflow } from './dataflow';
import { MappingError } from '../errors';
import { placeNetwork, withEdramCapacityKb, type Placement } from './placement';
import type { PlacementScratch } from './tile-buffers';
import { planPace } from './pace';
import { refuseBeyondChip } from './chip-cores';

/**
 * Which packing of a plan the chip runs (docs/hardware-model.md rule 1, "Packings compared"). More eDRAM lets more
 * layers share a tile, and a shared tile's port and digital unit can then slow the plan or lengthen its latency:
 * ISAAC AlexNet's baseline with 2x eDRAM, +2.2% latency at the same throughput. So on a chip whose eDRAM is larger than
 * its reference capacity (tile.edram.costCapacityKb, the capacity its eDRAM figures are quoted at: 64 KB on ISAAC and
 * PUMA, so xformer's 512 KB is above it), placement packs the plan at the chip's eDRAM and as if it had 1/2, 1/4, ...
 * of it down to the reference (each fits the real eDRAM too), and the model's figures choose, from the reference
 * packing up: a denser packing replaces the one chosen so far only if it is faster (a shorter interval), or as fast
 * and shorter in latency by more than the model resolves between packings (PACKED_LATENCY_MARGIN); ties stay with
 * the sparser. A chip with twice the eDRAM has the very packings the smaller chip chose among plus its own densest,
 * so it keeps the smaller chip's choice unless its densest is faster, or shorter by more than the margin: from the
 * reference capacity up more eDRAM never makes a plan slower, and never lengthens its latency unless a denser
 * packing is faster (ISAAC ResNet-50's replicated plan with 2x eDRAM: +59% throughput, +1.9% latency, measured by
 * `npm run metamorphic`: kept, a trade of latency for throughput a user can see, listed in
 * scripts/metamorphic/suite.ts TRADES).
 * At or below the reference the ladder is the one packing placeNetwork gives (its own load rule), so plans on ISAAC's
 * and PUMA's own chips are placed as before.
 */

/** Most halvings of the chip's eDRAM the ladder takes (a chip 1024 times its reference capacity). */
export const LADDER_CAPACITY_HALVINGS = 10;
/**
 * Relative differences in interval the choice ignores: packings that differ by rounding alone keep the sparser (the
 * smaller chip's choice); a chip with more eDRAM ends at most this much slower than a smaller one (the metamorphic
 * suite allows 0.5%).
 */
export const NO_WORSE_SLACK = 1e-3;

/**
 * The latency gain, relative, by which a denser packing of equal interval must beat the sparser one to be chosen:
 * what the model can resolve between two packings of one plan. Measured (docs/validation.md, "Packing choice: the
 * latency margin"): over the zoo CNNs' packing ladders on ISAAC and PUMA at 2x and 4x eDRAM and on xformer, the
 * simulator's latency ratio of a denser packing to a sparser one differed from the model's by up to 6.35% (PUMA
 * ResNet-18 replication-only, 24 vs 25 tiles at 128 KB: model -0.27%, simulated +6.06%: conv1's 12 replicas' bursts
 * at tile 0's shared port, which the model's one-request residual does not see), next 2.46% and 1.84% (ISAAC VGG-16
 * replicated, ResNet-50 baseline). Set above every measured miss: a gain beyond it exceeds what the model was seen to
 * get wrong (a bound from the zoo's measurements, not a proof).
 */
export const PACKED_LATENCY_MARGIN = 0.065;

/** A packing's figures in the analytical model, by which packings are compared. */
export interface PackingFigures {
  /** The image interval (bottleneck stage), cycles. */
  intervalCycles: number;
  /** One image's latency, cycles. */
  latencyCycles: number;
}

/**
 * The rule, over a ladder's figures (densest first): from the sparsest up, a denser packing replaces the one chosen
 * so far if its interval is shorter by more than NO_WORSE_SLACK, or if it is within NO_WORSE_SLACK of it and its
 * latency is shorter by more than PACKED_LATENCY_MARGIN. Returns its index. Sparsest first, so the choice over a
 * ladder's tail (the smaller chip's ladder) is kept unless the head beats it.
 */
export function chosenPacking(figures: readonly PackingFigures[]): number {
  let chosen = figures.length - 1;
  for (let k = figures.length - 2; k >= 0; k--) {
    const f = figures[k] as PackingFigures;
    const c = figures[chosen] as PackingFigures;
    const faster = f.intervalCycles < c.intervalCycles * (1 - NO_WORSE_SLACK);
    const asFast = f.intervalCycles <= c.intervalCycles * (1 + NO_WORSE_SLACK);
    if (faster || (asFast && f.latencyCycles < c.latencyCycles * (1 - PACKED_LATENCY_MARGIN))) chosen = k;
  }
  return chosen;
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
 * The packings of a plan, densest (placeNetwork's at the chip's own eDRAM) first, then at each smaller capacity of
 * ladderCapacitiesKb while the packing fits the chip. NOTE: the placements share one planPace and the scratch's rowCycles
 * and forkHolds, which do not depend on the capacity. Throws MappingError when the densest does not fit.
 */
export function packingLadder(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch,
  productBits?: readonly number[],
): Placement[] {
  const capacities = ladderCapacitiesKb(arch);
  // As placeNetwork does, a plan far beyond the chip is refused before any packing work.
  refuseBeyondChip(arch, net, mappings, replicas);
  const pace = planPace(arch, net, flow, mappings, replicas, scratch, productBits);
  const densest = placeNetwork(arch, net, flow, mappings, replicas, scratch, productBits, pace);
  const ladder = [densest];
  for (let k = 1; k < capacities.length; k++) {
    const capped = withEdramCapacityKb(arch, capacities[k] as number);
    let placement: Placement;
    try {
      placement = placeNetwork(capped, net, flow, mappings, replicas, scratch, productBits, pace);
    } catch (error) {
      // A sparser packing that does not fit the chip: the smaller capacities give sparser ones still.
      if (!(error instanceof MappingError)) throw error;
      break;
    }
    // Only packings of the same line-buffer windows: one whose windows the smaller eDRAM capped runs at another pace
    // (xformer's DeiT-Tiny baseline packed at 128 KB: 1.7% faster in the model, simulated 17.6% below it).
    if (sameWindows(placement, densest)) ladder.push(placement);
  }
  return ladder;
}

function sameWindows(a: Placement, b: Placement): boolean {
  if (a.windowRows.length !== b.windowRows.length) return false;
  for (let i = 0; i < a.windowRows.length; i++) {
    const x = a.windowRows[i] ?? [];
    const y = b.windowRows[i] ?? [];
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

/**
 * Evaluates a ladder (densest first) and returns the chosen packing's result (chosenPacking). The chosen packing is
 * the last one evaluated (evaluated again after the others), so whatever scratch the evaluation leaves holds it.
 */
export function choosePacking<R>(ladder: readonly Placement[], evaluate: (placement: Placement) => R, figures: (result: R) => PackingFigures): R {
  if (ladder.length === 1) return evaluate(ladder[0] as Placement);
  const chosen = chosenPacking(ladder.map((p) => figures(evaluate(p))));
  return evaluate(ladder[chosen] as Placement);
}
