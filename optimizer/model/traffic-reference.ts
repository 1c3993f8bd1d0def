/**
 * A plain reference of routeTraffic (traffic.ts), which is written for speed (reused parallel arrays, per-tile
 * stamps, flows routed into one flat link array). This one computes the same per-image loads from the same rules
 * (rule 3: each replica sends its own piece of a row; rule 6: one copy per reader tile, XY routes, whole eDRAM
 * accesses) with plain objects and maps, once per call; test/model-traffic-reference.test.ts compares the two on the
 * zoo. Not for the search loop.
 */
import type { Placement } from '../../arch/placement';
import { routerOfTile, routerXY } from '../../arch/placement';
import { flitsOfBits, xyRouteLinks } from '../../arch/routing';
import { edramAccesses } from '../../arch/timing';
import type { ModelContext } from './types';

export interface ReferenceTraffic {
  injectFlits: number[];
  ejectFlits: number[];
  edramBits: number[];
  edramSqAccesses: number[];
  /** Flits per mesh link id (arch/routing.ts meshLinkId), links with traffic only. */
  linkFlits: Map<number, number>;
  layerLinkFlits: number[];
  layerMaxHops: number[];
  totalFlits: number;
  totalFlitHops: number;
  /** Every row piece delivered to a reader tile, local ones included (the credit-loop reference reads them). */
  deliveries: ReferenceDelivery[];
}

/** One producing tile's piece of each row of a stored tensor, delivered to one reader tile. */
export interface ReferenceDelivery {
  /** The stored tensor (producer + 1). */
  slot: number;
  /** Producing tile (-1: the off-chip input) and reader tile; equal when the piece stays on its tile. */
  fromTile: number;
  toTile: number;
  /** Flits per row of the tile's piece (its replicas' pieces together). */
  rowFlits: number;
  /** eDRAM accesses of one replica's part of the piece, whole: its last write. */
  writeAccesses: number;
  /** Mesh links of the XY route (none when local). */
  links: number[];
}

/** What one producing tile sends per row to each reader tile: its replicas' pieces together. */
interface TilePiece {
  tile: number;
  flits: number;
  accesses: number;
  sqAccesses: number;
  /** One replica's accesses (the tile's piece is its replicas' together). */
  unitAccesses: number;
}

/** Per row of a stored tensor, each producing tile's piece (tile -1: the off-chip input). */
function rowPieces(ctx: ModelContext, placement: Placement, producer: number, rowBits: number): TilePiece[] {
  const arch = ctx.arch;
  const whole = (bits: number): TilePiece => {
    const accesses = edramAccesses(arch, bits);
    return { tile: -1, flits: flitsOfBits(arch, bits), accesses, sqAccesses: accesses * accesses, unitAccesses: accesses };
  };
  const layer = producer < 0 ? undefined : ctx.layers[producer];
  const weighted = layer !== undefined && layer.weightedPos >= 0 ? placement.weighted[layer.weightedPos] : undefined;
  if (layer === undefined || weighted === undefined) {
    return [{ ...whole(rowBits), tile: layer === undefined ? -1 : (placement.layerTiles[layer.index]?.[0] ?? 0) }];
  }
  // One replica's average piece per row: fc replicas take whole images in turn; conv replica k of r holds floor(W/r)
  // or ceil(W/r) pixels of a row (W mod r of them the larger), or one pixel in W of every r rows when r > W.
  const r = weighted.replicas;
  let piece: Omit<TilePiece, 'tile'>;
  if (layer.kind !== 'conv') {
    const w = whole(rowBits);
    piece = { flits: w.flits / r, accesses: w.accesses / r, sqAccesses: w.sqAccesses / r, unitAccesses: w.accesses / r };
  } else {
    const w = layer.outCols;
    const pixelBits = rowBits / w;
    if (r <= w) {
      const hi = whole(Math.ceil(w / r) * pixelBits);
      const lo = whole(Math.floor(w / r) * pixelBits);
      const f = (w % r) / r;
      piece = {
        flits: f * hi.flits + (1 - f) * lo.flits,
        accesses: f * hi.accesses + (1 - f) * lo.accesses,
        sqAccesses: f * hi.accesses * hi.accesses + (1 - f) * lo.accesses * lo.accesses,
        unitAccesses: f * hi.accesses + (1 - f) * lo.accesses,
      };
    } else {
      const one = whole(pixelBits);
      const accesses = (w / r) * one.accesses;
      piece = { flits: (w / r) * one.flits, accesses, sqAccesses: (w / r) * one.accesses * one.accesses, unitAccesses: accesses };
    }
  }
  // A tile's sibling replicas send their pieces of a row together.
  const byTile = new Map<number, TilePiece>();
  for (const tile of weighted.replicaTiles) {
    const p = byTile.get(tile);
    if (p === undefined) byTile.set(tile, { tile, ...piece });
    else {
      p.flits += piece.flits;
      p.accesses += piece.accesses;
      p.sqAccesses += piece.sqAccesses;
    }
  }
  return [...byTile.values()];
}

/** The per-image loads of every producer-to-reader-tile transfer (what routeTraffic returns), computed plainly. */
export function referenceTraffic(ctx: ModelContext, placement: Placement, storedBits: Float64Array): ReferenceTraffic {
  const arch = ctx.arch;
  const tiles = arch.chip.tiles;
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);
  const out: ReferenceTraffic = {
    injectFlits: zeros(tiles),
    ejectFlits: zeros(tiles),
    edramBits: zeros(tiles),
    edramSqAccesses: zeros(tiles),
    linkFlits: new Map(),
    layerLinkFlits: zeros(ctx.net.layers.length),
    layerMaxHops: zeros(ctx.net.layers.length),
    totalFlits: 0,
    totalFlitHops: 0,
    deliveries: [],
  };
  const xy = (tile: number): [number, number] => (tile < 0 ? [0, 0] : routerXY(ctx.meshWidth, routerOfTile(arch, tile)));
  const flows: Array<{ slot: number; toTile: number; links: number[] }> = [];
  const input = ctx.net.network.input;
  for (const slot of ctx.readSlots) {
    const producer = slot - 1;
    const readers = ctx.flow.readers[slot] ?? [];
    const dests = [...new Set(readers.flatMap((c) => placement.layerTiles[c] ?? []))];
    const source = producer < 0 ? undefined : ctx.layers[producer];
    const rows = source ? source.outRows : input.height;
    const rowElements = source ? source.outCols * source.outChannels : input.width * input.channels;
    for (const piece of rowPieces(ctx, placement, producer, rowElements * (storedBits[slot] ?? 0))) {
      const flits = rows * piece.flits;
      for (const toTile of dests) {
        out.edramBits[toTile] = (out.edramBits[toTile] ?? 0) + rows * piece.accesses * arch.tile.edram.accessBits;
        out.edramSqAccesses[toTile] = (out.edramSqAccesses[toTile] ?? 0) + rows * piece.sqAccesses;
        const delivery = { slot, fromTile: piece.tile, toTile, rowFlits: piece.flits, writeAccesses: Math.ceil(piece.unitAccesses), links: [] as number[] };
        out.deliveries.push(delivery);
        if (piece.tile === toTile) continue;
        if (piece.tile >= 0) out.injectFlits[piece.tile] = (out.injectFlits[piece.tile] ?? 0) + flits;
        out.ejectFlits[toTile] = (out.ejectFlits[toTile] ?? 0) + flits;
        const links: number[] = [];
        const [x, y] = xy(piece.tile);
        const [tx, ty] = xy(toTile);
        xyRouteLinks(ctx.meshWidth, x, y, tx, ty, links, 0);
        delivery.links = links;
        for (const link of links) out.linkFlits.set(link, (out.linkFlits.get(link) ?? 0) + flits);
        out.totalFlits += flits;
        out.totalFlitHops += flits * (links.length + 1);
        flows.push({ slot, toTile, links });
      }
    }
  }
  // The busiest link on a flow's path bounds each reader the flow feeds (a reader on the destination tile).
  for (const f of flows) {
    let worst = 0;
    for (const link of f.links) worst = Math.max(worst, out.linkFlits.get(link) ?? 0);
    for (const c of ctx.flow.readers[f.slot] ?? []) {
      if (!(placement.layerTiles[c] ?? []).includes(f.toTile)) continue;
      out.layerLinkFlits[c] = Math.max(out.layerLinkFlits[c] ?? 0, worst);
      out.layerMaxHops[c] = Math.max(out.layerMaxHops[c] ?? 0, f.links.length);
    }
  }
  return out;
}
