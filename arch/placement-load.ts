import type { ArchSpec } from './types';
import type { ResolvedNetwork } from '../workloads/types';
import { inputPortElements, mvmPortElements, type LayerCrossbarMapping } from './mapping';
import type { Dataflow } from './dataflow';
import type { PlacementScratch } from './tile-buffers';

/**
 * The first-order load estimate placement packs by (docs/hardware-model.md, placement): per tile, the cycles per
 * image its eDRAM port and its digital unit carry. For packing decisions only; the model's traffic and tile terms
 * charge the exact figures.
 */

/**
 * Per-image eDRAM accesses a weighted layer puts on the port of a tile it shares: its MVMs' input reads (whole
 * accesses per vector; `reads` is for all its replicas, a tile takes the share of replicas starting there) and the
 * writes of its input rows arriving there (rules 5 and 6).
 */
export function portAccesses(arch: ArchSpec, net: ResolvedNetwork, m: LayerCrossbarMapping): { reads: number; writes: number } {
  const resolved = net.layers[m.layerIndex];
  return { reads: portReads(arch, mvmPortElements(resolved), m), writes: portWrites(arch, inputPortElements(resolved), m) };
}

/** portAccesses' reads, from the elements of one MVM input vector (mvmPortElements). */
export function portReads(arch: ArchSpec, mvmElements: number, m: LayerCrossbarMapping): number {
  return m.outputPixels * Math.ceil((mvmElements * m.abits) / arch.tile.edram.accessBits);
}

/** portAccesses' writes, from the elements of the layer's input tensor (inputPortElements). */
export function portWrites(arch: ArchSpec, inputElements: number, m: LayerCrossbarMapping): number {
  return Math.ceil((inputElements * m.abits) / arch.tile.edram.accessBits);
}

/** Makes the scratch's per-tile load estimates hold tile `tile` (placement may run past the chip before it fails). */
export function ensureLoadTiles(scratch: PlacementScratch, tile: number): void {
  if (tile < scratch.portLoad.length) return;
  const size = Math.max(2 * scratch.portLoad.length, tile + 1);
  const port = new Float64Array(size);
  port.set(scratch.portLoad);
  const digital = new Float64Array(size);
  digital.set(scratch.digitalLoad);
  scratch.portLoad = port;
  scratch.digitalLoad = digital;
}

/**
 * A floor under the busiest tile's load in every packing of a plan, whatever the eDRAM capacity: each load lands on
 * some tile whole (a digital layer with the activations fused into it) or at least 1/r of it (a weighted layer's
 * replicas: the tile where most of them start takes at least one of r, with the layer's input writes, which every
 * tile of the layer takes whole). Loads only add up, so no packing's busiest tile carries less.
 */
export function packingLoadFloorCycles(
  arch: ArchSpec,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  scratch: PlacementScratch,
): number {
  const opsRate = arch.tile.digital.opsPerCycle;
  const accessesPerCycle = arch.tile.edram.accessesPerCycle;
  let floor = 0;
  for (let k = 0; k < scratch.digitalLayers.length; k++) {
    const d = scratch.digitalLayers[k] as number;
    floor = Math.max(floor, ((flow.layers[d]?.digitalOps ?? 0) + (scratch.fusedOps[d] as number)) / opsRate);
  }
  for (let i = 0; i < mappings.length; i++) {
    const m = mappings[i] as LayerCrossbarMapping;
    const least = 1 / (replicas[i] ?? 1);
    const reads = portReads(arch, scratch.mvmPortElements[m.layerIndex] as number, m);
    const writes = portWrites(arch, scratch.inputPortElements[m.layerIndex] as number, m);
    floor = Math.max(floor, (reads * least + writes) / accessesPerCycle, (least * (scratch.fusedOps[m.layerIndex] as number)) / opsRate);
  }
  return floor;
}
