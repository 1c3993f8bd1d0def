/**
 * A plain reference of creditLoopBounds (credit-loop.ts), which is written for speed (per-network index tables built
 * once, per-link stamps instead of cleared buffers, reciprocals, flat flow-link lists). This one computes the same
 * bounds from the same rule (docs/hardware-model.md rule 7, the credit loop) with plain objects and maps, from the
 * plain traffic reference's deliveries; test/model-credit-loop-reference.test.ts compares the two on the zoo. Not
 * for the search loop.
 */
import { channelSlots, type Placement } from '../../arch/placement';
import { forkSpareRows, type SpareView } from '../../arch/fork-spare';
import { forkLoopSpareBits, INPUT_HOG_IMAGES, spareRows, type CreditLoopInputs, type TransitParams } from './credit-loop';
import { copyAheadRows } from './credit-loop-tables';
import { referenceTraffic, type ReferenceDelivery, type ReferenceTraffic } from './traffic-reference';
import type { ModelContext } from './types';

/** A link a row piece crosses: a tile's injection or ejection link, or a mesh link. */
type LinkKey = string;

function linksOf(d: ReferenceDelivery): LinkKey[] {
  const keys: LinkKey[] = [];
  if (d.fromTile >= 0) keys.push(`inject ${d.fromTile}`);
  for (const m of d.links) keys.push(`mesh ${m}`);
  keys.push(`eject ${d.toTile}`);
  return keys;
}

function linkLoadFlits(traffic: ReferenceTraffic, key: LinkKey): number {
  const [kind, id] = key.split(' ') as [string, string];
  const n = Number(id);
  if (kind === 'inject') return traffic.injectFlits[n] ?? 0;
  if (kind === 'eject') return traffic.ejectFlits[n] ?? 0;
  return traffic.linkFlits.get(n) ?? 0;
}

/** The credit-loop bound of every layer, by layer index (0: none), computed plainly. */
export function referenceCreditLoopBounds(ctx: ModelContext, placement: Placement, e: CreditLoopInputs, p: TransitParams): number[] {
  const flow = ctx.flow;
  const input = ctx.net.network.input;
  const traffic = referenceTraffic(ctx, placement, e.storedBits);
  const rowsOf = (producer: number): number => (producer < 0 ? input.height : (ctx.layers[producer]?.outRows ?? 0));
  const rowElementsOf = (producer: number): number =>
    producer < 0 ? input.width * input.channels : (ctx.layers[producer]?.outCols ?? 0) * (ctx.layers[producer]?.outChannels ?? 0);
  const rowBitsOf = (producer: number): number => rowElementsOf(producer) * (e.storedBits[producer + 1] ?? 0);
  const tilesOf = (layer: number): readonly number[] => placement.layerTiles[layer] ?? [];
  const slots = [...ctx.readSlots];

  // Each tensor's burst per row on each link (its flows crossing it, together), and per link the sum over tensors
  // of rows x burst^2.
  const burstOf = new Map<number, Map<LinkKey, number>>();
  const burstSq = new Map<LinkKey, number>();
  for (const slot of slots) {
    const bursts = new Map<LinkKey, number>();
    for (const d of traffic.deliveries) {
      if (d.slot !== slot || d.fromTile === d.toTile) continue;
      for (const key of linksOf(d)) bursts.set(key, (bursts.get(key) ?? 0) + d.rowFlits);
    }
    for (const [key, b] of bursts) burstSq.set(key, (burstSq.get(key) ?? 0) + rowsOf(slot - 1) * b * b);
    burstOf.set(slot, bursts);
  }

  // Transit of one row piece: its tensor's burst serialised at the slowest link of the route, the mean wait at the
  // most loaded link (the other bursts' residual over max(interval, busy time)), the routers crossed, its write.
  const transitOf = (d: ReferenceDelivery): number => {
    const write = d.writeAccesses / p.edramAccessesPerCycle;
    if (d.fromTile === d.toTile) return write;
    const rows = rowsOf(d.slot - 1);
    const links = linksOf(d);
    let serial = 0;
    let wait = 0;
    for (const key of links) {
      const b = burstOf.get(d.slot)?.get(key) ?? 0;
      const busy = Math.max(linkLoadFlits(traffic, key), e.intervalCycles * p.linkFlitsPerCycle);
      serial = Math.max(serial, b);
      wait = Math.max(wait, ((burstSq.get(key) ?? 0) - rows * b * b) / (2 * busy * p.linkFlitsPerCycle));
    }
    return write + serial / p.linkFlitsPerCycle + wait + (links.length - 1) * p.routerLatencyCycles;
  };

  // Per (tensor, reader tile): the transit of its latest piece and the slots the tile guarantees the tensor (its
  // readers' widest window there plus the lookahead, channelSlots); per tile what eDRAM is left.
  const key = (slot: number, tile: number): string => `${slot} ${tile}`;
  const destTransit = new Map<string, number>();
  for (const d of traffic.deliveries) destTransit.set(key(d.slot, d.toTile), Math.max(destTransit.get(key(d.slot, d.toTile)) ?? 0, transitOf(d)));
  const destSlots = new Map<string, number>();
  const freeBits: number[] = [];
  const wholeChannels: number[] = [];
  const inputImageBits: number[] = [];
  const capacityBits = p.edramCapacityBits;
  for (let tile = 0; tile < placement.tilesUsed; tile++) {
    freeBits.push(capacityBits * (placement.edramShares[tile] ?? 1));
    wholeChannels.push(0);
    inputImageBits.push(0);
  }
  for (const slot of slots) {
    const producer = slot - 1;
    const readers = flow.readers[slot] ?? [];
    const windows = new Map<number, number>();
    for (const c of readers) {
      const k = Math.max(0, flow.layers[c]?.dataInputs.findIndex((d) => d.producer === producer) ?? 0);
      const window = placement.windowRows[c]?.[k] ?? 1;
      for (const tile of tilesOf(c)) windows.set(tile, Math.max(windows.get(tile) ?? 0, window));
    }
    const rows = rowsOf(producer);
    for (const [tile, window] of windows) {
      const guaranteed = channelSlots(rows, window);
      destSlots.set(key(slot, tile), guaranteed);
      freeBits[tile] = (freeBits[tile] ?? 0) - guaranteed * rowBitsOf(producer);
      if (rows > 1 && guaranteed >= rows - 1) wholeChannels[tile] = (wholeChannels[tile] ?? 0) + 1;
      if (slot === 0) inputImageBits[tile] = rows * rowBitsOf(producer);
    }
  }
  /** The worst transit of producer q's rows into any tile of reader `layer` (0 when it reads none there). */
  const readerTransit = (q: number, layer: number): number => {
    let worst = 0;
    for (const tile of tilesOf(layer)) worst = Math.max(worst, destTransit.get(key(q + 1, tile)) ?? 0);
    return worst;
  };
  /** Sum over `stages` of the worst transit into each from its producers that `keep` accepts. */
  const stageTransits = (stages: readonly number[], keep: (q: number) => boolean): number => {
    let sum = 0;
    for (const st of stages) {
      let worst = 0;
      for (const d of flow.layers[st]?.dataInputs ?? []) if (keep(d.producer) && slots.includes(d.producer + 1)) worst = Math.max(worst, readerTransit(d.producer, st));
      sum += worst;
    }
    return sum;
  };
  const hosts = (layer: number, tile: number): boolean => tilesOf(layer).includes(tile);

  const bounds = new Array<number>(flow.layers.length).fill(0);
  const rc = e.rowCycles;
  for (const lf of flow.layers) {
    if (lf.role !== 'weighted' && lf.role !== 'digital') continue;
    const layer = lf.index;
    lf.dataInputs.forEach((di, k) => {
      const P = di.producer;
      if (!slots.includes(P + 1) || tilesOf(layer).length === 0) return;
      const rowsP = rowsOf(P);
      const rowBits = rowBitsOf(P);
      const tR = rc[layer] ?? 0;
      const tP = P < 0 ? e.inputRowCycles : (rc[P] ?? 0);
      const window = placement.windowRows[layer]?.[k] ?? 1;
      let heldRows = 0;
      for (let i = 0; i < di.need.length; i++) heldRows = Math.max(heldRows, (di.need[i] ?? 0) - (di.low[i] ?? 0));
      // A global pool's one row needs the last input row but folds each row in and frees it (low = need): not whole.
      const wholeInput = rowsP > 1 && (di.need[0] ?? 0) >= rowsP - 1 && (di.low[0] ?? 0) < rowsP - 1;
      let bound = bounds[layer] ?? 0;
      for (const tile of tilesOf(layer)) {
        const transit = destTransit.get(key(P + 1, tile)) ?? 0;
        const S = destSlots.get(key(P + 1, tile)) ?? 0;
        const free = freeBits[tile] ?? 0;
        if (wholeInput) {
          // The next image's rows beyond those that fit beside this one's come at P's own pace once its last
          // reader row ends; the tile's spare eDRAM is shared among its whole-image channels, none where the
          // network input fills it within a few images.
          const inputImage = inputImageBits[tile] ?? 0;
          const hogged = inputImage > 0 && free < INPUT_HOG_IMAGES * inputImage;
          const share = hogged ? 0 : Math.floor(spareRows(free, rowBits) / Math.max(1, wholeChannels[tile] ?? 0));
          const late = 2 * rowsP - S - share;
          const deliver = Math.max(tP, P < 0 ? 0 : (e.workCycles[P] ?? 0) / rowsP);
          if (late > 0) bound = Math.max(bound, transit + late * deliver + (e.workCycles[layer] ?? 0));
        }
        // Ordinary channel: the grant of row j + S waits for the free of row j, when the tile cannot hold all rows.
        const slotsWithSpare = S + spareRows(free, rowBits);
        if (S < rowsP && free < (rowsP - S) * rowBits && transit > 0 && slotsWithSpare - heldRows > 0) {
          bound = Math.max(bound, (rowsP * (transit + tR)) / (slotsWithSpare - heldRows));
        }
      }
      // The wait of P's rows for the reader's other inputs (rule 1, arch/fork-hold.ts).
      const holdAt = (placement.forkHolds.inputOffset[layer] ?? -1) + k;
      const skew = placement.forkHolds.skewRows[holdAt] ?? 0;
      const wait = placement.forkHolds.leadCycles[holdAt] ?? 0;
      const slack = (placement.forkHolds.ownSlackRows[holdAt] ?? 0) + (placement.ownSpareRows[holdAt] ?? 0);
      const steepSkew = placement.forkHolds.steepSkewRows[holdAt] ?? 0;
      const steepWait = placement.forkHolds.steepLeadCycles[holdAt] ?? 0;
      // The reader's inputs on `tile`: their rows, row bits and slots there (the spare's share, arch/fork-spare.ts).
      const viewOf = (tile: number): SpareView => ({
        rowBitsOf: (j) => rowBitsOf(lf.dataInputs[j]?.producer ?? -1),
        rowsOf: (j) => rowsOf(lf.dataInputs[j]?.producer ?? -1),
        slotsOf: (j) => {
          const q = lf.dataInputs[j]?.producer ?? -1;
          return slots.includes(q + 1) ? (destSlots.get(key(q + 1, tile)) ?? -1) : -1;
        },
      });
      for (const path of lf.skewPaths[k] ?? []) {
        const lead = new Set(path.lead);
        const own = new Set(path.own);
        const pathTransits = stageTransits(path.lead, () => true) - stageTransits(path.own, (q) => own.has(q) || !lead.has(q));
        const sharedLead = path.lead.filter((st) => !lead.has(P) && (flow.layers[st]?.dataInputs ?? []).some((d) => d.producer === P));
        for (const tile of tilesOf(layer)) {
          // The network input takes the spare eDRAM of the tiles it lands on, for its own rows, and the reader's inputs
          // whose rows wait longer than P's take theirs first (rule 7, fork loops).
          const loopFree = forkLoopSpareBits(freeBits[tile] ?? 0, inputImageBits[tile] ?? 0, P);
          const spare = forkSpareRows(placement.forkHolds, layer, k, placement.windowRows[layer], loopFree, viewOf(tile));
          // The hop from the lead path's end back into this tile.
          let last = 0;
          for (const d of lf.dataInputs) if (lead.has(d.producer)) last = Math.max(last, destTransit.get(key(d.producer + 1, tile)) ?? 0);
          // Each lead stage's row waits at its digital unit before the next stage reads it (unit-wait.ts).
          const unitWaits = path.lead.reduce((sum, st) => sum + (e.unitWaitCycles[st] ?? 0), 0);
          const transits = pathTransits + last + unitWaits;
          const shared = sharedLead.some((st) => hosts(st, tile));
          // With no stage reading P furthest ahead (the path's heads) here, the head reads its own copy on another tile,
          // sent once P's unit has made the row, which waits only for this tile's grant of an earlier row.
          const headHere = sharedLead.length === 0 || path.heads.some((st) => hosts(st, tile));
          const ahead = headHere ? 0 : copyAheadRows(P);
          const sharedSlots = (destSlots.get(key(P + 1, tile)) ?? 0) + spare - skew + ahead;
          const made = ahead > 0 ? tP : 0;
          if (shared && path.own.length === 0 && sharedSlots > 0) bound = Math.max(bound, (rowsP * (tR + wait + made + transits)) / sharedSlots);
          const forkSlots = window + 3 - skew + spare + slack;
          bound = Math.max(bound, (rowsP * (tR + tP + wait + transits)) / Math.max(1, forkSlots));
          const steepSlots = window + 3 - steepSkew + spare + slack;
          bound = Math.max(bound, (rowsP * (tR + tP + steepWait + transits)) / Math.max(1, steepSlots));
        }
      }
      bounds[layer] = bound;
    });
  }
  return bounds;
}
