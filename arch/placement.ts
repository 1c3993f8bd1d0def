import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import { MappingError } from '../errors';
import { storedTensorBits, type Dataflow } from './dataflow';

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

/** eDRAM a tile must reserve for each stored producer read there: (window + 1 row of lookahead) x row bits. */
export function channelBits(rows: number, windowRows: number, rowBits: number): number {
  return Math.min(rows, windowRows + 1) * rowBits;
}

/** Rows and bits per row of each stored tensor, by producer index + 1 (slot 0: the network input). */
function storedRowBits(net: ResolvedNetwork, flow: Dataflow, mappings: readonly LayerCrossbarMapping[]): Array<{ rows: number; rowBits: number }> {
  const abits = mappings.map((m) => m.abits);
  const shapeOf = (producer: number) => (producer < 0 ? net.network.input : net.layers[producer]?.outShape);
  return Array.from({ length: net.layers.length + 1 }, (_, slot) => {
    const shape = shapeOf(slot - 1);
    if (shape === undefined) return { rows: 0, rowBits: 0 };
    return { rows: shape.height, rowBits: shape.width * shape.channels * storedTensorBits(flow, slot - 1, abits) };
  });
}

/** The line buffers each tile holds: per tile, per stored producer, the widest window of its readers there. */
class TileBuffers {
  private readonly windows = new Map<number, Map<number, number>>();
  private readonly usedBits = new Map<number, number>();

  constructor(
    private readonly capacityBits: number,
    private readonly tensors: Array<{ rows: number; rowBits: number }>,
  ) {}

  used(tile: number): number {
    return this.usedBits.get(tile) ?? 0;
  }

  /** Extra bits each tile would need if `reads` (tile, producer, window) were added. */
  increments(reads: ReadonlyArray<[number, number, number]>): Map<number, number> {
    const extra = new Map<number, number>();
    const widened = new Map<string, number>();
    for (const [tile, producer, window] of reads) {
      const key = `${tile}:${producer}`;
      const before = widened.get(key) ?? this.windows.get(tile)?.get(producer) ?? 0;
      if (window <= before) continue;
      const tensor = this.tensors[producer + 1] ?? { rows: 0, rowBits: 0 };
      const added = channelBits(tensor.rows, window, tensor.rowBits) - (before > 0 ? channelBits(tensor.rows, before, tensor.rowBits) : 0);
      widened.set(key, window);
      extra.set(tile, (extra.get(tile) ?? 0) + added);
    }
    return extra;
  }

  fits(extra: Map<number, number>): boolean {
    for (const [tile, bits] of extra) if (this.used(tile) + bits > this.capacityBits) return false;
    return true;
  }

  commit(reads: ReadonlyArray<[number, number, number]>): void {
    for (const [tile, bits] of this.increments(reads)) this.usedBits.set(tile, this.used(tile) + bits);
    for (const [tile, producer, window] of reads) {
      let perTile = this.windows.get(tile);
      if (perTile === undefined) this.windows.set(tile, (perTile = new Map()));
      perTile.set(producer, Math.max(window, perTile.get(producer) ?? 0));
    }
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
  const xbarsPerCore = arch.core.crossbars;
  const coresPerTile = arch.tile.cores;
  const capacityBits = arch.tile.edram.capacityKb * 1024 * 8;
  const buffers = new TileBuffers(capacityBits, storedRowBits(net, flow, mappings));
  const anchored = new Map<number, number[]>();
  for (const l of flow.layers) {
    if (l.role !== 'digital') continue;
    const list = anchored.get(l.anchor) ?? [];
    list.push(l.index);
    anchored.set(l.anchor, list);
  }
  const readsOf = (layer: number, tiles: readonly number[]): Array<[number, number, number]> => {
    const lf = flow.layers[layer];
    const reads: Array<[number, number, number]> = [];
    if (lf === undefined) return reads;
    lf.dataInputs.forEach((d, k) => {
      for (const t of tiles) reads.push([t, d.producer, lf.windowRows[k] ?? 1]);
    });
    return reads;
  };
  /** Tile holding `core` (the frontier where the next layer would start). */
  const tileOfCore = (core: number): number => Math.floor(core / coresPerTile);
  const digitalHost = new Map<number, number>();
  let nextCore = 0;
  /**
   * Hosts the digital layers anchored at a layer: on `preferred` (the anchor's first tile) when their line
   * buffers fit, else on the frontier tile, else on a fresh tile (the cores skipped stay empty).
   */
  const placeDigital = (anchor: number, preferred: number): void => {
    for (const d of anchored.get(anchor) ?? []) {
      const name = net.layers[d]?.layer.name ?? String(d);
      const candidates = [preferred, tileOfCore(nextCore), tileOfCore(Math.ceil(nextCore / coresPerTile) * coresPerTile)];
      const host = candidates.find((t) => buffers.fits(buffers.increments(readsOf(d, [t]))));
      if (host === undefined) throw bufferError(name, buffers.increments(readsOf(d, [candidates[2] ?? 0])));
      if (host === candidates[2] && host !== tileOfCore(nextCore)) nextCore = host * coresPerTile;
      buffers.commit(readsOf(d, [host]));
      digitalHost.set(d, host);
    }
  };
  const bufferError = (name: string, extra: Map<number, number>): MappingError => {
    const worst = Math.max(...extra.values());
    return new MappingError(
      `layer '${name}' of '${net.network.name}' needs ${(worst / 8192).toFixed(1)} KB of line buffers on one tile, ` +
        `more than a tile's ${arch.tile.edram.capacityKb} KB eDRAM (short by ${((worst - capacityBits) / 8192).toFixed(1)} KB). ` +
        `Use a larger eDRAM (--set tile.edram.capacityKb=...) or fewer activation bits.`,
    );
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
      return { replicaTiles, tiles, reads: readsOf(mapping.layerIndex, tiles) };
    };
    let firstCore = nextCore;
    let plan = layout(firstCore);
    // Move to the next tile boundary until the buffers fit; on tiles holding nothing yet they must.
    while (!buffers.fits(buffers.increments(plan.reads))) {
      if (plan.tiles.every((t) => buffers.used(t) === 0)) throw bufferError(mapping.name, buffers.increments(plan.reads));
      firstCore = (tileOfCore(firstCore) + 1) * coresPerTile;
      plan = layout(firstCore);
    }
    buffers.commit(plan.reads);
    weighted.push({ layerIndex: mapping.layerIndex, replicas: r, firstCore, cores, replicaTiles: plan.replicaTiles, tiles: plan.tiles });
    nextCore = firstCore + cores;
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
  return { weighted, layerTiles, coresUsed, tilesUsed, crossbarsUsed, meshWidth: mesh.width, meshHeight: mesh.height };
}
