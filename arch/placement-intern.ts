/**
 * The packing walks' tile lists and weighted layers' placements, made once per content and shared by every placement
 * that has them (pack-tiles.ts; PlacementScratch.intern). A ResNet-50 optimize walks ~13,000 packings, mostly the same
 * layers on the same cores: one new LayerPlacement and tile lists per layer per walk were half of the bytes surviving
 * its young-generation collections (177 of 354 MB), promoted to the old generation only to die there.
 * NOTE: the lists and placements are shared, so nothing may write into them (no reader does; stages.ts compares tile
 * lists by identity to skip a recount, which sharing equal ones only makes more frequent, to the same figures).
 */
import type { LayerPlacement } from './placement-types';

interface InternedLayer {
  placement: LayerPlacement;
  crossbarsPerReplica: number;
  crossbarsPerCore: number;
  coresPerTile: number;
}

export interface PlacementIntern {
  /** Tile lists first..last by first * KEY_SPAN + last. */
  tileLists: Map<number, number[]>;
  /** Weighted layers' placements by layerIndex * KEY_SPAN + firstCore (then by replicas, cores and the chip's shape). */
  layers: Map<number, InternedLayer[]>;
  /** Entries held (both maps); cleared past MAX_ENTRIES, so a long search holds a bounded number. */
  entries: number;
}

/** Keys are pairs below this (tiles and cores far past any chip's; beyond it nothing is interned). */
const KEY_SPAN = 2 ** 26;
const MAX_ENTRIES = 200_000;

export function newPlacementIntern(): PlacementIntern {
  return { tileLists: new Map(), layers: new Map(), entries: 0 };
}

function counted(intern: PlacementIntern): void {
  if (++intern.entries <= MAX_ENTRIES) return;
  intern.tileLists.clear();
  intern.layers.clear();
  intern.entries = 1;
}

/** Ascending tiles first..last (empty when last < first). */
export function tileRange(first: number, last: number): number[] {
  // NOTE: a one-tile layer's list as a literal (a push onto [] reserves room for 17).
  if (first === last) return [first];
  const tiles: number[] = [];
  for (let t = first; t <= last; t++) tiles.push(t);
  return tiles;
}

/** tileRange(first, last), shared. */
export function internedTiles(intern: PlacementIntern, first: number, last: number): number[] {
  if (last < first || first < 0 || last >= KEY_SPAN) return tileRange(first, last);
  const key = first * KEY_SPAN + last;
  let tiles = intern.tileLists.get(key);
  if (tiles === undefined) {
    tiles = tileRange(first, last);
    intern.tileLists.set(key, tiles);
    counted(intern);
  }
  return tiles;
}

/** The shared placement of a weighted layer with these replicas, first core and cores on a chip of this shape, if held. */
export function heldLayer(
  intern: PlacementIntern,
  layerIndex: number,
  replicas: number,
  firstCore: number,
  cores: number,
  crossbarsPerReplica: number,
  crossbarsPerCore: number,
  coresPerTile: number,
): LayerPlacement | undefined {
  const list = intern.layers.get(layerIndex * KEY_SPAN + firstCore);
  if (list === undefined) return undefined;
  for (const e of list) {
    const p = e.placement;
    if (p.replicas === replicas && p.cores === cores && e.crossbarsPerReplica === crossbarsPerReplica && e.crossbarsPerCore === crossbarsPerCore && e.coresPerTile === coresPerTile) return p;
  }
  return undefined;
}

/** Holds `placement` (made by the walk for a chip of this shape) for heldLayer. */
export function holdLayer(intern: PlacementIntern, placement: LayerPlacement, crossbarsPerReplica: number, crossbarsPerCore: number, coresPerTile: number): void {
  if (placement.layerIndex < 0 || placement.firstCore < 0 || placement.firstCore >= KEY_SPAN) return;
  const key = placement.layerIndex * KEY_SPAN + placement.firstCore;
  let list = intern.layers.get(key);
  if (list === undefined) intern.layers.set(key, (list = []));
  list.push({ placement, crossbarsPerReplica, crossbarsPerCore, coresPerTile });
  counted(intern);
}
