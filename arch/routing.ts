/**
 * NoC rules shared by the analytical model (optimizer/model/traffic.ts) and the simulator (sim/noc.ts):
 * how a transfer is cut into flits and which mesh links XY routing takes (docs/hardware-model.md rule 6);
 * and the mesh itself: routers in a row-major mesh, their coordinates, which router serves a tile.
 */
import type { ArchSpec } from './types';

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

/** Flits of one packetised transfer of `bits`: payload flits plus header flits per packet. */
export function flitsOfBits(arch: ArchSpec, bits: number): number {
  if (bits <= 0) return 0;
  const packets = Math.ceil(bits / arch.noc.packetPayloadBits);
  return Math.ceil(bits / arch.noc.flitBits) + packets * arch.noc.headerFlits;
}

/** Directions of the mesh links leaving a router, in link-id order (meshLinkId). */
export const MESH_DIRECTIONS = ['+x', '-x', '+y', '-y'] as const;

/** Id of the mesh link leaving router (x, y) in direction `dir` (an index into MESH_DIRECTIONS): router * 4 + dir. */
export function meshLinkId(meshWidth: number, x: number, y: number, dir: number): number {
  return (y * meshWidth + x) * 4 + dir;
}

/**
 * XY routing (X first, then Y) from router (x, y) to router (tx, ty): writes the mesh link ids it crosses, in
 * order, into `links` from index `at`, and returns their count (router-to-router hops).
 */
export function xyRouteLinks(meshWidth: number, x: number, y: number, tx: number, ty: number, links: number[], at: number): number {
  let hops = 0;
  while (x !== tx) {
    links[at + hops++] = meshLinkId(meshWidth, x, y, tx > x ? 0 : 1);
    x += tx > x ? 1 : -1;
  }
  while (y !== ty) {
    links[at + hops++] = meshLinkId(meshWidth, x, y, ty > y ? 2 : 3);
    y += ty > y ? 1 : -1;
  }
  return hops;
}
