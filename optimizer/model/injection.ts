/**
 * Rule 6's injection links in the single-image latency recurrence (docs/hardware-model.md rules 6 and 7). No
 * multicast: a stored row leaves each tile holding a piece of it once per reader tile, one copy after another in
 * ascending tile order, and the tile's link serves its rows' copy trains first come, first served. A reader's unit
 * (a replica on the tile of its first crossbar, a digital layer on its host tile, a fused layer on its host's) has
 * the row once the copy to its own tile is in: the train starts when the row ends or the link is free, and the copies
 * to lower tiles go first. GPT-2 with 16 tokens per row: the output projection's row crosses to fc2's five tiles,
 * 3,456 flits each, and the copy the residual add waits for is the fifth; charging one copy per row put the model
 * 13.9% below the simulated latency.
 * Each tile's trains are kept like the digital units' jobs (digital-queue.ts, the same structure): the layers run
 * in network order, so a row waits behind the earlier layers' trains that were ready before it (a lower bound).
 */
import type { ArchSpec } from '../../arch/types';
import type { Placement } from '../../arch/placement';
import { addRowJobs, addTileJobs, newDigitalQueues, reservePending, clearDigitalQueues } from './digital-queue';
import type { InjectionScratch, LayerStatic, ModelContext, TrafficScratch } from './types';
import { grown } from './grown';

export function newInjectionScratch(arch: ArchSpec, rows: number, readSlots: Int32Array, slots: number): InjectionScratch {
  const slotPosition = new Int32Array(slots).fill(-1);
  readSlots.forEach((slot, r) => (slotPosition[slot] = r));
  return {
    flowOffset: new Float64Array(64),
    sendStart: new Int32Array(readSlots.length + 1),
    sendTile: new Int32Array(64),
    sendCycles: new Float64Array(64),
    slotPosition,
    sent: new Float64Array(rows),
    queues: newDigitalQueues(),
    tileStamp: new Int32Array(arch.chip.tiles),
    stamp: 0,
    order: [],
    delays: new Float64Array(64),
    from: [],
  };
}

/**
 * From the evaluation's routed flows (traffic.ts: per stored tensor, each piece's tile x each reader tile), each
 * copy's offset from its row's send start (copies to lower tiles first, then its own flits, then its routers) and
 * each sending tile's cycles per row train. Empties the link queues.
 */
export function prepareInjection(ctx: ModelContext, s: TrafficScratch, inj: InjectionScratch): void {
  const arch = ctx.arch;
  const linkRate = arch.noc.linkFlitsPerCycle;
  const router = arch.noc.routerLatencyCycles;
  clearDigitalQueues(inj.queues);
  const flows = s.flowTo.length;
  if (inj.flowOffset.length < flows) inj.flowOffset = new Float64Array(2 * flows);
  const order = inj.order;
  let sends = 0;
  for (let r = 0; r < ctx.readSlots.length; r++) {
    inj.sendStart[r] = sends;
    const destStart = s.slotDestStart[r] as number;
    const destCount = (s.slotDestStart[r + 1] as number) - destStart;
    const first = s.slotDeliveryStart[r] as number;
    const pieces = destCount > 0 ? ((s.slotDeliveryStart[r + 1] as number) - first) / destCount : 0;
    if (order.length !== destCount) order.length = destCount;
    let sorted = true;
    for (let d = 0; d < destCount; d++) {
      order[d] = d;
      if (d > 0 && (s.slotDests[destStart + d] as number) < (s.slotDests[destStart + d - 1] as number)) sorted = false;
    }
    if (!sorted) order.sort((a, b) => (s.slotDests[destStart + a] as number) - (s.slotDests[destStart + b] as number));
    for (let k = 0; k < pieces; k++) {
      let flits = 0;
      let from = -1;
      for (let j = 0; j < destCount; j++) {
        const f = s.deliveryFlow[first + k * destCount + (order[j] as number)] as number;
        if (f < 0) continue;
        flits += s.flowRowFlits[f] as number;
        from = s.flowFrom[f] as number;
        inj.flowOffset[f] = flits / linkRate + ((s.flowHops[f] as number) + 1) * router;
      }
      // The network input enters through the off-chip link, not an injection link (rule 6).
      if (from < 0 || flits === 0) continue;
      inj.sendTile = grown(inj.sendTile, sends + 1);
      inj.sendCycles = grown(inj.sendCycles, sends + 1);
      inj.sendTile[sends] = from;
      inj.sendCycles[sends++] = flits / linkRate;
    }
  }
  inj.sendStart[ctx.readSlots.length] = sends;
}

/**
 * Cycles from the send start of a row of layer `l`'s direct input k to its arrival at the last of l's unit tiles
 * (0 when every piece is already there): the largest offset of the copies of its stored producers (the network input
 * excepted: its transfer is in rowFixedCycles) that end on those tiles.
 */
export function inputDelayCycles(ctx: ModelContext, placement: Placement, s: TrafficScratch, inj: InjectionScratch, l: LayerStatic, k: number): number {
  const stored = l.inputStored[k];
  if (stored === undefined || l.role === 'free') return 0;
  const own = l.role === 'fused' ? (ctx.flow.layers[l.index]?.storedAs ?? -1) : l.index;
  const stamp = stampUnitTiles(ctx, placement, inj, own);
  let delay = 0;
  for (let j = 0; j < stored.length; j++) {
    const p = stored[j] as number;
    // A fused layer's own host's rows are made where it runs.
    if (p < 0 || p === own) continue;
    const r = inj.slotPosition[p + 1] ?? -1;
    if (r < 0) continue;
    for (let d = s.slotDeliveryStart[r] as number; d < (s.slotDeliveryStart[r + 1] as number); d++) {
      const f = s.deliveryFlow[d] as number;
      if (f < 0 || inj.tileStamp[s.flowTo[f] as number] !== stamp) continue;
      const offset = inj.flowOffset[f] as number;
      if (offset > delay) delay = offset;
    }
  }
  return delay;
}

/** Stamps the tiles where layer `own`'s units read their inputs: its replicas' tiles, or its host tile. */
function stampUnitTiles(ctx: ModelContext, placement: Placement, inj: InjectionScratch, own: number): number {
  if (inj.stamp >= 0x3fffffff) {
    inj.tileStamp.fill(0);
    inj.stamp = 0;
  }
  const stamp = ++inj.stamp;
  const pos = ctx.layers[own]?.weightedPos ?? -1;
  const weighted = pos >= 0 ? placement.weighted[pos] : undefined;
  if (weighted !== undefined) for (const t of weighted.replicaTiles) inj.tileStamp[t] = stamp;
  else inj.tileStamp[placement.layerTiles[own]?.[0] ?? 0] = stamp;
  return stamp;
}

/**
 * The send starts of layer `l`'s rows (finish[base ..], rows of them) into inj.sent: where l's rows are a stored
 * producer's as sent, each sending tile starts a row's copy train when the row has ended, its previous train is
 * through and the earlier layers' trains queued before it are (the largest over the tiles); a free layer's rows are
 * sent when the rows they are made of are; any other layer's rows are not sent (their end).
 */
export function recordSends(inj: InjectionScratch, l: LayerStatic, finish: Float64Array, inputRowCycles: number): void {
  const base = l.rowOffset;
  const rows = l.outRows;
  const sent = inj.sent;
  if (l.role === 'free') {
    const sources = l.inputRowSources;
    for (let i = 0; i < rows; i++) {
      let at = 0;
      for (let k = 0; k < sources.length; k++) {
        const source = sources[k] as number;
        const needed = (l.needRows[k] as Int32Array)[i] as number;
        const t = source < 0 ? (needed + 1) * inputRowCycles : (sent[source + needed] as number);
        if (t > at) at = t;
      }
      sent[base + i] = at;
    }
    return;
  }
  sendStarts(inj, l.sendsAs, finish, base, rows, sent);
}

/**
 * Send starts of `rows` rows ending at ends[base ..] into out[base ..]: their ends, and where they are stored
 * producer `sendsAs`'s rows as sent, no sooner than each sending tile's link is through with the trains before.
 */
export function sendStarts(inj: InjectionScratch, sendsAs: number, ends: Float64Array, base: number, rows: number, out: Float64Array): void {
  // NOTE: written for speed: the link's queue searched on from the last row's place (busyUntil's answer, a step or
  // two where its bisection took log2 of the queue); the first sending tile's starts written over the ends (a start is
  // never before its row's end), the others' taken where later; the ends queued as the trains' arrivals in place.
  const r = sendsAs < 0 ? -1 : (inj.slotPosition[sendsAs + 1] ?? -1);
  const j0 = r < 0 ? 0 : (inj.sendStart[r] as number);
  const j1 = r < 0 ? 0 : (inj.sendStart[r + 1] as number);
  if (j0 >= j1) {
    for (let i = base; i < base + rows; i++) out[i] = ends[i] as number;
    return;
  }
  const q = inj.queues;
  let ascending = true;
  for (let j = j0; j < j1; j++) {
    const tile = inj.sendTile[j] as number;
    const cycles = inj.sendCycles[j] as number;
    const arrivals = q.arrival[tile];
    const queueEnds = q.end[tile];
    const queued = arrivals === undefined || queueEnds === undefined ? 0 : (q.length[tile] ?? 0);
    // The first job arriving after this row's ready (the queue's arrivals ascend): bisected for the first row (the
    // queue holds every earlier layer's trains: a walk from 0 would cost its length per layer), then stepped.
    let cursor = 0;
    if (queued > 0 && rows > 0) {
      const ready0 = ends[base] as number;
      let hi = queued;
      while (cursor < hi) {
        const mid = (cursor + hi) >> 1;
        if (((arrivals as Float64Array)[mid] as number) <= ready0) cursor = mid + 1;
        else hi = mid;
      }
    }
    let free = 0;
    let last = -Infinity;
    for (let i = 0; i < rows; i++) {
      const ready = ends[base + i] as number;
      if (ready < last) ascending = false;
      last = ready;
      let start = ready > free ? ready : free;
      if (queued > 0) {
        while (cursor > 0 && ((arrivals as Float64Array)[cursor - 1] as number) > ready) cursor--;
        while (cursor < queued && ((arrivals as Float64Array)[cursor] as number) <= ready) cursor++;
        if (cursor > 0 && ((queueEnds as Float64Array)[cursor - 1] as number) > start) start = (queueEnds as Float64Array)[cursor - 1] as number;
      }
      free = start + cycles;
      if (j === j0 || start > (out[base + i] as number)) out[base + i] = start;
    }
    if (ascending) {
      addTileJobs(q, tile, ends, base, rows, cycles);
      continue;
    }
    // Rows whose ends do not ascend: queued sorted, as addRowJobs does (not in place: the ends are the rows').
    reservePending(q, rows);
    for (let i = 0; i < rows; i++) q.pending[i] = ends[base + i] as number;
    q.pendingCount = rows;
    if (q.jobTiles.length !== 1) q.jobTiles.length = 1;
    q.jobTiles[0] = tile;
    addRowJobs(q, cycles);
  }
}
