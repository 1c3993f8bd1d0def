import type { Placement } from '../../arch/placement';
import { flitsOfBits, xyRouteLinks } from '../../arch/routing';
import { edramAccesses } from '../../arch/timing';
import { MappingError } from '../../errors';
import { fillStoredBits } from './context';
import type { ModelContext, TrafficLoads, TrafficScratch } from './types';

/** The distinct tiles hosting `consumers`, in order of first appearance, into s.dests / s.destCount. */
function collectDests(s: TrafficScratch, placement: Placement, consumers: readonly number[]): void {
  // NOTE: written for speed: a per-tile stamp replaces a linear `includes` per tile (reset only on wrap-around).
  if (s.destStamp >= 0x3fffffff) {
    s.destSeen.fill(0);
    s.destStamp = 0;
  }
  const stamp = ++s.destStamp;
  let count = 0;
  for (let c = 0; c < consumers.length; c++) {
    const tiles = placement.layerTiles[consumers[c] as number] ?? [];
    for (let k = 0; k < tiles.length; k++) {
      const t = tiles[k] as number;
      if (s.destSeen[t] === stamp) continue;
      s.destSeen[t] = stamp;
      s.dests[count++] = t;
    }
  }
  s.destCount = count;
}

/**
 * Appends the mesh links of the XY route from `fromTile` (-1: the off-chip input at router 0) to `toTile` to
 * s.flowLinks at `at`; returns the hop count (arch/routing.ts xyRouteLinks).
 */
function routeInto(s: TrafficScratch, meshWidth: number, fromTile: number, toTile: number, at: number): number {
  const x = fromTile < 0 ? 0 : (s.tileX[fromTile] as number);
  const y = fromTile < 0 ? 0 : (s.tileY[fromTile] as number);
  return xyRouteLinks(meshWidth, x, y, s.tileX[toTile] as number, s.tileY[toTile] as number, s.flowLinks, at);
}

/** Calls `visit(tile, share)` for each tile producing a layer's output, with its share (replicas split pixels evenly). */
export function forEachTileShare(ctx: ModelContext, placement: Placement, layer: number, visit: (tile: number, share: number) => void): void {
  const pos = ctx.layers[layer]?.weightedPos ?? -1;
  const weighted = pos >= 0 ? placement.weighted[pos] : undefined;
  if (weighted !== undefined) {
    const each = 1 / weighted.replicas;
    for (const t of weighted.replicaTiles) visit(t, each);
  } else visit(placement.layerTiles[layer]?.[0] ?? 0, 1);
}

/** Adds one replica's piece (`accesses` each) to its tile's piece; a tile's sibling replicas send theirs together. */
function addPiece(s: TrafficScratch, tile: number, flits: number, accesses: number, sqAccesses: number): void {
  for (let k = 0; k < s.pieces; k++) {
    if (s.pieceTile[k] === tile) {
      s.pieceFlits[k] = (s.pieceFlits[k] ?? 0) + flits;
      s.pieceAccesses[k] = (s.pieceAccesses[k] ?? 0) + accesses;
      s.pieceSqAccesses[k] = (s.pieceSqAccesses[k] ?? 0) + sqAccesses;
      return;
    }
  }
  s.pieceTile[s.pieces] = tile;
  s.pieceFlits[s.pieces] = flits;
  s.pieceAccesses[s.pieces] = accesses;
  s.pieceSqAccesses[s.pieces] = sqAccesses;
  s.pieceUnitAccesses[s.pieces] = accesses;
  s.pieces++;
}

/**
 * Per row of a stored tensor, what each producing tile sends to one reader tile (flits and eDRAM accesses), into
 * `s.piece*`. Each replica sends its own piece of a row (rule 6), packetised on its own and written to the
 * receiving eDRAM with whole accesses, so a heavily replicated layer's small pieces cost more flits (headers) and
 * accesses than its bits alone. Replica k of r holds floor(W/r) or ceil(W/r) pixels of a row (W mod r of them the
 * larger count) when r <= W, else one pixel in W of every r rows on average. An fc layer's replicas take whole
 * images in turn; digital layers and the network input send whole rows. Tile -1: the off-chip input.
 */
export function rowPieceLoads(ctx: ModelContext, placement: Placement, producer: number, rowBits: number, s: TrafficScratch): void {
  const arch = ctx.arch;
  s.pieces = 0;
  const layer = producer < 0 ? undefined : ctx.layers[producer];
  const weighted = layer !== undefined && layer.weightedPos >= 0 ? placement.weighted[layer.weightedPos] : undefined;
  if (layer === undefined || weighted === undefined) {
    const tile = layer === undefined ? -1 : (placement.layerTiles[layer.index]?.[0] ?? 0);
    const accesses = edramAccesses(arch, rowBits);
    addPiece(s, tile, flitsOfBits(arch, rowBits), accesses, accesses * accesses);
    return;
  }
  const r = weighted.replicas;
  let flits: number;
  let accesses: number;
  let sq: number;
  if (layer.kind !== 'conv') {
    flits = flitsOfBits(arch, rowBits) / r;
    const whole = edramAccesses(arch, rowBits);
    accesses = whole / r;
    sq = (whole * whole) / r;
  } else {
    const w = layer.outCols;
    const pixelBits = rowBits / w;
    if (r <= w) {
      const loBits = Math.floor(w / r) * pixelBits;
      const hiBits = Math.ceil(w / r) * pixelBits;
      const f = (w % r) / r;
      flits = f * flitsOfBits(arch, hiBits) + (1 - f) * flitsOfBits(arch, loBits);
      const hi = edramAccesses(arch, hiBits);
      const lo = edramAccesses(arch, loBits);
      accesses = f * hi + (1 - f) * lo;
      sq = f * hi * hi + (1 - f) * lo * lo;
    } else {
      flits = (w / r) * flitsOfBits(arch, pixelBits);
      const one = edramAccesses(arch, pixelBits);
      accesses = (w / r) * one;
      sq = (w / r) * one * one;
    }
  }
  for (const t of weighted.replicaTiles) addPiece(s, t, flits, accesses, sq);
}

/**
 * Routes every producer-to-consumer-tile transfer of one image. Each tensor row piece goes once to each tile
 * hosting a consumer (rule 6); the network input enters at router 0 through the off-chip link. The loads live in
 * `ctx.traffic` and stay valid until the next evaluation.
 */
export function computeTraffic(ctx: ModelContext, placement: Placement, abits: readonly number[]): TrafficLoads {
  return routeTraffic(ctx, placement, fillStoredBits(ctx, abits));
}

/** computeTraffic with the plan's bits per stored tensor already in `storedBits` (by producer + 1). */
/**
 * Most route links one evaluation may keep (8 bytes each): a plan spread over thousands of tiles whose layers all
 * talk to each other has tile-to-tile flows growing as the product of the tile counts, and would otherwise take
 * gigabytes and minutes before any answer (chip.tiles=1048576 with 4096 replicas per layer).
 */
export const MAX_ROUTED_LINKS = 30_000_000;

/** Links the flows of the current pieces to the current destinations take (XY routes: |dx| + |dy| each). */
function routedLinksOf(s: TrafficScratch): number {
  let links = 0;
  for (let k = 0; k < s.pieces; k++) {
    const from = s.pieceTile[k] as number;
    const x = from < 0 ? 0 : (s.tileX[from] as number);
    const y = from < 0 ? 0 : (s.tileY[from] as number);
    for (let d = 0; d < s.destCount; d++) {
      const to = s.dests[d] as number;
      links += Math.abs((s.tileX[to] as number) - x) + Math.abs((s.tileY[to] as number) - y);
    }
  }
  return links;
}

/**
 * Fails fast when the routes would exceed MAX_ROUTED_LINKS, before any is routed: a bound from tile counts first
 * (O(tensors), enough for every ordinary plan), and only when that bound is large, the exact link count.
 * @throws MappingError
 */
function checkRoutingSize(ctx: ModelContext, placement: Placement, s: TrafficScratch): void {
  const width = ctx.meshWidth;
  const routersUsed = Math.ceil(placement.tilesUsed / ctx.arch.noc.concentration);
  const maxHops = Math.min(routersUsed, width) + Math.ceil(routersUsed / width);
  const readers = ctx.flow.readers;
  const senders = (producer: number): number => {
    if (producer < 0) return 1;
    const pos = ctx.layers[producer]?.weightedPos ?? -1;
    const weighted = pos >= 0 ? placement.weighted[pos] : undefined;
    return Math.max(weighted?.replicaTiles.length ?? 0, placement.layerTiles[producer]?.length ?? 1, 1);
  };
  let bound = 0;
  for (let r = 0; r < ctx.readSlots.length; r++) {
    const slot = ctx.readSlots[r] as number;
    let dests = 0;
    for (const c of readers[slot] as number[]) dests += placement.layerTiles[c]?.length ?? 1;
    bound += senders(slot - 1) * dests * maxHops;
  }
  if (bound <= MAX_ROUTED_LINKS) return;
  let links = 0;
  for (let r = 0; r < ctx.readSlots.length; r++) {
    const slot = ctx.readSlots[r] as number;
    collectDests(s, placement, readers[slot] as number[]);
    rowPieceLoads(ctx, placement, slot - 1, 1, s);
    links += routedLinksOf(s);
    if (links > MAX_ROUTED_LINKS) throw tooLargeToModel(ctx, placement, slot - 1, s);
  }
}

function tooLargeToModel(ctx: ModelContext, placement: Placement, producer: number, s: TrafficScratch): MappingError {
  const name = producer < 0 ? 'the network input' : `layer '${ctx.net.layers[producer]?.layer.name ?? producer}'`;
  return new MappingError(
    `the plan is too large for the analytical model: it spreads over ${placement.tilesUsed} tiles, and its tile-to-tile routes ` +
      `(up to ${name}, sent from ${s.pieces} tiles to ${s.destCount}) take more than ${MAX_ROUTED_LINKS} mesh links. ` +
      'Use fewer replicas, or a smaller chip (--set chip.tiles=...) so the layers sit closer together.',
  );
}

export function routeTraffic(ctx: ModelContext, placement: Placement, storedBits: Float64Array): TrafficLoads {
  const arch = ctx.arch;
  const s = ctx.traffic;
  s.injectFlits.fill(0);
  s.ejectFlits.fill(0);
  s.edramBits.fill(0);
  s.edramSqAccesses.fill(0);
  s.linkFlits.fill(0);
  s.layerLinkFlits.fill(0);
  s.layerMaxHops.fill(0);
  const loads: TrafficLoads = {
    injectFlits: s.injectFlits,
    ejectFlits: s.ejectFlits,
    edramBits: s.edramBits,
    edramSqAccesses: s.edramSqAccesses,
    linkFlits: s.linkFlits,
    layerLinkFlits: s.layerLinkFlits,
    totalFlitHops: 0,
    totalFlits: 0,
    layerMaxHops: s.layerMaxHops,
  };
  const width = ctx.meshWidth;
  const accessBits = arch.tile.edram.accessBits;
  const linkFlits = s.linkFlits;
  const flowLinks = s.flowLinks;
  checkRoutingSize(ctx, placement, s);
  let flows = 0;
  let plannedLinks = 0;
  let linkCount = 0;
  let deliveries = 0;
  let destTotal = 0;
  const input = ctx.net.network.input;
  const readers = ctx.flow.readers;
  for (let r = 0; r < ctx.readSlots.length; r++) {
    const slot = ctx.readSlots[r] as number;
    const producer = slot - 1;
    // Each tile hosting a consumer gets one copy of the tensor.
    collectDests(s, placement, readers[slot] as number[]);
    const bits = storedBits[slot] as number;
    const source = producer < 0 ? undefined : ctx.layers[producer];
    const rows = source ? source.outRows : input.height;
    const rowElements = source ? source.outCols * source.outChannels : input.width * input.channels;
    rowPieceLoads(ctx, placement, producer, rowElements * bits, s);
    // Feasibility before anything grows: every (piece, destination) pair is a routed flow of up to a mesh
    // diameter of links, kept for the second pass.
    plannedLinks += routedLinksOf(s);
    if (plannedLinks > MAX_ROUTED_LINKS) throw tooLargeToModel(ctx, placement, producer, s);
    s.slotDeliveryStart[r] = deliveries;
    s.slotDestStart[r] = destTotal;
    for (let d = 0; d < s.destCount; d++) s.slotDests[destTotal++] = s.dests[d] as number;
    for (let k = 0; k < s.pieces; k++) {
      const fromTile = s.pieceTile[k] as number;
      const writeAccesses = Math.ceil(s.pieceUnitAccesses[k] as number);
      const flits = rows * (s.pieceFlits[k] as number);
      const edramBits = rows * (s.pieceAccesses[k] as number) * accessBits;
      const sqAccesses = rows * (s.pieceSqAccesses[k] as number);
      for (let d = 0; d < s.destCount; d++) {
        const toTile = s.dests[d] as number;
        s.edramBits[toTile] = (s.edramBits[toTile] as number) + edramBits;
        s.edramSqAccesses[toTile] = (s.edramSqAccesses[toTile] as number) + sqAccesses;
        s.deliveryDest[deliveries] = d;
        s.deliveryWriteAccesses[deliveries] = writeAccesses;
        s.deliveryRowAccesses[deliveries] = s.pieceAccesses[k] as number;
        s.deliveryFlow[deliveries++] = fromTile === toTile ? -1 : flows;
        if (fromTile === toTile) continue;
        // NOTE: each flow is routed as it is found (every load still sums in flow order); its links are kept
        // for the second pass.
        if (fromTile >= 0) s.injectFlits[fromTile] = (s.injectFlits[fromTile] as number) + flits;
        s.ejectFlits[toTile] = (s.ejectFlits[toTile] as number) + flits;
        const hops = routeInto(s, width, fromTile, toTile, linkCount);
        s.flowTo[flows] = toTile;
        s.flowSlot[flows] = slot;
        s.flowLinkStart[flows] = linkCount;
        s.flowHops[flows] = hops;
        s.flowFrom[flows] = fromTile;
        s.flowRowFlits[flows] = s.pieceFlits[k] as number;
        for (let h = 0; h < hops; h++) {
          const link = flowLinks[linkCount++] as number;
          linkFlits[link] = (linkFlits[link] as number) + flits;
        }
        loads.totalFlits += flits;
        loads.totalFlitHops += flits * (hops + 1);
        flows++;
      }
    }
  }
  s.slotDeliveryStart[ctx.readSlots.length] = deliveries;
  s.slotDestStart[ctx.readSlots.length] = destTotal;
  // Second pass: the busiest link on each flow's path bounds the layers it feeds.
  for (let f = 0; f < flows; f++) {
    const toTile = s.flowTo[f] as number;
    const hops = s.flowHops[f] as number;
    const start = s.flowLinkStart[f] as number;
    let worst = 0;
    for (let h = 0; h < hops; h++) worst = Math.max(worst, linkFlits[flowLinks[start + h] as number] ?? 0);
    const consumers = readers[s.flowSlot[f] as number] ?? [];
    for (let k = 0; k < consumers.length; k++) {
      const c = consumers[k] as number;
      // A reader's tiles are one ascending range (placement: a weighted layer's cores, a digital layer's tile).
      const tiles = placement.layerTiles[c] ?? [];
      if (tiles.length === 0 || toTile < (tiles[0] as number) || toTile > (tiles[tiles.length - 1] as number)) continue;
      if (worst > (s.layerLinkFlits[c] as number)) s.layerLinkFlits[c] = worst;
      if (hops > (s.layerMaxHops[c] as number)) s.layerMaxHops[c] = hops;
    }
  }
  return loads;
}
