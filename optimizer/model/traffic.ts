import type { ArchSpec } from '../../arch/types';
import type { Placement } from '../../arch/placement';
import { routerOfTile } from '../../arch/placement';
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
  /** Bits moved through each tile's eDRAM port, rounded up to whole accesses per piece (rule 6). */
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

/**
 * Writes the mesh links of the XY route between two routers into `links` (router * 4 + direction:
 * 0 +x, 1 -x, 2 +y, 3 -y) and returns the hop count.
 */
export function xyRoute(meshWidth: number, from: number, to: number, links: Int32Array): number {
  let x = from % meshWidth;
  let y = Math.floor(from / meshWidth);
  const tx = to % meshWidth;
  const ty = Math.floor(to / meshWidth);
  let hops = 0;
  while (x !== tx) {
    links[hops++] = (y * meshWidth + x) * 4 + (tx > x ? 0 : 1);
    x += tx > x ? 1 : -1;
  }
  while (y !== ty) {
    links[hops++] = (y * meshWidth + x) * 4 + (ty > y ? 2 : 3);
    y += ty > y ? 1 : -1;
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

/** Per row of a stored tensor, what each producing tile sends to one reader tile: flits and eDRAM accesses. */
export interface RowPieceLoad {
  flits: number;
  accesses: number;
}

/**
 * Each replica sends its own piece of a row (rule 6), packetised on its own and written to the receiving eDRAM
 * with whole accesses, so a heavily replicated layer's small pieces cost more flits (headers) and accesses than
 * its bits alone. Replica k of r holds floor(W/r) or ceil(W/r) pixels of a row (W mod r of them the larger
 * count) when r <= W, else one pixel in W of every r rows on average. An fc layer's replicas take whole images
 * in turn; digital layers and the network input send whole rows. Tile -1: the off-chip input.
 */
export function rowPieceLoads(ctx: ModelContext, placement: Placement, producer: number, rowBits: number): Map<number, RowPieceLoad> {
  const arch = ctx.arch;
  const cost = (bits: number): RowPieceLoad => ({ flits: flitsForBits(arch, bits), accesses: Math.ceil(bits / arch.tile.edram.accessBits) });
  const out = new Map<number, RowPieceLoad>();
  const add = (tile: number, weight: number, load: RowPieceLoad): void => {
    const prev = out.get(tile) ?? { flits: 0, accesses: 0 };
    out.set(tile, { flits: prev.flits + weight * load.flits, accesses: prev.accesses + weight * load.accesses });
  };
  const layer = producer < 0 ? undefined : ctx.layers[producer];
  const weighted = layer !== undefined && layer.weightedPos >= 0 ? placement.weighted[layer.weightedPos] : undefined;
  if (layer === undefined) add(-1, 1, cost(rowBits));
  else if (weighted === undefined) add(placement.layerTiles[layer.index]?.[0] ?? 0, 1, cost(rowBits));
  else if (layer.kind !== 'conv') for (const t of weighted.replicaTiles) add(t, 1 / weighted.replicas, cost(rowBits));
  else {
    const r = weighted.replicas;
    const w = layer.outCols;
    const pixelBits = rowBits / w;
    let flits: number;
    let accesses: number;
    if (r <= w) {
      const lo = cost(Math.floor(w / r) * pixelBits);
      const hi = cost(Math.ceil(w / r) * pixelBits);
      const f = (w % r) / r;
      flits = f * hi.flits + (1 - f) * lo.flits;
      accesses = f * hi.accesses + (1 - f) * lo.accesses;
    } else {
      const one = cost(pixelBits);
      flits = (w / r) * one.flits;
      accesses = (w / r) * one.accesses;
    }
    for (const t of weighted.replicaTiles) add(t, 1, { flits, accesses });
  }
  return out;
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
  const route = new Int32Array(2 * (width + routers));
  // Flows as parallel arrays (NOTE: no per-flow objects; this runs once per evaluation).
  const flowFrom: number[] = [];
  const flowTo: number[] = [];
  const flowFlits: number[] = [];
  const flowProducer: number[] = [];
  ctx.flow.readers.forEach((consumers, slot) => {
    if (consumers.length === 0) return;
    const producer = slot - 1;
    // Each tile hosting a consumer gets one copy of the tensor.
    const dests: number[] = [];
    for (const c of consumers) for (const t of placement.layerTiles[c] ?? []) if (!dests.includes(t)) dests.push(t);
    const bits = tensorBits(ctx, producer, abits);
    const source = producer < 0 ? undefined : ctx.layers[producer];
    const input = ctx.net.network.input;
    const rows = source ? source.outRows : input.height;
    const rowElements = source ? source.outCols * source.outChannels : input.width * input.channels;
    for (const [fromTile, load] of rowPieceLoads(ctx, placement, producer, rowElements * bits)) {
      const flits = rows * load.flits;
      for (const toTile of dests) {
        loads.edramBits[toTile] = (loads.edramBits[toTile] ?? 0) + rows * load.accesses * arch.tile.edram.accessBits;
        if (fromTile === toTile) continue;
        flowFrom.push(fromTile);
        flowTo.push(toTile);
        flowFlits.push(flits);
        flowProducer.push(producer);
      }
    }
  });
  const linkFlits = loads.linkFlits;
  for (let f = 0; f < flowFrom.length; f++) {
    const fromTile = flowFrom[f] as number;
    const toTile = flowTo[f] as number;
    const flits = flowFlits[f] as number;
    if (fromTile >= 0) loads.injectFlits[fromTile] = (loads.injectFlits[fromTile] ?? 0) + flits;
    loads.ejectFlits[toTile] = (loads.ejectFlits[toTile] ?? 0) + flits;
    const hops = xyRoute(width, fromTile < 0 ? 0 : routerOfTile(arch, fromTile), routerOfTile(arch, toTile), route);
    for (let h = 0; h < hops; h++) linkFlits[route[h] as number] = (linkFlits[route[h] as number] ?? 0) + flits;
    loads.totalFlits += flits;
    loads.totalFlitHops += flits * (hops + 1);
  }
  // Second pass: the busiest link on each flow's path bounds the layers it feeds.
  for (let f = 0; f < flowFrom.length; f++) {
    const fromTile = flowFrom[f] as number;
    const toTile = flowTo[f] as number;
    const hops = xyRoute(width, fromTile < 0 ? 0 : routerOfTile(arch, fromTile), routerOfTile(arch, toTile), route);
    let worst = 0;
    for (let h = 0; h < hops; h++) worst = Math.max(worst, linkFlits[route[h] as number] ?? 0);
    for (const c of ctx.flow.readers[(flowProducer[f] as number) + 1] ?? []) {
      if (!(placement.layerTiles[c] ?? []).includes(toTile)) continue;
      if (worst > (loads.layerLinkFlits[c] ?? 0)) loads.layerLinkFlits[c] = worst;
      if (hops > (loads.layerMaxHops[c] ?? 0)) loads.layerMaxHops[c] = hops;
    }
  }
  return loads;
}
