import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import type { LayerPlacement, Placement } from './placement-types';
import { MappingError } from '../errors';
import { layerCores, tilesForCores } from './chip-cores';
import { dataflowCosts, type Dataflow } from './dataflow';
import { digitalPortAccesses } from './digital-port-load';
import { paceBoundsCycles, shrinkPacedWindowsUntil, type PlanPace } from './pace';
import { channelSlots, TileBuffers, type PlacementScratch } from './tile-buffers';
import { ensureLoadTiles, portReads, portWrites } from './placement-load';
import { meshSize } from './routing';
import { ownPathSpareRows } from './fork-hold';
import { forkSpareRows, type SpareView } from './fork-spare';
import { edramCapacityBits } from './edram';
import { checkSkipCores } from './skip-cores';

/** Most tiles one layer's line buffers may borrow eDRAM from before the placement gives up. */
const MAX_LENT_TILES = 16;

/** What a packing did, for comparing two: its busiest tile's estimated load and the layers it moved on. */
export interface PackingLoad {
  /** Largest per-image cycles any tile's eDRAM port or digital unit carries (first-order estimate). */
  peakCycles: number;
  /** Layers moved to a later tile for load alone. */
  deferred: number;
  /** Load a shared tile may take (load-aware packing). */
  limitCycles: number;
  /**
   * Written by the walk for replaying it on a chip whose digital units are 2^k times slower (placement.ts): the
   * busiest port and digital unit apart (peakCycles is their max; undefined before the walk reaches them), the largest
   * digital load of a load check that let a layer join, and the smallest of one refused by its digital load alone.
   */
  portPeakCycles?: number | undefined;
  digitalPeakCycles?: number | undefined;
  joinedDigitalMaxCycles?: number;
  refusedDigitalMinCycles?: number;
}

/** Ascending tiles first..last (empty when last < first). */
function tileRange(first: number, last: number): number[] {
  // NOTE: a one-tile layer's list as a literal (a push onto [] reserves room for 17).
  if (first === last) return [first];
  const tiles: number[] = [];
  for (let t = first; t <= last; t++) tiles.push(t);
  return tiles;
}

/**
 * The tile of replica j's first crossbar when its layer starts at core `startCore`: a replica's MVM reads and fused
 * activations load that tile (rules 1 and 5), as the model and the simulator charge them.
 */
function replicaTileOf(startCore: number, j: number, crossbarsPerReplica: number, xbarsPerCore: number, coresPerTile: number): number {
  return Math.floor((startCore * xbarsPerCore + j * crossbarsPerReplica) / xbarsPerCore / coresPerTile);
}

/**
 * The share of a layer's r replicas starting on its first tile when it starts at `startCore`: replica tiles never
 * decrease, so a leading run, bisected (a count over all r replicas per candidate start made 4096 replicas of VGG-8
 * take 16 CPU s to be refused).
 */
function firstTileShare(startCore: number, r: number, crossbarsPerReplica: number, xbarsPerCore: number, coresPerTile: number): number {
  const tile = replicaTileOf(startCore, 0, crossbarsPerReplica, xbarsPerCore, coresPerTile);
  let lo = 1;
  let hi = r;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (replicaTileOf(startCore, mid, crossbarsPerReplica, xbarsPerCore, coresPerTile) === tile) lo = mid + 1;
    else hi = mid;
  }
  return lo / r;
}

/**
 * NOTE: shared by every placement of a free layer (they compute nowhere), as ModelContext.freeStages are: one
 * frozen empty list instead of one new array per free layer per evaluation.
 */
const NO_TILES = Object.freeze([]) as unknown as number[];

/**
 * One packing walk (the placement rule in arch/placement.ts) at arch's eDRAM capacity and the plan's pace: layers in
 * network order onto consecutive cores, each starting a fresh tile when its line buffers (or, `loadAware`, its load)
 * do not fit the current one. Records the busiest tile's load in `load`; throws MappingError when the chip is short.
 */
export function placeWithPace(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  pace: PlanPace,
  scratch: PlacementScratch,
  loadAware: boolean,
  load: PackingLoad,
  skipCores?: readonly number[],
): Placement {
  if (skipCores !== undefined) checkSkipCores(skipCores, mappings.length);
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
  load.portPeakCycles = undefined;
  load.digitalPeakCycles = undefined;
  load.joinedDigitalMaxCycles = -Infinity;
  load.refusedDigitalMinCycles = Infinity;
  const limit = load.limitCycles;
  // Fused activations run on their producer's tiles (rule 5), a recurrent layer's cell on its own output path (rule
  // 3): their ops load those tiles' digital units.
  const fusedOps = scratch.fusedOps;
  const opsRate = arch.tile.digital.opsPerCycle;
  const costs = dataflowCosts(arch);
  const coresPerTile = arch.tile.cores;
  const accessesPerCycle = arch.tile.edram.accessesPerCycle;
  const capacityBits = edramCapacityBits(arch);
  const buffers = new TileBuffers(capacityBits, scratch, pace.operandBits, pace.windowRows);
  /** Tile holding `core` (the frontier where the next layer would start). */
  const tileOfCore = (core: number): number => Math.floor(core / coresPerTile);
  const digitalHost = scratch.digitalHost;
  digitalHost.fill(0);
  const inputTile = scratch.inputTile;
  inputTile.clear();
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
    // A plan's layout may leave cores empty before a layer (PlanChoices.skipCores): where its replicas' tile and
    // router boundaries fall sets how many copies of a tensor cross each port and link (rule 6).
    let firstCore = nextCore + (skipCores?.[i] ?? 0);
    let first = tileOfCore(firstCore);
    let last = tileOfCore(firstCore + cores - 1);
    // This layer's load on a tile it would share (its first), with the digital layers it anchors there.
    const anchoredOps = scratch.anchoredOps[mapping.layerIndex] as number;
    const reads = portReads(arch, scratch.mvmPortElements[mapping.layerIndex] as number, mapping);
    const writes = portWrites(arch, scratch.inputPortElements[mapping.layerIndex] as number, mapping);
    const perReplica = mapping.crossbarsPerReplica;
    // NOTE: written for speed: the per-layer helpers are module functions and the load check is inline (closures
    // made per layer per walk were most of a walk's garbage).
    // Move to the next tile boundary until the buffers fit; on tiles holding nothing yet they must.
    for (;;) {
      const fits = buffers.fits(mapping.layerIndex, first, last);
      // The load check: a layer does not join a shared tile whose port or digital unit it would push above the limit.
      let overloads = false;
      if (fits && loadAware && !buffers.isFresh(first)) {
        const onTile = firstTileShare(firstCore, r, perReplica, xbarsPerCore, coresPerTile);
        // Port cycles per image the layer puts on a tile where `onTile` of its replicas start.
        const port = (scratch.portLoad[first] ?? 0) + (reads * onTile + writes) / accessesPerCycle;
        const digital = (scratch.digitalLoad[first] ?? 0) + (anchoredOps + onTile * (fusedOps[mapping.layerIndex] as number)) / opsRate;
        if (port > limit) overloads = true;
        else if (digital > limit) {
          if (digital < (load.refusedDigitalMinCycles as number)) load.refusedDigitalMinCycles = digital;
          overloads = true;
        } else if (digital > (load.joinedDigitalMaxCycles as number)) load.joinedDigitalMaxCycles = digital;
      }
      if (fits && !overloads) break;
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
    // NOTE: one replica's list as a literal (a push onto [] reserves room for 17).
    const replicaTiles: number[] = r === 1 ? [replicaTileOf(firstCore, 0, perReplica, xbarsPerCore, coresPerTile)] : [];
    for (let j = replicaTiles.length; j < r; j++) replicaTiles.push(replicaTileOf(firstCore, j, perReplica, xbarsPerCore, coresPerTile));
    let j = 0; // replicas per tile in one pass (their tiles never decrease)
    for (let t = first; t <= last; t++) {
      let n = 0;
      while (j < r && replicaTiles[j] === t) {
        n++;
        j++;
      }
      const share = n / r;
      scratch.portLoad[t] = (scratch.portLoad[t] as number) + (reads * share + writes) / accessesPerCycle;
      scratch.digitalLoad[t] = (scratch.digitalLoad[t] as number) + (share * (fusedOps[mapping.layerIndex] as number)) / opsRate;
    }
    weighted.push({ layerIndex: mapping.layerIndex, replicas: r, firstCore, cores, replicaTiles, tiles: tileRange(first, last) });
    nextCore = Math.max(nextCore, firstCore + cores);
    crossbarsUsed += mapping.crossbarsPerReplica * r;
    coresUsed += cores;
    placeDigital(mapping.layerIndex, last < first ? 0 : first);
  }

  let portPeak = 0;
  let digitalPeak = 0;
  for (let t = 0; t < loadTiles; t++) {
    portPeak = Math.max(portPeak, scratch.portLoad[t] as number);
    digitalPeak = Math.max(digitalPeak, scratch.digitalLoad[t] as number);
  }
  load.portPeakCycles = portPeak;
  load.digitalPeakCycles = digitalPeak;
  load.peakCycles = Math.max(portPeak, digitalPeak);
  const tilesUsed = Math.max(tilesForCores(arch, nextCore), lastDigitalTile + 1);
  if (tilesUsed > arch.chip.tiles) {
    const shortTiles = tilesUsed - arch.chip.tiles;
    let skipped = 0;
    for (const s of skipCores ?? []) skipped += s;
    // A layout's empty cores take area too: a skip past the chip is named, not blamed on precision or replicas.
    const layout = skipped > 0 ? ` and ${skipped} cores the plan's layout leaves empty before its layers (skipCores)` : '';
    throw new MappingError(
      `network '${net.network.name}' does not fit on '${arch.name}': it needs ${tilesUsed} tiles ` +
        `(${coresUsed} cores of ${coresPerTile} per tile${layout}, ${crossbarsUsed} crossbars, with line buffers of ` +
        `${arch.tile.edram.capacityKb} KB eDRAM per tile), and the chip has ${arch.chip.tiles} tiles; short by ${shortTiles} tiles. ` +
        `${skipped > 0 ? 'Leave fewer cores empty (skipCores), lower' : 'Lower'} the precision, use fewer replicas, or enlarge the chip (--set chip.tiles=${tilesUsed}).`,
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
  // The spare's share (arch/fork-spare.ts) for the reader asked about: the reader's own windows as its inputs' slots
  // (another reader of the tensor on the tile may widen them).
  let reader = -1;
  const rowsOf = (q: number): number => (q < 0 ? net.network.input : net.layers[q]?.outShape)?.height ?? 1;
  const producerOf = (j: number): number => flow.layers[reader]?.dataInputs[j]?.producer ?? -1;
  const spareView: SpareView = {
    rowBitsOf: (j) => scratch.rowBits[producerOf(j) + 1] ?? 0,
    rowsOf: (j) => rowsOf(producerOf(j)),
    slotsOf: (j) => channelSlots(rowsOf(producerOf(j)), pace.windowRows[reader]?.[j] ?? 1),
  };
  const ownSpareRows = ownPathSpareRows(scratch.forkHolds, net, flow, (q) => layerTiles[q] ?? NO_TILES, (t) => buffers.capacity(t) - buffers.used(t), (q) => scratch.rowBits[q + 1] ?? 0);
  return {
    weighted, layerTiles, coresUsed, tilesUsed, crossbarsUsed, meshWidth: mesh.width, meshHeight: mesh.height, windowRows: pace.windowRows,
    paceBoundCycles: paceBoundsCycles(pace, net, flow, scratch.forkHolds, scratch.skewLayers, (layer, k) => {
      // The fewest rows of the input any of the reader's tiles has room for beyond every guaranteed slot.
      let spare = Infinity;
      for (const t of layerTiles[layer] ?? NO_TILES) spare = Math.min(spare, buffers.capacity(t) - buffers.used(t));
      const own = ownSpareRows[(scratch.forkHolds.inputOffset[layer] as number) + k] as number;
      reader = layer;
      return own + forkSpareRows(scratch.forkHolds, layer, k, pace.windowRows[layer], spare, spareView);
    }),
    rowCycles: pace.rowCycles, forkHolds: scratch.forkHolds, ownSpareRows, edramShares: buffers.shares(tilesUsed), operandBits: pace.operandBits,
  };
}
