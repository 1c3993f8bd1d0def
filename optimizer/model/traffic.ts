import type { ArchSpec } from '../../arch/types';
import type { Placement } from '../../arch/placement';
import { routerOfTile, routerXY } from '../../arch/placement';
import type { ModelContext } from './context';
import { tensorBits } from './context';

/** Flits of one packetised transfer of `bits` (docs/hardware-model.md rule 6). */
export function flitsForBits(arch: ArchSpec, bits: number): number {
  if (bits <= 0) return 0;
  const packets = Math.ceil(bits / arch.noc.packetPayloadBits);
  return Math.ceil(bits / arch.noc.flitBits) + packets * arch.noc.headerFlits;
}

/** Per-image load on each tile's shared resources and on the mesh links. */
export interface TrafficLoads {
  /** Flits leaving each tile through its injection link. */
  injectFlits: Float64Array;
  /** Flits entering each tile through its ejection link. */
  ejectFlits: Float64Array;
  /** Bits written to / read from each tile's eDRAM. */
  edramBits: Float64Array;
  /** Flits on each mesh link (router * 4 + direction: 0 +x, 1 -x, 2 +y, 3 -y). */
  linkFlits: Float64Array;
  /** Largest mesh-link load on any path into each layer (flits). */
  layerLinkFlits: Float64Array;
  /** Flits and router traversals of all transfers, for energy. */
  totalFlitHops: number;
  totalFlits: number;
  /** For each layer, the largest router-to-router hop count from any of its producers. */
  layerMaxHops: Int32Array;
}

/** Calls `visit(link)` for each mesh link of the XY route between two routers. */
function forEachLink(meshWidth: number, from: number, to: number, visit: (link: number) => void): number {
  let [x, y] = routerXY(meshWidth, from);
  const [tx, ty] = routerXY(meshWidth, to);
  let hops = 0;
  while (x !== tx) {
    const dir = tx > x ? 0 : 1;
    visit((y * meshWidth + x) * 4 + dir);
    x += tx > x ? 1 : -1;
    hops++;
  }
  while (y !== ty) {
    const dir = ty > y ? 2 : 3;
    visit((y * meshWidth + x) * 4 + dir);
    y += ty > y ? 1 : -1;
    hops++;
  }
  return hops;
}

/** Share of a layer's output produced on each of its tiles (replicas split pixels evenly). */
export function tileShares(ctx: ModelContext, placement: Placement, layer: number): Map<number, number> {
  const shares = new Map<number, number>();
  const pos = ctx.layers[layer]?.weightedPos ?? -1;
  const weighted = pos >= 0 ? placement.weighted[pos] : undefined;
  if (weighted !== undefined) {
    const each = 1 / weighted.replicas;
    for (const t of weighted.replicaTiles) shares.set(t, (shares.get(t) ?? 0) + each);
  } else {
    shares.set(placement.layerTiles[layer]?.[0] ?? 0, 1);
  }
  return shares;
}

/**
 * Routes every producer-to-consumer-tile transfer of one image. Each tensor row piece goes once to each tile
 * hosting a consumer (rule 6); the network input enters at router 0 through the off-chip link.
 */
export function computeTraffic(ctx: ModelContext, placement: Placement, abits: readonly number[], routers: number): TrafficLoads {
  const arch = ctx.arch;
  const tiles = arch.chip.tiles;
  const loads: TrafficLoads = {
    injectFlits: new Float64Array(tiles),
    ejectFlits: new Float64Array(tiles),
    edramBits: new Float64Array(tiles),
    linkFlits: new Float64Array(routers * 4),
    layerLinkFlits: new Float64Array(ctx.layers.length),
    totalFlitHops: 0,
    totalFlits: 0,
    layerMaxHops: new Int32Array(ctx.layers.length),
  };
  const width = ctx.meshWidth;
  // Destination tiles of each producer's tensor (union over its non-free consumers).
  const destinations = new Map<number, Set<number>>();
  ctx.dataConsumers.forEach((consumers, slot) => {
    if (consumers.length === 0) return;
    const set = new Set<number>();
    for (const c of consumers) for (const t of placement.layerTiles[c] ?? []) set.add(t);
    destinations.set(slot - 1, set);
  });
  const flows: Array<{ fromRouter: number; fromTile: number; toTile: number; flits: number; producer: number }> = [];
  for (const [producer, dests] of destinations) {
    const bits = tensorBits(ctx, producer, abits);
    const source = producer < 0 ? undefined : ctx.layers[producer];
    const rows = source ? source.outRows : (ctx.net.network.input.height);
    const rowElements = source
      ? source.outCols * source.outChannels
      : ctx.net.network.input.width * ctx.net.network.input.channels;
    const shares = producer < 0 ? new Map([[-1, 1]]) : tileShares(ctx, placement, producer);
    for (const [fromTile, share] of shares) {
      const pieceBits = rowElements * bits * share;
      const flits = rows * flitsForBits(arch, pieceBits);
      for (const toTile of dests) {
        loads.edramBits[toTile] = (loads.edramBits[toTile] ?? 0) + rows * pieceBits;
        if (fromTile === toTile) continue;
        flows.push({ fromRouter: fromTile < 0 ? 0 : routerOfTile(arch, fromTile), fromTile, toTile, flits, producer });
      }
    }
  }
  for (const f of flows) {
    if (f.fromTile >= 0) loads.injectFlits[f.fromTile] = (loads.injectFlits[f.fromTile] ?? 0) + f.flits;
    loads.ejectFlits[f.toTile] = (loads.ejectFlits[f.toTile] ?? 0) + f.flits;
    const hops = forEachLink(width, f.fromRouter, routerOfTile(arch, f.toTile), (link) => {
      loads.linkFlits[link] = (loads.linkFlits[link] ?? 0) + f.flits;
    });
    loads.totalFlits += f.flits;
    loads.totalFlitHops += f.flits * (hops + 1);
  }
  // Second pass: the busiest link on each flow's path bounds the layers it feeds.
  for (const f of flows) {
    let worst = 0;
    const hops = forEachLink(width, f.fromRouter, routerOfTile(arch, f.toTile), (link) => {
      worst = Math.max(worst, loads.linkFlits[link] ?? 0);
    });
    for (const c of ctx.dataConsumers[f.producer + 1] ?? []) {
      if (!(placement.layerTiles[c] ?? []).includes(f.toTile)) continue;
      loads.layerLinkFlits[c] = Math.max(loads.layerLinkFlits[c] ?? 0, worst);
      loads.layerMaxHops[c] = Math.max(loads.layerMaxHops[c] ?? 0, hops);
    }
  }
  return loads;
}
