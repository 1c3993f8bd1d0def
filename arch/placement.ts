import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import { MappingError } from '../errors';

/**
 * Placement rule (shared by the analytical model and the simulator):
 * - each weighted layer gets whole cores of its own (a core never mixes layers); its replicas fill
 *   ceil(crossbarsPerReplica * replicas / crossbarsPerCore) consecutive cores, layers in network order;
 * - tiles are filled core by core (a tile may hold cores of several layers); tile t hangs off router
 *   floor(t / concentration); routers form a row-major mesh ceil(sqrt(routers)) wide;
 * - a replica lives on the tile of its first crossbar; a digital layer runs on one tile: the first tile of
 *   its first producer (tile 0 when that is the network input).
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
  /** Distinct tiles that compute each network layer (digital layers inherit their producer's). */
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

/** Places replicas on cores and tiles; throws MappingError (saying by how much) when they do not fit. */
export function placeNetwork(
  arch: ArchSpec,
  net: ResolvedNetwork,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
): Placement {
  const xbarsPerCore = arch.core.crossbars;
  const coresPerTile = arch.tile.cores;
  const weighted: LayerPlacement[] = [];
  let nextCore = 0;
  let crossbarsUsed = 0;
  mappings.forEach((mapping, i) => {
    const r = replicas[i] ?? 1;
    const cores = layerCores(arch, mapping, r);
    const replicaTiles: number[] = [];
    for (let j = 0; j < r; j++) {
      const firstXbar = nextCore * xbarsPerCore + j * mapping.crossbarsPerReplica;
      replicaTiles.push(Math.floor(Math.floor(firstXbar / xbarsPerCore) / coresPerTile));
    }
    const firstTile = Math.floor(nextCore / coresPerTile);
    const lastTile = Math.floor((nextCore + cores - 1) / coresPerTile);
    const tiles: number[] = [];
    for (let t = firstTile; t <= lastTile; t++) tiles.push(t);
    weighted.push({ layerIndex: mapping.layerIndex, replicas: r, firstCore: nextCore, cores, replicaTiles, tiles });
    nextCore += cores;
    crossbarsUsed += mapping.crossbarsPerReplica * r;
  });

  const coresUsed = nextCore;
  const tilesUsed = tilesForCores(arch, coresUsed);
  if (tilesUsed > arch.chip.tiles) {
    const shortTiles = tilesUsed - arch.chip.tiles;
    throw new MappingError(
      `network '${net.network.name}' does not fit on '${arch.name}': it needs ${coresUsed} cores ` +
        `(${crossbarsUsed} crossbars) = ${tilesUsed} tiles of ${coresPerTile} cores, and the chip has ` +
        `${arch.chip.tiles} tiles; short by ${shortTiles} tiles (${coresUsed - arch.chip.tiles * coresPerTile} cores). ` +
        `Lower the precision, use fewer replicas, or enlarge the chip (--set chip.tiles=${tilesUsed}).`,
    );
  }

  const layerTiles: number[][] = net.layers.map(() => []);
  weighted.forEach((p) => (layerTiles[p.layerIndex] = p.tiles));
  for (const resolved of net.layers) {
    if (resolved.layer.kind === 'conv' || resolved.layer.kind === 'fc') continue;
    const producer = resolved.inputIndices[0] ?? -1;
    layerTiles[resolved.index] = [producer < 0 ? 0 : (layerTiles[producer]?.[0] ?? 0)];
  }
  const mesh = meshSize(arch);
  return { weighted, layerTiles, coresUsed, tilesUsed, crossbarsUsed, meshWidth: mesh.width, meshHeight: mesh.height };
}
