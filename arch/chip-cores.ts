/**
 * The cores and tiles a plan's crossbars take (rule 1: each weighted layer's replicas on cores of their own), and
 * the refusal of a plan whose crossbars alone are far beyond the chip, before placement packs it.
 */
import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import type { LayerCrossbarMapping } from './mapping';
import { MappingError } from '../errors';

/** Cores a weighted layer needs for `replicas` copies. */
export function layerCores(arch: ArchSpec, mapping: LayerCrossbarMapping, replicas: number): number {
  return Math.ceil((mapping.crossbarsPerReplica * replicas) / arch.core.crossbars);
}

/** Tiles needed for a total core count. */
export function tilesForCores(arch: ArchSpec, cores: number): number {
  return Math.ceil(cores / arch.tile.cores);
}

/**
 * Layers take disjoint cores, so their cores alone bound the tiles from below. A plan whose bound is more than
 * REFUSE_BEYOND_CHIP times the chip is refused before packing: packing walks every tile a layer spans, and a typo
 * (a pad of 4096, 4096 replicas) made one layer span tens of thousands of tiles, seconds of work to say 'does not
 * fit'. Closer to the chip, the packing runs, for the exact tile count a user resizes the chip to.
 */
export function refuseBeyondChip(arch: ArchSpec, net: ResolvedNetwork, mappings: readonly LayerCrossbarMapping[], replicas: readonly number[]): void {
  let cores = 0;
  for (let i = 0; i < mappings.length; i++) cores += layerCores(arch, mappings[i] as LayerCrossbarMapping, replicas[i] ?? 1);
  const tiles = tilesForCores(arch, cores);
  if (tiles <= arch.chip.tiles * REFUSE_BEYOND_CHIP) return;
  throw new MappingError(
    `network '${net.network.name}' does not fit on '${arch.name}': its crossbars alone need at least ${tiles} tiles ` +
      `(${cores} cores of ${arch.tile.cores} per tile, before line buffers), and the chip has ${arch.chip.tiles} tiles; ` +
      `short by ${tiles - arch.chip.tiles} tiles or more. Lower the precision, use fewer replicas, or enlarge the chip (--set chip.tiles=...).`,
  );
}

/** See refuseBeyondChip. */
const REFUSE_BEYOND_CHIP = 2;
