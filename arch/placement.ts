import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import { MappingError } from '../errors';
import { layerCores, refuseBeyondChip, tilesForCores } from './chip-cores';
import { dataflowCosts, type Dataflow } from './dataflow';
import { digitalPortAccesses } from './digital-port-load';
import { paceBoundsCycles, planPace, shrinkPacedWindowsUntil, unpaceWindows, type PlanPace } from './pace';
import { newPlacementScratch, TileBuffers, type PlacementScratch } from './tile-buffers';
import { ensureLoadTiles, packingLoadFloorCycles, portAccesses } from './placement-load';
import { meshSize } from './routing';
import { forkSpareRows, ownPathSpareRows, type ForkHoldScratch } from './fork-hold';
import { InputTileLayers } from './input-tile';

export { channelBits, channelSlots, newPlacementScratch, type PlacementScratch } from './tile-buffers';
export { meshSize, routerOfTile, routerXY } from './routing';

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
export interface LayerPlacement {
  /** Index into ResolvedNetwork.layers. */
  layerIndex: number;
  replicas: number;
  firstCore: number;
  cores: number;
  /** Tile of each replica. */
  replicaTiles: number[];
  /** Distinct tiles hosting the layer, ascending. */
  tiles: number[];
}

export interface Placement {
  /** Per weighted layer, in weightedIndices order. */
  weighted: LayerPlacement[];
  /** Distinct tiles that compute each network layer (digital and fused layers: their anchor's; free: none). */
  layerTiles: number[][];
  coresUsed: number;
  tilesUsed: number;
  crossbarsUsed: number;
  meshWidth: number;
  meshHeight: number;
  /** Rows each layer holds of each of its data inputs (arch/pace.ts), by layer index; empty for unstored layers. */
  windowRows: ReadonlyArray<readonly number[]>;
  /**
   * Per layer index, the shortest image interval at which its granted windows keep pace with its forked inputs
   * (0 for most layers; above the compute estimate only where a window was capped to fit a tile).
   */
  paceBoundCycles: Float64Array;
  /**
   * Per layer index, its time for one output row at this plan (arch/pace.ts PlanPace.rowCycles), which the windows
   * were sized from. NOTE: the array of the placement scratch passed in, valid until its next placement.
   */
  rowCycles: Float64Array;
  /**
   * The forked inputs' waits for their readers' other inputs at this plan (arch/fork-hold.ts): rule 1's hold, which the
   * windows, the line-buffer pace term and the credit loop's fork terms read. NOTE: the placement scratch's, like rowCycles.
   */
  forkHolds: ForkHoldScratch;
  /**
   * Per forked input, indexed as forkHolds.skewRows: rows of it the spare eDRAM of its own path's tiles holds when it
   * is sent late (arch/fork-hold.ts ownPathSpareRows; this placement's, unlike the scratch's forkHolds).
   */
  ownSpareRows: Float64Array;
  /** Tiles' worth of eDRAM each used tile holds buffers in: 1, k when it borrows the next tiles', 0 when it lends. */
  edramShares: number[];
  /** The plan's operand-bits array (arch/dataflow.ts operandBits: abits per weighted layer, then per product). */
  operandBits: readonly number[];
}

/** Most tiles one layer's line buffers may borrow eDRAM from before the placement gives up. */
const MAX_LENT_TILES = 16;

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
  refuseBeyondChip(arch, net, mappings, replicas);
  const plan = pace ?? planPace(arch, net, flow, mappings, replicas, scratch, productBits);
  const full = packAtCapacity(arch, net, flow, mappings, replicas, scratch, plan);
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
    const floorCycles = packingLoadFloorCycles(arch, net, flow, mappings, replicas, scratch) * (1 - FLOOR_SLACK);
    for (let k = 1; k <= LOAD_CAPACITY_HALVINGS && floorCycles < best.loadCycles * (1 - PACKING_MARGIN); k++) {
      const capped = withEdramCapacityKb(arch, arch.tile.edram.capacityKb / 2 ** k);
      let candidate: Packing;
      try {
        candidate = packAtCapacity(capped, net, flow, mappings, replicas, scratch, plan);
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        break;
      }
      if (candidate.loadCycles < best.loadCycles * (1 - PACKING_MARGIN)) best = candidate;
    }
  }
  return best.placement;
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
): Packing {
  const pace: PlanPace = { ...plan, windowRows: plan.windowRows.slice() }; // windows of its own to shrink
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
      loadAware = placeWithPace(arch, net, flow, mappings, replicas, pace, scratch, true, aware);
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
    }
  }
  if (loadAware !== undefined && aware.deferred === 0) return packing(loadAware, aware);
  const plainLoad: PackingLoad = { peakCycles: 0, deferred: 0, limitCycles: Infinity };
  let plain: Placement;
  try {
    plain = placeWithPace(arch, net, flow, mappings, replicas, pace, scratch, false, plainLoad);
  } catch (error) {
    // Paced windows are what full pace wants: when the chip cannot hold them, the row-need windows are placed
    // instead and the model charges the slower pace those sustain (paceBoundCycles).
    if (!(error instanceof MappingError) || !unpaceWindows(pace, flow)) throw error;
    return packing(placeWithPace(arch, net, flow, mappings, replicas, pace, scratch, false, plainLoad), plainLoad);
  }
  return loadAware !== undefined && aware.peakCycles < plainLoad.peakCycles ? packing(loadAware, aware) : packing(plain, plainLoad);
}

/** What a packing did, for comparing two: its busiest tile's estimated load and the layers it moved on. */
interface PackingLoad {
  /** Largest per-image cycles any tile's eDRAM port or digital unit carries (first-order estimate). */
  peakCycles: number;
  /** Layers moved to a later tile for load alone. */
  deferred: number;
  /** Load a shared tile may take (load-aware packing). */
  limitCycles: number;
}

/** Load limits a load-aware packing tries (the compute interval, then doubled) before packing by space alone. */
const LOAD_LIMIT_DOUBLINGS = 4;

/** Ascending tiles first..last (empty when last < first). */
function tileRange(first: number, last: number): number[] {
  const tiles: number[] = [];
  for (let t = first; t <= last; t++) tiles.push(t);
  return tiles;
}

/**
 * NOTE: shared by every placement of a free layer (they compute nowhere), as ModelContext.freeStages are: one
 * frozen empty list instead of one new array per free layer per evaluation.
 */
const NO_TILES = Object.freeze([]) as unknown as number[];

function placeWithPace(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  pace: PlanPace,
  scratch: PlacementScratch,
  loadAware: boolean,
  load: PackingLoad,
): Placement {
  const xbarsPerCore = arch.core.crossbars;
  /**
   * Load-aware packing: a layer does not join a tile that already holds others when that would put the tile's eDRAM
   * port or digital unit above the plan's compute-bound interval (pace.intervalCycles, a lower bound of the real
   * one). Without it, more eDRAM let placement pack more layers per tile until a shared port or digital unit set
   * the pace: ResNet-18's replicated plan on ISAAC lost 18% throughput with twice the eDRAM, MobileNetV2's 38%.
   */
  // NOTE: written for speed: per-tile loads in reused scratch arrays (zeroed here, grown by ensureLoadTiles).
  scratch.portLoad.fill(0);
  scratch.digitalLoad.fill(0);
  let loadTiles = 0;
  const limit = load.limitCycles;
  // Fused activations run on their producer's tiles (rule 5), a recurrent layer's cell on its own output path (rule
  // 3): their ops load those tiles' digital units.
  const fusedOps = scratch.fusedOps;
  const opsRate = arch.tile.digital.opsPerCycle;
  const costs = dataflowCosts(arch);
  const coresPerTile = arch.tile.cores;
  const accessesPerCycle = arch.tile.edram.accessesPerCycle;
  const capacityBits = arch.tile.edram.capacityKb * 1024 * 8;
  const buffers = new TileBuffers(capacityBits, scratch, pace.operandBits, pace.windowRows);
  /** Tile holding `core` (the frontier where the next layer would start). */
  const tileOfCore = (core: number): number => Math.floor(core / coresPerTile);
  const digitalHost = scratch.digitalHost;
  digitalHost.fill(0);
  const inputTile = new InputTileLayers(flow, net.layers.length);
  let lastDigitalTile = -1;
  let nextCore = 0;
  /** The first of three candidate tiles where digital layer `d`'s buffers fit, or -1. */
  const firstFitting = (d: number, a: number, b: number, c: number): number => {
    if (buffers.fits(d, a, a)) return a;
    if (buffers.fits(d, b, b)) return b;
    return buffers.fits(d, c, c) ? c : -1;
  };
  /**
   * Hosts the digital layers anchored at a layer: on `preferred` (the anchor's first tile) when their line
   * buffers fit, else on the frontier tile, else on a fresh tile (the cores skipped stay empty).
   */
  const placeDigital = (anchor: number, preferred: number): void => {
    for (const d of flow.anchoredDigital[anchor + 1] ?? []) {
      const name = net.layers[d]?.layer.name ?? String(d);
      const frontier = tileOfCore(nextCore);
      const fresh = tileOfCore(Math.ceil(nextCore / coresPerTile) * coresPerTile);
      const [a, b, c] = inputTile.candidates(d, preferred, frontier, fresh);
      let host = firstFitting(d, a, b, c);
      // A paced window that fits no tile is capped (the model then charges the slower pace).
      if (host < 0 && shrinkPacedWindowsUntil(pace, flow, d, () => firstFitting(d, a, b, c) >= 0)) host = firstFitting(d, a, b, c);
      if (host < 0) {
        // Even a fresh tile is too small (an SE block holds a whole tensor): borrow the following tiles' eDRAM.
        host = spill(name, d, freshTileFrom(fresh));
      } else if (host === fresh && host !== frontier) nextCore = host * coresPerTile;
      buffers.commit(d, host, host);
      ensureLoadTiles(scratch, host);
      loadTiles = Math.max(loadTiles, host + 1);
      scratch.digitalLoad[host] = (scratch.digitalLoad[host] as number) + ((flow.layers[d]?.digitalOps ?? 0) + (fusedOps[d] as number)) / opsRate;
      scratch.portLoad[host] = (scratch.portLoad[host] as number) + digitalPortAccesses(arch, net, flow, d, pace.operandBits, costs) / arch.tile.edram.accessesPerCycle;
      digitalHost[d] = host;
      inputTile.placed(d, host);
      if (host > lastDigitalTile) lastDigitalTile = host;
    }
  };
  const bufferError = (name: string, worst: number): MappingError => {
    return new MappingError(
      `layer '${name}' of '${net.network.name}' needs ${(worst / 8192).toFixed(1)} KB of line buffers on one tile, ` +
        `more than a tile's ${arch.tile.edram.capacityKb} KB eDRAM (short by ${((worst - capacityBits) / 8192).toFixed(1)} KB). ` +
        `Use a larger eDRAM (--set tile.edram.capacityKb=...) or fewer activation bits.`,
    );
  };
  /** First tile at or after `tile` that holds nothing and keeps its own eDRAM. */
  const freshTileFrom = (tile: number): number => {
    let t = tile;
    while (!buffers.isFresh(t)) t++;
    return t;
  };
  /** True when every tile of first..last holds nothing and keeps its own eDRAM. */
  const allFresh = (first: number, last: number): boolean => {
    for (let t = first; t <= last; t++) if (!buffers.isFresh(t)) return false;
    return true;
  };
  /**
   * Places `layer`'s buffers on fresh tile `tile`, borrowing the eDRAM of as many following tiles as it needs; the
   * cores of all those tiles stay empty (the frontier moves past them), so the area the buffers take is counted.
   */
  const spill = (name: string, layer: number, tile: number): number => {
    const need = buffers.worstAfter(layer, tile, tile);
    const lent = Math.ceil(need / capacityBits) - 1;
    if (lent > MAX_LENT_TILES) throw bufferError(name, need);
    buffers.borrow(tile, lent);
    nextCore = Math.max(nextCore, (tile + lent + 1) * coresPerTile);
    return tile;
  };
  placeDigital(-1, 0);

  const weighted: LayerPlacement[] = [];
  let crossbarsUsed = 0;
  let coresUsed = 0;
  for (let i = 0; i < mappings.length; i++) {
    const mapping = mappings[i] as LayerCrossbarMapping;
    const r = replicas[i] ?? 1;
    const cores = layerCores(arch, mapping, r);
    // NOTE: written for speed: the search below moves a tile range (no arrays); the lists are built once at the end.
    let firstCore = nextCore;
    let first = tileOfCore(firstCore);
    let last = tileOfCore(firstCore + cores - 1);
    // This layer's load on a tile it would share (its first), with the digital layers it anchors there.
    const anchoredOps = scratch.anchoredOps[mapping.layerIndex] as number;
    const { reads, writes } = portAccesses(arch, net, mapping);
    /** Port cycles per image the layer puts on a tile where `share` of its replicas start. */
    const portCycles = (share: number): number => (reads * share + writes) / accessesPerCycle;
    // A replica's MVM reads and fused activations load the tile of its first crossbar (rules 1 and 5), as the model
    // and the simulator charge them: the share of replicas starting on `tile` when the layer starts at `startCore`.
    const replicaTile = (startCore: number, j: number): number => Math.floor((startCore * xbarsPerCore + j * mapping.crossbarsPerReplica) / xbarsPerCore / coresPerTile);
    // The share of replicas starting on the first tile: replica tiles never decrease, so a leading run, bisected (a
    // count over all r replicas per candidate start made 4096 replicas of VGG-8 take 16 CPU s to be refused).
    const firstTileShare = (startCore: number): number => {
      const tile = replicaTile(startCore, 0);
      let lo = 1;
      let hi = r;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (replicaTile(startCore, mid) === tile) lo = mid + 1;
        else hi = mid;
      }
      return lo / r;
    };
    const overloads = (tile: number, startCore: number): boolean => {
      if (!loadAware || buffers.isFresh(tile)) return false;
      const onTile = firstTileShare(startCore);
      const port = (scratch.portLoad[tile] ?? 0) + portCycles(onTile);
      const digital = (scratch.digitalLoad[tile] ?? 0) + (anchoredOps + onTile * (fusedOps[mapping.layerIndex] as number)) / opsRate;
      return port > limit || digital > limit;
    };
    // Move to the next tile boundary until the buffers fit; on tiles holding nothing yet they must.
    for (;;) {
      const fits = buffers.fits(mapping.layerIndex, first, last);
      if (fits && !overloads(first, firstCore)) break;
      if (fits) load.deferred++;
      if (allFresh(first, last)) {
        // A paced window that fits no tile is capped (the model then charges the slower pace).
        if (shrinkPacedWindowsUntil(pace, flow, mapping.layerIndex, () => buffers.fits(mapping.layerIndex, first, last))) continue;
        if (last > first) throw bufferError(mapping.name, buffers.worstAfter(mapping.layerIndex, first, last));
        // One tile's eDRAM is too small for this layer's windows: borrow the following tiles' eDRAM.
        const tile = spill(mapping.name, mapping.layerIndex, last < first ? 0 : first);
        firstCore = tile * coresPerTile;
        first = tileOfCore(firstCore);
        last = tileOfCore(firstCore + cores - 1);
        break;
      }
      firstCore = (tileOfCore(firstCore) + 1) * coresPerTile;
      first = tileOfCore(firstCore);
      last = tileOfCore(firstCore + cores - 1);
    }
    buffers.commit(mapping.layerIndex, first, last);
    ensureLoadTiles(scratch, last);
    loadTiles = Math.max(loadTiles, last + 1);
    let j = 0; // replicas per tile in one pass (their tiles never decrease)
    for (let t = first; t <= last; t++) {
      let n = 0;
      while (j < r && replicaTile(firstCore, j) === t) {
        n++;
        j++;
      }
      const share = n / r;
      scratch.portLoad[t] = (scratch.portLoad[t] as number) + portCycles(share);
      scratch.digitalLoad[t] = (scratch.digitalLoad[t] as number) + (share * (fusedOps[mapping.layerIndex] as number)) / opsRate;
    }
    const replicaTiles: number[] = [];
    for (let j = 0; j < r; j++) {
      const firstXbar = firstCore * xbarsPerCore + j * mapping.crossbarsPerReplica;
      replicaTiles.push(Math.floor(Math.floor(firstXbar / xbarsPerCore) / coresPerTile));
    }
    weighted.push({ layerIndex: mapping.layerIndex, replicas: r, firstCore, cores, replicaTiles, tiles: tileRange(first, last) });
    nextCore = Math.max(nextCore, firstCore + cores);
    crossbarsUsed += mapping.crossbarsPerReplica * r;
    coresUsed += cores;
    placeDigital(mapping.layerIndex, last < first ? 0 : first);
  }

  load.peakCycles = 0;
  for (let t = 0; t < loadTiles; t++) load.peakCycles = Math.max(load.peakCycles, scratch.portLoad[t] as number, scratch.digitalLoad[t] as number);
  const tilesUsed = Math.max(tilesForCores(arch, nextCore), lastDigitalTile + 1);
  if (tilesUsed > arch.chip.tiles) {
    const shortTiles = tilesUsed - arch.chip.tiles;
    throw new MappingError(
      `network '${net.network.name}' does not fit on '${arch.name}': it needs ${tilesUsed} tiles ` +
        `(${coresUsed} cores of ${coresPerTile} per tile, ${crossbarsUsed} crossbars, with line buffers of ` +
        `${arch.tile.edram.capacityKb} KB eDRAM per tile), and the chip has ${arch.chip.tiles} tiles; short by ${shortTiles} tiles. ` +
        `Lower the precision, use fewer replicas, or enlarge the chip (--set chip.tiles=${tilesUsed}).`,
    );
  }

  const layerTiles: number[][] = new Array<number[]>(net.layers.length).fill(NO_TILES);
  for (const p of weighted) layerTiles[p.layerIndex] = p.tiles;
  // Digital layers first, then fused ones (a fused layer may sit on a digital layer; none sits on a fused one).
  for (let k = 0; k < scratch.digitalLayers.length; k++) {
    const d = scratch.digitalLayers[k] as number;
    layerTiles[d] = [digitalHost[d] ?? 0];
  }
  for (let k = 0; k < scratch.fusedLayers.length; k++) layerTiles[scratch.fusedLayers[k] as number] = layerTiles[scratch.fusedHosts[k] as number] ?? [0];
  const mesh = meshSize(arch);
  const ownSpareRows = ownPathSpareRows(scratch.forkHolds, net, flow, (q) => layerTiles[q] ?? NO_TILES, (t) => buffers.capacity(t) - buffers.used(t), (q) => scratch.rowBits[q + 1] ?? 0);
  return {
    weighted, layerTiles, coresUsed, tilesUsed, crossbarsUsed, meshWidth: mesh.width, meshHeight: mesh.height, windowRows: pace.windowRows,
    paceBoundCycles: paceBoundsCycles(pace, net, flow, scratch.forkHolds, scratch.skewLayers, (layer, k) => {
      // The fewest rows of the input any of the reader's tiles has room for beyond every guaranteed slot.
      const rowBits = scratch.rowBits[(flow.layers[layer]?.dataInputs[k]?.producer ?? -1) + 1] ?? 0;
      let spare = Infinity;
      for (const t of layerTiles[layer] ?? NO_TILES) spare = Math.min(spare, buffers.capacity(t) - buffers.used(t));
      const own = ownSpareRows[(scratch.forkHolds.inputOffset[layer] as number) + k] as number;
      return own + forkSpareRows(scratch.forkHolds, layer, k, pace.windowRows[layer], rowBits > 0 && spare > 0 && spare < Infinity ? Math.floor(spare / rowBits) : 0);
    }),
    rowCycles: pace.rowCycles, forkHolds: scratch.forkHolds, ownSpareRows, edramShares: buffers.shares(tilesUsed), operandBits: pace.operandBits,
  };
}
