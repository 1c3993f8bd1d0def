import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import { MappingError } from '../errors';
import { refuseBeyondChip } from './chip-cores';
import type { Dataflow } from './dataflow';
import { planPace, unpaceWindows, type PlanPace } from './pace';
import { newPlacementScratch, type PlacementScratch } from './tile-buffers';
import { packingLoadFloorCycles } from './placement-load';
import type { Placement } from './placement-types';
import { placeWithPace, type PackingLoad } from './pack-tiles';
import { copyForkHolds } from './fork-hold';

export { channelBits, channelSlots, newPlacementScratch, type PlacementScratch } from './tile-buffers';
export { meshSize, routerOfTile, routerXY } from './routing';

export type { LayerPlacement, Placement } from './placement-types';

/**
 * Placement rule (shared by the analytical model and the simulator):
 * - each weighted layer gets whole cores of its own (a core never mixes layers); its replicas fill
 *   ceil(crossbarsPerReplica * replicas / crossbarsPerCore) consecutive cores, layers in network order;
 * - tiles are filled core by core (a tile may hold cores of several layers); tile t hangs off router
 *   floor(t / concentration); routers form a row-major mesh ceil(sqrt(routers)) wide;
 * - a replica lives on the tile of its first crossbar; a digital layer runs on one tile: the first tile of
 *   the weighted layer that anchors it (arch/dataflow.ts; tile 0 for the network input) when its line buffers fit
 *   there, else the frontier tile (where the next layer starts), else a fresh tile; a fused activation runs on
 *   the tiles of the layer it is fused into;
 * - each tile's eDRAM holds the line buffers of the layers reading there: per stored producer, its readers' widest
 *   window plus one row (channelBits). A layer whose buffers do not fit the rest of a tile starts a fresh tile.
 *   The window of a reader whose inputs fork from a common ancestor grows with the plan's pace (arch/pace.ts).
 */

/**
 * Places replicas on cores and tiles (see the rule at the top of this file); `productBits`: the plan's own bits of
 * its products of two activations (PlanChoices.productBits), which set their operands' stored bits. A layer whose line buffers (its own
 * and those of the digital layers it anchors) do not fit in what is left of a tile's eDRAM starts on a fresh
 * tile; the cores it skips stay empty. Throws MappingError (saying by how much) when the network does not fit.
 * `pace`: the plan's planPace when the caller has it (packing-choice.ts: it does not depend on the eDRAM capacity). */
export function placeNetwork(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch = newPlacementScratch(net, flow),
  productBits?: readonly number[],
  pace?: PlanPace,
): Placement {
  return placementCandidates(arch, net, flow, mappings, replicas, scratch, productBits, pace)[0] as Placement;
}

/**
 * The packings placement offers at arch's eDRAM capacity: placeNetwork's (the least loaded busiest tile, by the load
 * estimate) first, then, when that is a load-aware packing that moved layers, the plain packing (by eDRAM space
 * alone). The estimate sees eDRAM ports and digital units, not the mesh: moving layers to later tiles can load a link
 * more than it unloads a port, so the analytical model's full figures choose between the two
 * (arch/packing-choice.ts). Without that, xformer ResNet-50's replicated plan on 63 tiles with a 2x faster ADC (its
 * compute interval halved to 224,000 cycles, below the plain packing's busiest port, 260,288) moved two layers,
 * took 58 tiles instead of 57 and ran 790,272 cycles per image, bound by the mesh link into layer1.1.conv3's and
 * layer1.2's tiles, against 451,584 for the plain packing the 1x chip runs (-42.9% throughput for a faster ADC).
 */
export function placementCandidates(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch = newPlacementScratch(net, flow),
  productBits?: readonly number[],
  pace?: PlanPace,
  walks?: WalkLogUse,
  skipCores?: readonly number[],
): Placement[] {
  refuseBeyondChip(arch, net, mappings, replicas);
  // A pace of its own rewrites the scratch's row times and fork holds, which the last ladder's pace shares.
  if (pace === undefined) lastLadder.delete(scratch);
  const plan = pace ?? planPace(arch, net, flow, mappings, replicas, scratch, productBits);
  const full = packAtCapacity(arch, net, flow, mappings, replicas, scratch, plan, walks, skipCores);
  // More eDRAM lets more layers share a tile, and the load estimate that keeps shared ports and digital units below
  // the pace is first-order: ISAAC with twice the eDRAM packed DeiT-S's attention onto fewer digital units (-14%).
  // So a chip with room to spread also packs as if its eDRAM were half, a quarter, ... (each packing fits the real
  // eDRAM too) and keeps the one whose busiest tile is least loaded, ties to the larger capacity. A chip with twice
  // the eDRAM sees every packing the smaller one saw, so its choice is never more loaded.
  // Only a packing whose busiest tile is above the compute-bound interval can be beaten (the loads compared are never
  // below it), and only with spare tiles: the optimizer's evaluations mostly skip this. Nor can one whose busiest
  // tile carries no more than the plan's floor (one layer's own load, which every packing puts on some tile: ViT-B/16's
  // fc1 with its GELU), so the smaller capacities are not packed then.
  let best = full;
  if (full.placement.tilesUsed < arch.chip.tiles && full.loadCycles > full.intervalCycles * (1 + PACKING_MARGIN)) {
    const floorCycles = packingLoadFloorCycles(arch, flow, mappings, replicas, scratch) * (1 - FLOOR_SLACK);
    for (let k = 1; k <= LOAD_CAPACITY_HALVINGS && floorCycles < best.loadCycles * (1 - PACKING_MARGIN); k++) {
      const capped = withEdramCapacityKb(arch, arch.tile.edram.capacityKb / 2 ** k);
      let candidate: Packing;
      try {
        candidate = packAtCapacity(capped, net, flow, mappings, replicas, scratch, plan, walks, skipCores);
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        break;
      }
      if (candidate.loadCycles < best.loadCycles * (1 - PACKING_MARGIN)) best = candidate;
    }
  }
  return best.other === undefined ? [best.placement] : [best.placement, best.other];
}

/**
 * `p` with copies of the arrays it shares with the placement scratch (rowCycles, forkHolds), so that it stays valid
 * after the scratch's next placement; into `into`'s arrays where they fit (a detached placement no longer needed).
 */
export function detachPlacement(p: Placement, into?: Placement): Placement {
  const rowCycles = into !== undefined && into.rowCycles.length === p.rowCycles.length ? into.rowCycles : new Float64Array(p.rowCycles.length);
  rowCycles.set(p.rowCycles);
  return { ...p, rowCycles, forkHolds: copyForkHolds(p.forkHolds, into?.forkHolds) };
}

/** Halvings of the eDRAM placeNetwork also packs at (by load; packing-choice.ts's ladder: by the model's figures). */
const LOAD_CAPACITY_HALVINGS = 3;

/** The chip as if its tiles had `capacityKb` of eDRAM: the packings placement compares at smaller capacities. */
export function withEdramCapacityKb(arch: ArchSpec, capacityKb: number): ArchSpec {
  return { ...arch, tile: { ...arch.tile, edram: { ...arch.tile.edram, capacityKb } } };
}
/** A packing of a smaller capacity must load its busiest tile this much less to be kept. */
const PACKING_MARGIN = 1e-3;
/** Rounding allowance of the floor (its terms are summed in another order than the packing's). */
const FLOOR_SLACK = 1e-9;

/** A packing and its busiest tile's estimated load (port or digital unit), never below the compute-bound interval. */
interface Packing {
  placement: Placement;
  loadCycles: number;
  intervalCycles: number;
  /** The plain packing at this capacity, when the load estimate kept a load-aware one that differs from it. */
  other?: Placement;
}

/** The packing at one eDRAM capacity (arch's): by space alone or load-aware, whichever loads its busiest tile less. */
function packAtCapacity(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch,
  plan: PlanPace,
  walks?: WalkLogUse,
  skipCores?: readonly number[],
): Packing {
  const pace: PlanPace = { ...plan, windowRows: plan.windowRows.slice() }; // windows of its own to shrink
  const walk = walker(arch, net, flow, mappings, replicas, scratch, walks, skipCores);
  const packing = (placement: Placement, load: PackingLoad): Packing => ({
    placement,
    loadCycles: Math.max(load.peakCycles, pace.intervalCycles),
    intervalCycles: pace.intervalCycles,
  });
  // Two packings: by eDRAM space alone, and load-aware (a layer does not join a tile whose eDRAM port or digital unit
  // it would push above the compute-bound interval). When load-awareness changed anything and fits the chip, the
  // packing whose busiest tile (port or digital unit, estimated) is less loaded wins; ties keep the plain one.
  // A load-aware packing that needs more tiles than the chip has tries again with the limit doubled (so a chip with
  // twice as fast ADCs, whose compute interval halves, still finds the packing the slower chip had).
  const aware: PackingLoad = { peakCycles: 0, deferred: 0, limitCycles: pace.intervalCycles };
  let loadAware: Placement | undefined;
  for (let k = 0; k < LOAD_LIMIT_DOUBLINGS && loadAware === undefined; k++, aware.limitCycles *= 2) {
    aware.deferred = 0;
    try {
      loadAware = walk(pace, true, aware);
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
    }
  }
  if (loadAware !== undefined && aware.deferred === 0) return packing(loadAware, aware);
  const plainLoad: PackingLoad = { peakCycles: 0, deferred: 0, limitCycles: Infinity };
  // Windows of its own (as the load-aware walks left them): both packings may be offered, each with its windows.
  const plainPace: PlanPace = { ...pace, windowRows: pace.windowRows.slice() };
  let plain: Placement;
  try {
    plain = walk(plainPace, false, plainLoad);
  } catch (error) {
    // Paced windows are what full pace wants: when the chip cannot hold them, the row-need windows are placed
    // instead and the model charges the slower pace those sustain (paceBoundCycles).
    if (!(error instanceof MappingError) || !unpaceWindows(plainPace, flow)) throw error;
    return packing(walk(plainPace, false, plainLoad), plainLoad);
  }
  // When the estimate keeps the load-aware packing, the plain one is offered too and the model's figures choose. Not
  // the other way round: the plain packing depends on neither the load figures nor the load limit (only on the
  // eDRAM and the line-buffer windows), so every chip that differs only in those has it on offer, and a faster
  // chip's choice is never slower than the packing by space it shares with a slower one. (A load-aware packing is not; offering it where the estimate rejects it made
  // xformer's ViT-B/16 and BERT-base baselines faster on their own chips, 171 tiles instead of 165 and 170 instead of
  // 164, and then 17.7% and 9.7% slower than that with 2x digital ops or a 2x ADC, whose load-aware walks differ.)
  if (loadAware === undefined || aware.peakCycles >= plainLoad.peakCycles) return packing(plain, plainLoad);
  return { ...packing(loadAware, aware), other: plain };
}

/** Load limits a load-aware packing tries (the compute interval, then doubled) before packing by space alone. */
const LOAD_LIMIT_DOUBLINGS = 4;

/**
 * One packing walk as packAtCapacity ran it (placeWithPace's inputs that vary within packAtCapacity, and all it
 * did): enough to play it again on a chip whose digital units are 2^k times slower without walking.
 */
interface WalkRecord {
  loadAware: boolean;
  limitCycles: number;
  placement: Placement | undefined;
  error: MappingError | undefined;
  /** Layers the walk deferred (added to the PackingLoad's count). */
  deferred: number;
  /** The walk's peak loads (undefined: it failed before it reached them). */
  portPeakCycles: number | undefined;
  digitalPeakCycles: number;
  joinedDigitalMaxCycles: number;
  refusedDigitalMinCycles: number;
  /** The pace's windows after the walk (it may have capped some). */
  windowsAfter: number[][];
}

/**
 * The walks placement made for one plan on one chip (packingLadder's, at the chip's digital speed), per eDRAM
 * capacity in the order packAtCapacity made them, with the plan's pace. reliefPackings places the same plan on the
 * chip with its digital units 1/2 and 1/4 as fast (ResNet-50's optimize: 7,365 of 16,222 walks, 28 of 2,161 calls
 * yielding a packing the ladder did not have). A walk reads the digital speed only through the digital loads it
 * checks against the load limit, and every digital load is a sum of ops / speed terms, so on the slower chip each is
 * exactly 2^k times the recorded one (a power of two scales a rounded quotient or sum exactly): when no load check
 * the walk made comes out otherwise at 2^k times its digital load, that chip's walk makes the same moves, places the
 * same layout and reaches the same windows, its peak loads the recorded ones with the digital peak times 2^k.
 */
export interface PackingLog {
  arch: ArchSpec;
  net: ResolvedNetwork;
  flow: Dataflow;
  mappings: readonly LayerCrossbarMapping[];
  replicas: readonly number[];
  productBits: readonly number[] | undefined;
  skipCores: readonly number[] | undefined;
  plan: PlanPace;
  walks: Map<number, WalkRecord[]>;
}

/** How placementCandidates uses a log: records into it, or replays from it at `scale` (a power of two >= 1). */
export interface WalkLogUse {
  log: PackingLog;
  mode: 'record' | 'replay';
  /** The log's digital speed over this chip's (replay). */
  scale: number;
}

/**
 * Per placement scratch, the last packingLadder's log (reliefPackings replays it when it is of its plan). Dropped
 * when a placement computes a pace of its own, which rewrites the row times and fork holds the log's pace shares.
 */
export const lastLadder = new WeakMap<PlacementScratch, PackingLog>();

export function newPackingLog(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  productBits: readonly number[] | undefined,
  plan: PlanPace,
  skipCores?: readonly number[],
): PackingLog {
  return { arch, net, flow, mappings: mappings.slice(), replicas: replicas.slice(), productBits: productBits?.slice(), skipCores: skipCores?.slice(), plan, walks: new Map() };
}

/** Whether `log` was made for this plan on `arch` (the same objects; the same numbers where they are copied). */
export function logMatches(
  log: PackingLog,
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  productBits: readonly number[] | undefined,
  skipCores?: readonly number[],
): boolean {
  if (log.arch !== arch || log.net !== net || log.flow !== flow) return false;
  if (!sameNumbers(log.skipCores, skipCores)) return false;
  if (log.mappings.length !== mappings.length || log.replicas.length !== replicas.length) return false;
  for (let i = 0; i < mappings.length; i++) if (log.mappings[i] !== mappings[i]) return false;
  for (let i = 0; i < replicas.length; i++) if (!Object.is(log.replicas[i], replicas[i])) return false;
  return sameNumbers(log.productBits, productBits);
}

/** Two optional number lists alike (both absent, or the same numbers). */
function sameNumbers(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Whether a recorded walk would make the same moves at `scale` times its digital loads (see PackingLog). */
function replays(rec: WalkRecord, loadAware: boolean, limitCycles: number, scale: number): boolean {
  if (rec.loadAware !== loadAware || !Object.is(rec.limitCycles, limitCycles)) return false;
  if (!loadAware) return true;
  return !(rec.joinedDigitalMaxCycles * scale > limitCycles) && rec.refusedDigitalMinCycles * scale > limitCycles;
}

/**
 * packAtCapacity's walks: placeWithPace, recorded into the log or played from it while every walk so far replays
 * (the first that does not, and all after it, walk: the state the played ones left is the walked one).
 */
function walker(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch,
  use: WalkLogUse | undefined,
  skipCores: readonly number[] | undefined,
): (pace: PlanPace, loadAware: boolean, load: PackingLoad) => Placement {
  const capacityKb = arch.tile.edram.capacityKb;
  let records: WalkRecord[] | undefined;
  let next = 0;
  if (use !== undefined && use.mode === 'replay') records = use.log.walks.get(capacityKb);
  else if (use !== undefined && !use.log.walks.has(capacityKb)) use.log.walks.set(capacityKb, (records = []));
  const recording = use !== undefined && use.mode === 'record' && records !== undefined;
  const scale = use?.scale ?? 1;
  return (pace, loadAware, load) => {
    if (!recording && records !== undefined) {
      const rec = records[next];
      if (rec !== undefined && replays(rec, loadAware, load.limitCycles, scale)) {
        next++;
        for (let k = 0; k < rec.windowsAfter.length; k++) pace.windowRows[k] = rec.windowsAfter[k] as number[];
        load.deferred += rec.deferred;
        if (rec.portPeakCycles !== undefined) load.peakCycles = Math.max(rec.portPeakCycles, rec.digitalPeakCycles * scale);
        if (rec.error !== undefined) throw rec.error;
        return rec.placement as Placement;
      }
      records = undefined;
    }
    const deferredBefore = load.deferred;
    let placement: Placement | undefined;
    let error: MappingError | undefined;
    try {
      placement = placeWithPace(arch, net, flow, mappings, replicas, pace, scratch, loadAware, load, skipCores);
      return placement;
    } catch (e) {
      if (e instanceof MappingError) error = e;
      throw e;
    } finally {
      if (recording && records !== undefined && (placement !== undefined || error !== undefined)) {
        records.push({
          loadAware,
          limitCycles: load.limitCycles,
          placement,
          error,
          deferred: load.deferred - deferredBefore,
          portPeakCycles: load.portPeakCycles,
          digitalPeakCycles: load.digitalPeakCycles ?? NaN,
          joinedDigitalMaxCycles: load.joinedDigitalMaxCycles ?? -Infinity,
          refusedDigitalMinCycles: load.refusedDigitalMinCycles ?? Infinity,
          windowsAfter: pace.windowRows.slice(),
        });
      }
    }
  };
}
