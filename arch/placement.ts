import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import { MappingError } from '../errors';
import { storedTensorBits, type Dataflow } from './dataflow';
import { paceBoundsCycles, planPace, shrinkPacedWindows, unpaceWindows, type PlanPace } from './pace';

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
  /** Tiles' worth of eDRAM each used tile holds buffers in: 1, k when it borrows the next tiles', 0 when it lends. */
  edramShares: number[];
}

/** Router count and row-major mesh size of the physical chip. */
export function meshSize(arch: ArchSpec): { routers: number; width: number; height: number } {
  const routers = Math.ceil(arch.chip.tiles / arch.noc.concentration);
  const width = Math.ceil(Math.sqrt(routers));
  return { routers, width, height: Math.ceil(routers / width) };
}

export function routerOfTile(arch: ArchSpec, tile: number): number {
  return Math.floor(tile / arch.noc.concentration);
}

/** Mesh coordinates of a router. */
export function routerXY(meshWidth: number, router: number): [number, number] {
  return [router % meshWidth, Math.floor(router / meshWidth)];
}

/** Router-to-router hops of XY routing between two tiles (0 when they share a router). */
export function tileHops(arch: ArchSpec, meshWidth: number, fromTile: number, toTile: number): number {
  const [ax, ay] = routerXY(meshWidth, routerOfTile(arch, fromTile));
  const [bx, by] = routerXY(meshWidth, routerOfTile(arch, toTile));
  return Math.abs(ax - bx) + Math.abs(ay - by);
}

/** Cores a weighted layer needs for `replicas` copies. */
export function layerCores(arch: ArchSpec, mapping: LayerCrossbarMapping, replicas: number): number {
  return Math.ceil((mapping.crossbarsPerReplica * replicas) / arch.core.crossbars);
}

/** Tiles needed for a total core count. */
export function tilesForCores(arch: ArchSpec, cores: number): number {
  return Math.ceil(cores / arch.tile.cores);
}

/** Most tiles one layer's line buffers may borrow eDRAM from before the placement gives up. */
const MAX_LENT_TILES = 16;

/** eDRAM a tile must reserve for each stored producer read there: (window + 1 row of lookahead) x row bits. */
export function channelBits(rows: number, windowRows: number, rowBits: number): number {
  return Math.min(rows, windowRows + 1) * rowBits;
}

/**
 * The line buffers each tile holds: per tile, per stored producer, the widest window of its readers there.
 * NOTE: numeric keys, no per-call allocation; placement runs inside every model evaluation.
 */
class TileBuffers {
  private readonly windows = new Map<number, number>();
  /** Grows as placement walks past the chip's last tile (it reports that as not fitting afterwards). */
  private readonly usedBits: number[] = [];
  private readonly extraTiles: number[] = [];
  private readonly extraBits: number[] = [];
  private extraCount = 0;
  /** Bits per row of each stored tensor by producer + 1, computed when first needed (-1: not yet). */
  private readonly rowBits: Float64Array;
  private readonly slots: number;

  constructor(
    private readonly capacityBits: number,
    private readonly net: ResolvedNetwork,
    private readonly flow: Dataflow,
    private readonly abits: readonly number[],
    private readonly windowRows: ReadonlyArray<readonly number[]>,
  ) {
    this.slots = net.layers.length + 1;
    this.rowBits = new Float64Array(this.slots).fill(-1);
  }

  /** eDRAM of each tile that lends or borrows (rule 1: a buffer larger than one tile spills into the next ones). */
  private readonly capacityOverride = new Map<number, number>();

  used(tile: number): number {
    return this.usedBits[tile] ?? 0;
  }

  capacity(tile: number): number {
    return this.capacityOverride.get(tile) ?? this.capacityBits;
  }

  /** Tile `tile` takes the eDRAM of the `lent` tiles after it; those hold no buffers of their own. */
  borrow(tile: number, lent: number): void {
    this.capacityOverride.set(tile, this.capacityBits * (1 + lent));
    for (let t = tile + 1; t <= tile + lent; t++) this.capacityOverride.set(t, 0);
  }

  /** Per tile up to `tiles`, how many tiles' eDRAM it holds buffers in. */
  shares(tiles: number): number[] {
    const out = new Array<number>(tiles).fill(1);
    for (const [t, bits] of this.capacityOverride) if (t < tiles) out[t] = bits / this.capacityBits;
    return out;
  }

  /** A tile that holds nothing and keeps its own eDRAM. */
  isFresh(tile: number): boolean {
    return this.used(tile) === 0 && this.capacity(tile) === this.capacityBits;
  }

  private tensorRows(producer: number): number {
    return (producer < 0 ? this.net.network.input : this.net.layers[producer]?.outShape)?.height ?? 0;
  }

  private tensorRowBits(producer: number): number {
    let bits = this.rowBits[producer + 1] ?? -1;
    if (bits < 0) {
      const shape = producer < 0 ? this.net.network.input : this.net.layers[producer]?.outShape;
      bits = shape === undefined ? 0 : shape.width * shape.channels * storedTensorBits(this.flow, producer, this.abits);
      this.rowBits[producer + 1] = bits;
    }
    return bits;
  }

  /** Extra bits per tile that layer `layer` reading on `tiles` would add. */
  private measure(layer: number, tiles: readonly number[]): void {
    this.extraCount = 0;
    const lf = this.flow.layers[layer];
    if (lf === undefined) return;
    for (let k = 0; k < lf.dataInputs.length; k++) {
      const producer = lf.dataInputs[k]?.producer ?? -1;
      const window = this.windowRows[layer]?.[k] ?? 1;
      const rows = this.tensorRows(producer);
      const rowBits = this.tensorRowBits(producer);
      for (const tile of tiles) {
        const before = this.windows.get(tile * this.slots + producer + 1) ?? 0;
        if (window <= before) continue;
        const added = channelBits(rows, window, rowBits) - (before > 0 ? channelBits(rows, before, rowBits) : 0);
        let at = this.extraTiles.indexOf(tile);
        if (at < 0 || at >= this.extraCount) {
          at = this.extraCount++;
          this.extraTiles[at] = tile;
          this.extraBits[at] = 0;
        }
        this.extraBits[at] = (this.extraBits[at] ?? 0) + added;
      }
    }
  }

  /** Largest buffer any tile would hold after layer `layer` reads on `tiles`, in bits. */
  worstAfter(layer: number, tiles: readonly number[]): number {
    this.measure(layer, tiles);
    let worst = 0;
    for (let k = 0; k < this.extraCount; k++) worst = Math.max(worst, this.used(this.extraTiles[k] ?? 0) + (this.extraBits[k] ?? 0));
    return worst;
  }

  fits(layer: number, tiles: readonly number[]): boolean {
    this.measure(layer, tiles);
    for (let k = 0; k < this.extraCount; k++) {
      const t = this.extraTiles[k] ?? 0;
      if (this.used(t) + (this.extraBits[k] ?? 0) > this.capacity(t)) return false;
    }
    return true;
  }

  /** Reserves the buffers of layer `layer` reading on `tiles` (call after `fits`). */
  commit(layer: number, tiles: readonly number[]): void {
    this.measure(layer, tiles);
    for (let k = 0; k < this.extraCount; k++) {
      const t = this.extraTiles[k] ?? 0;
      this.usedBits[t] = this.used(t) + (this.extraBits[k] ?? 0);
    }
    const lf = this.flow.layers[layer];
    lf?.dataInputs.forEach((d, k) => {
      const window = this.windowRows[layer]?.[k] ?? 1;
      for (const tile of tiles) {
        const key = tile * this.slots + d.producer + 1;
        this.windows.set(key, Math.max(window, this.windows.get(key) ?? 0));
      }
    });
  }
}

/**
 * Places replicas on cores and tiles (see the rule at the top of this file). A layer whose line buffers (its own
 * and those of the digital layers it anchors) do not fit in what is left of a tile's eDRAM starts on a fresh
 * tile; the cores it skips stay empty. Throws MappingError (saying by how much) when the network does not fit.
 */
export function placeNetwork(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
): Placement {
  const pace = planPace(arch, net, flow, mappings, replicas);
  try {
    return placeWithPace(arch, net, flow, mappings, replicas, pace);
  } catch (error) {
    // Paced windows are what full pace wants: when the chip cannot hold them, the row-need windows are placed
    // instead and the model charges the slower pace those sustain (paceBoundCycles).
    if (!(error instanceof MappingError) || !unpaceWindows(pace, flow)) throw error;
    return placeWithPace(arch, net, flow, mappings, replicas, pace);
  }
}

function placeWithPace(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  pace: PlanPace,
): Placement {
  const xbarsPerCore = arch.core.crossbars;
  const coresPerTile = arch.tile.cores;
  const capacityBits = arch.tile.edram.capacityKb * 1024 * 8;
  const buffers = new TileBuffers(capacityBits, net, flow, mappings.map((m) => m.abits), pace.windowRows);
  /** Tile holding `core` (the frontier where the next layer would start). */
  const tileOfCore = (core: number): number => Math.floor(core / coresPerTile);
  const digitalHost = new Map<number, number>();
  let nextCore = 0;
  /**
   * Hosts the digital layers anchored at a layer: on `preferred` (the anchor's first tile) when their line
   * buffers fit, else on the frontier tile, else on a fresh tile (the cores skipped stay empty).
   */
  const placeDigital = (anchor: number, preferred: number): void => {
    for (const d of flow.anchoredDigital[anchor + 1] ?? []) {
      const name = net.layers[d]?.layer.name ?? String(d);
      const candidates = [preferred, tileOfCore(nextCore), tileOfCore(Math.ceil(nextCore / coresPerTile) * coresPerTile)];
      let host = candidates.find((t) => buffers.fits(d, [t]));
      // A paced window that fits no tile is capped (the model then charges the slower pace).
      while (host === undefined && shrinkPacedWindows(pace, flow, d)) host = candidates.find((t) => buffers.fits(d, [t]));
      if (host === undefined) {
        // Even a fresh tile is too small (an SE block holds a whole tensor): borrow the following tiles' eDRAM.
        host = spill(name, d, freshTileFrom(candidates[2] ?? 0));
      } else if (host === candidates[2] && host !== tileOfCore(nextCore)) nextCore = host * coresPerTile;
      buffers.commit(d, [host]);
      digitalHost.set(d, host);
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
  /**
   * Places `layer`'s buffers on fresh tile `tile`, borrowing the eDRAM of as many following tiles as it needs; the
   * cores of all those tiles stay empty (the frontier moves past them), so the area the buffers take is counted.
   */
  const spill = (name: string, layer: number, tile: number): number => {
    const need = buffers.worstAfter(layer, [tile]);
    const lent = Math.ceil(need / capacityBits) - 1;
    if (lent > MAX_LENT_TILES) throw bufferError(name, need);
    buffers.borrow(tile, lent);
    nextCore = Math.max(nextCore, (tile + lent + 1) * coresPerTile);
    return tile;
  };
  placeDigital(-1, 0);

  const weighted: LayerPlacement[] = [];
  let crossbarsUsed = 0;
  mappings.forEach((mapping, i) => {
    const r = replicas[i] ?? 1;
    const cores = layerCores(arch, mapping, r);
    const layout = (firstCore: number) => {
      const replicaTiles: number[] = [];
      for (let j = 0; j < r; j++) {
        const firstXbar = firstCore * xbarsPerCore + j * mapping.crossbarsPerReplica;
        replicaTiles.push(Math.floor(Math.floor(firstXbar / xbarsPerCore) / coresPerTile));
      }
      const tiles: number[] = [];
      for (let t = tileOfCore(firstCore); t <= tileOfCore(firstCore + cores - 1); t++) tiles.push(t);
      return { replicaTiles, tiles };
    };
    let firstCore = nextCore;
    let plan = layout(firstCore);
    // Move to the next tile boundary until the buffers fit; on tiles holding nothing yet they must.
    while (!buffers.fits(mapping.layerIndex, plan.tiles)) {
      if (plan.tiles.every((t) => buffers.isFresh(t))) {
        // A paced window that fits no tile is capped (the model then charges the slower pace).
        if (shrinkPacedWindows(pace, flow, mapping.layerIndex)) continue;
        if (plan.tiles.length > 1) throw bufferError(mapping.name, buffers.worstAfter(mapping.layerIndex, plan.tiles));
        // One tile's eDRAM is too small for this layer's windows: borrow the following tiles' eDRAM.
        const tile = spill(mapping.name, mapping.layerIndex, plan.tiles[0] ?? 0);
        firstCore = tile * coresPerTile;
        plan = layout(firstCore);
        break;
      }
      firstCore = (tileOfCore(firstCore) + 1) * coresPerTile;
      plan = layout(firstCore);
    }
    buffers.commit(mapping.layerIndex, plan.tiles);
    weighted.push({ layerIndex: mapping.layerIndex, replicas: r, firstCore, cores, replicaTiles: plan.replicaTiles, tiles: plan.tiles });
    nextCore = Math.max(nextCore, firstCore + cores);
    crossbarsUsed += mapping.crossbarsPerReplica * r;
    placeDigital(mapping.layerIndex, plan.tiles[0] ?? 0);
  });

  const coresUsed = weighted.reduce((sum, p) => sum + p.cores, 0);
  const lastDigitalTile = Math.max(-1, ...digitalHost.values());
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

  const layerTiles: number[][] = net.layers.map(() => []);
  weighted.forEach((p) => (layerTiles[p.layerIndex] = p.tiles));
  for (const l of flow.layers) {
    if (l.role === 'digital') layerTiles[l.index] = [digitalHost.get(l.index) ?? 0];
    else if (l.role === 'fused') layerTiles[l.index] = layerTiles[l.storedAs] ?? [0];
  }
  const mesh = meshSize(arch);
  return {
    weighted, layerTiles, coresUsed, tilesUsed, crossbarsUsed, meshWidth: mesh.width, meshHeight: mesh.height, windowRows: pace.windowRows,
    paceBoundCycles: paceBoundsCycles(pace, net, flow), edramShares: buffers.shares(tilesUsed),
  };
}
