import type { Placement } from '../../arch/placement';
// From its own module: arch/placement.ts re-exports it through a getter, called per channel per evaluation.
import { channelSlots } from '../../arch/tile-buffers';
import { forkSpareRows, type SpareView } from '../../arch/fork-spare';
import type { TrafficScratch } from './types';
import { ensureLinkBuffers, type CreditInput, type CreditLoopTables, type CreditPath } from './credit-loop-tables';
import { AUTO_MAX_IMAGES } from '../../sim/settle-limits';
import { FILL_SHARE } from '../../sim/steady-state';

/**
 * Credit-loop term (docs/hardware-model.md rule 7): a row of tensor P takes one of the reader tile's slots when
 * its send is granted and frees it when the last reader row needing it ends, so with S slots the grant of row j + S
 * waits for the free of row j. Each loop of grants and frees then paces P: interval >= rows(P) x (loop time) /
 * (rows the loop spans). Loop times include each channel's transit (burst serialisation, router latencies, the last
 * piece's eDRAM write and the mean wait at the most loaded link on the route), which the line-buffer pace term
 * leaves out.
 *
 * NOTE: hot code, written for speed (it runs in every model evaluation): per-network index tables
 * (credit-loop-tables.ts), per-link stamps instead of cleared buffers, reciprocals, flat flow-link lists; the
 * `as number` casts are typed-array reads under noUncheckedIndexedAccess. credit-loop-reference.ts computes the
 * same bounds plainly, and test/model-credit-loop-reference.test.ts compares the two on the zoo: change both.
 */

/** What an evaluation supplies besides the placement and the routed traffic. */
export interface CreditLoopInputs {
  /** Bits per element of each stored tensor, by producer + 1. */
  storedBits: Float64Array;
  /** Each stored layer's time for one output row (arch/pace.ts rowCycles) and that of a network input row. */
  rowCycles: Float64Array;
  /**
   * Per layer: its stage time per output row without this term, and its work per image (crossbar compute or port
   * queueing, its own digital ops, its attention unit's load). The whole-input loop uses the work.
   */
  stageRowCycles: Float64Array;
  workCycles: Float64Array;
  /**
   * Per layer: its row job's lockstep wait at its digital unit (unit-wait.ts); a residual fork's lead stages queue
   * their rows' ops there inside the loop.
   */
  unitWaitCycles: Float64Array;
  inputRowCycles: number;
  /** The interval without this term: link waits are computed at it. */
  intervalCycles: number;
}

/**
 * Per link (ids as ensureLinkBuffers: injection, ejection, then mesh links), the sum over tensors of
 * rows x burst^2, and the scale of its mean wait, 1 / (2 x max(interval, busy time) x rate^2); per flow, its links
 * and its tensor's burst on each. A tile's sibling replicas send their pieces of a row together, so each tensor row
 * crosses a link as one burst B, and a burst arriving at random finds, on average, the residual of the others:
 * (sum of the other bursts' B^2) / 2T (the port-queue argument, for links).
 * NOTE: written for speed: per-link stamps instead of clearing buffers (a link's stamp is the tensor's while its
 * burst adds up, then minus it once squared); one pass to add a tensor's bursts, one to read and square them.
 */
function fillBursts(s: TrafficScratch, t: CreditLoopTables, slots: number, tilesUsed: number, p: TransitParams, intervalCycles: number): void {
  const mesh = 2 * tilesUsed;
  const ids = s.flowLinks.length + 2 * s.flowFrom.length;
  if (t.flowIds.length < ids) (t.flowIds = new Int32Array(2 * ids)), (t.flowIdBurst = new Float64Array(2 * ids));
  if (t.flowIdStart.length < s.flowFrom.length + 1) t.flowIdStart = new Int32Array(2 * (s.flowFrom.length + 1));
  const { burst, burstSq, waitScale, burstStamp, flowIds, flowIdBurst, flowIdStart } = t;
  if (t.stamp > 0x3fffffff) {
    burstStamp.fill(0);
    t.stamp = 0;
  }
  // Links last stamped before this evaluation start from zero.
  const first = t.stamp + 1;
  const scaled = intervalCycles * p.linkFlitsPerCycle;
  let cursor = 0;
  for (let r = 0; r < slots; r++) {
    const stamp = ++t.stamp;
    const rows = t.slotRows[r] as number;
    const tensorStart = cursor;
    const n1 = s.slotDeliveryStart[r + 1] as number;
    for (let n = s.slotDeliveryStart[r] as number; n < n1; n++) {
      const f = s.deliveryFlow[n] as number;
      if (f < 0) continue;
      const b = s.flowRowFlits[f] as number;
      const from = s.flowFrom[f] as number;
      const start = s.flowLinkStart[f] as number;
      const hops = s.flowHops[f] as number;
      const flowStart = cursor;
      flowIdStart[f] = flowStart;
      if (from >= 0) flowIds[cursor++] = from;
      for (let h = 0; h < hops; h++) flowIds[cursor++] = mesh + (s.flowLinks[start + h] as number);
      flowIds[cursor++] = tilesUsed + (s.flowTo[f] as number);
      flowIdStart[f + 1] = cursor;
      for (let i = flowStart; i < cursor; i++) {
        const id = flowIds[i] as number;
        const seen = burstStamp[id] as number;
        if (seen === stamp) {
          burst[id] = (burst[id] as number) + b;
          continue;
        }
        if ((seen < 0 ? -seen : seen) < first) {
          // First use in this evaluation: 1 / (2 x max(interval, busy) x rate^2), busy = load / rate.
          const load = id < tilesUsed ? (s.injectFlits[id] as number) : id < mesh ? (s.ejectFlits[id - tilesUsed] as number) : (s.linkFlits[id - mesh] as number);
          burstSq[id] = 0;
          waitScale[id] = 0.5 / (p.linkFlitsPerCycle * (load > scaled ? load : scaled));
        }
        burstStamp[id] = stamp;
        burst[id] = b;
      }
    }
    for (let i = tensorStart; i < cursor; i++) {
      const id = flowIds[i] as number;
      const b = burst[id] as number;
      flowIdBurst[i] = b;
      if (burstStamp[id] === stamp) (burstSq[id] = (burstSq[id] as number) + rows * b * b), (burstStamp[id] = -stamp);
    }
  }
}

/** Link and eDRAM parameters of the term (NoC rule 6, arch.tile.edram). */
export interface TransitParams {
  linkFlitsPerCycle: number;
  routerLatencyCycles: number;
  edramAccessesPerCycle: number;
  edramCapacityBits: number;
}

/**
 * Transit of one row piece over flow f: its burst's serialisation at the slowest link of the route, the mean wait
 * at the most loaded link (not summed over the route: a train that waited at the first loaded link then flows
 * through), and the routers crossed (the piece's eDRAM write is added by the caller). A link's residual is taken
 * over its busy time per image when that exceeds the interval (port-queue term, same argument).
 */
function flowTransitCycles(f: number, rows: number, t: CreditLoopTables, p: TransitParams, cyclesPerFlit: number): number {
  const { burstSq, waitScale, flowIds, flowIdBurst } = t;
  const i0 = t.flowIdStart[f] as number;
  const i1 = t.flowIdStart[f + 1] as number;
  let serial = 0;
  let wait = 0;
  for (let i = i0; i < i1; i++) {
    const id = flowIds[i] as number;
    const b = flowIdBurst[i] as number;
    if (b > serial) serial = b;
    const w = ((burstSq[id] as number) - rows * b * b) * (waitScale[id] as number);
    if (w > wait) wait = w;
  }
  // Routers crossed: one fewer than the links (the injection link when the source is a tile, mesh, ejection).
  return serial * cyclesPerFlit + wait + (i1 - i0 - 1) * p.routerLatencyCycles;
}

/** A reader tile's tensors are one ascending range of tiles (placement). */
function hosts(placement: Placement, layer: number, tile: number): boolean {
  const tiles = placement.layerTiles[layer];
  return tiles !== undefined && tiles.length > 0 && tile >= (tiles[0] as number) && tile <= (tiles[tiles.length - 1] as number);
}

/**
 * Per (tensor, reader tile): the transit of a row (its latest piece, written) and the slots the tile guarantees it
 * (the widest window of the tensor's readers there, plus the lookahead: arch/tile-buffers.ts channelSlots); per reader
 * layer the worst transit into any of its tiles; per tile the eDRAM left beyond every guaranteed slot.
 */
function fillTransits(t: CreditLoopTables, s: TrafficScratch, placement: Placement, slots: number, storedBits: Float64Array, readSlots: Int32Array, p: TransitParams): void {
  const freeBits = t.freeBits;
  const whole = t.wholeChannels;
  const inputBits = t.inputImageBits;
  for (let tile = 0; tile < placement.tilesUsed; tile++) {
    freeBits[tile] = p.edramCapacityBits * (placement.edramShares[tile] ?? 1);
    whole[tile] = 0;
    inputBits[tile] = 0;
  }
  const dests = s.slotDestStart[slots] as number;
  if (t.destTransit.length < dests) {
    // NOTE: grown, never shrunk: reused by every evaluation of the context.
    t.destTransit = new Float64Array(2 * dests);
    t.destSlots = new Float64Array(2 * dests);
  }
  // NOTE: written for speed: reciprocals, so each piece's transit multiplies instead of dividing.
  const cyclesPerAccess = 1 / p.edramAccessesPerCycle;
  const cyclesPerFlit = 1 / p.linkFlitsPerCycle;
  const { destTransit, destSlots, readerStart } = t;
  for (let r = 0; r < slots; r++) {
    const rows = t.slotRows[r] as number;
    const d0 = s.slotDestStart[r] as number;
    const d1 = s.slotDestStart[r + 1] as number;
    // NOTE: a loop, not TypedArray.fill(0, d0, d1): the builtin's call per tensor cost ~5% of an evaluation.
    for (let d = d0; d < d1; d++) (destTransit[d] = 0), (destSlots[d] = 0);
    const n1 = s.slotDeliveryStart[r + 1] as number;
    for (let n = s.slotDeliveryStart[r] as number; n < n1; n++) {
      const f = s.deliveryFlow[n] as number;
      const write = (s.deliveryWriteAccesses[n] as number) * cyclesPerAccess;
      const transit = write + (f < 0 ? 0 : flowTransitCycles(f, rows, t, p, cyclesPerFlit));
      const d = d0 + (s.deliveryDest[n] as number);
      if (transit > (destTransit[d] as number)) destTransit[d] = transit;
    }
    const rowBits = (t.slotRowElements[r] as number) * (storedBits[readSlots[r] as number] as number);
    const j1 = readerStart[r + 1] as number;
    for (let j = readerStart[r] as number; j < j1; j++) {
      const c = t.readerLayer[j] as number;
      const tiles = placement.layerTiles[c];
      if (tiles === undefined || tiles.length === 0) continue;
      // A reader's tiles are one ascending range (placement).
      const lo = tiles[0] as number;
      const hi = tiles[tiles.length - 1] as number;
      const window = placement.windowRows[c]?.[t.readerInput[j] as number] ?? 1;
      let transit = 0;
      for (let d = d0; d < d1; d++) {
        const tile = s.slotDests[d] as number;
        if (tile < lo || tile > hi) continue;
        if (window > (destSlots[d] as number)) destSlots[d] = window;
        transit = Math.max(transit, destTransit[d] as number);
      }
      t.readerTransit[j] = transit;
    }
    for (let d = d0; d < d1; d++) {
      // Slots: the widest window of the tensor's readers on the tile, plus the lookahead (rule 1, channelSlots).
      const guaranteed = channelSlots(rows, destSlots[d] as number);
      destSlots[d] = guaranteed;
      const tile = s.slotDests[d] as number;
      freeBits[tile] = (freeBits[tile] as number) - guaranteed * rowBits;
      if (rows > 1 && guaranteed >= rows - 1) whole[tile] = (whole[tile] as number) + 1;
      if (readSlots[r] === 0) inputBits[tile] = rows * rowBits;
    }
  }
}

/** Transit of tensor r's rows into `tile` (0 when the tile reads none). */
function transitInto(t: CreditLoopTables, s: TrafficScratch, r: number, tile: number): number {
  const d1 = s.slotDestStart[r + 1] as number;
  for (let d = s.slotDestStart[r] as number; d < d1; d++) if (s.slotDests[d] === tile) return t.destTransit[d] as number;
  return 0;
}

/** Largest transit into each of `stages` from its producers (entries into readerTransit), summed over the stages. */
function stageTransits(t: CreditLoopTables, into: Int32Array, start: Int32Array, stages: number): number {
  let sum = 0;
  for (let i = 0; i < stages; i++) {
    let w = 0;
    const e1 = start[i + 1] as number;
    for (let e = start[i] as number; e < e1; e++) w = Math.max(w, t.readerTransit[into[e] as number] as number);
    sum += w;
  }
  return sum;
}

/**
 * The credit-loop bound of every stored layer, by layer index (t.bounds, valid until the next evaluation). Needs
 * routeTraffic's deliveries in `s` for the same placement. For each reader tile X of each input P (S = the slots X
 * guarantees P plus its unreserved eDRAM in rows of P, since rows are granted into free space beyond the slots):
 * - ordinary channel: rows(P) x (transit + reader row) / (S - heldRows), when S < rows(P);
 * - whole-input channel (the reader's first row needs P's last: fc, an encoder's attention products): transit +
 *   (2 rows(P) - S) x P's row + the reader's work per image, when S < 2 rows(P) (no room for a second image);
 * - residual fork: the line-buffer pace term with the transits of the main path added and one more row (the
 *   producer's one-row lookahead): rows(P) x (work + transits) / (W + 3 - skew + spare);
 * - identity skip whose main path's first stage reads P on the same tile (one channel, shared slots): the skip row
 *   holds a slot while the main path computes, so rows(P) x (transits + main-path rows + reader row) / (S - skew);
 *   where the path's head reads its own copy on another tile, over copyAheadRows more rows, with P's row added.
 */
export function creditLoopBounds(t: CreditLoopTables, s: TrafficScratch, placement: Placement, readSlots: Int32Array, e: CreditLoopInputs, p: TransitParams): Float64Array {
  const slots = readSlots.length;
  const tilesUsed = placement.tilesUsed;
  // Mesh links of routes between used tiles: those of the mesh rows up to the last used tile's router.
  ensureLinkBuffers(t, tilesUsed, 4 * placement.meshWidth * ((s.tileY[tilesUsed - 1] ?? 0) + 1));
  fillBursts(s, t, slots, tilesUsed, p, e.intervalCycles);
  fillTransits(t, s, placement, slots, e.storedBits, readSlots, p);
  const bounds = t.bounds;
  bounds.fill(0);
  const rc = e.rowCycles;
  // The reader tile and the reader's first input (t.inputs) the spare share is asked for.
  let spareTile = -1;
  let spareInputs = 0;
  const spareView: SpareView = {
    rowBitsOf: (j) => {
      const o = t.inputs[spareInputs + j] as CreditInput;
      return o.rowElements * (e.storedBits[o.producer + 1] as number);
    },
    rowsOf: (j) => (t.inputs[spareInputs + j] as CreditInput).rows,
    slotsOf: (j) => {
      const o = t.inputs[spareInputs + j] as CreditInput;
      if (o.slot < 0) return -1;
      const d1 = s.slotDestStart[o.slot + 1] as number;
      for (let d = s.slotDestStart[o.slot] as number; d < d1; d++) if (s.slotDests[d] === spareTile) return t.destSlots[d] as number;
      return -1;
    },
  };
  for (let i = 0; i < t.inputs.length; i++) {
    const inp = t.inputs[i] as CreditInput;
    const r = inp.slot;
    if (r < 0) continue;
    const tiles = placement.layerTiles[inp.layer];
    if (tiles === undefined || tiles.length === 0) continue;
    // A reader's tiles are one ascending range (placement).
    const lo = tiles[0] as number;
    const hi = tiles[tiles.length - 1] as number;
    const rowsP = inp.rows;
    const rowBits = inp.rowElements * (e.storedBits[inp.producer + 1] as number);
    const tR = rc[inp.layer] as number;
    const tP = inp.producer < 0 ? e.inputRowCycles : (rc[inp.producer] as number);
    const window = placement.windowRows[inp.layer]?.[inp.k] ?? 1;
    let bound = bounds[inp.layer] as number;
    const d0 = s.slotDestStart[r] as number;
    const d1 = s.slotDestStart[r + 1] as number;
    for (let d = d0; d < d1; d++) {
      const tile = s.slotDests[d] as number;
      if (tile < lo || tile > hi) continue;
      const slots = t.destSlots[d] as number;
      const free = t.freeBits[tile] as number;
      const transit = t.destTransit[d] as number;
      if (inp.wholeInput) {
        // Whole-input reader: an image's rows are all freed when its last reader row ends, so the next image's rows
        // beyond the S - rows(P) that fit beside them are granted only then, and come at the producer's pace:
        // transit + (2 rows(P) - S) x producer row + the reader's work. S: the guaranteed slots plus an even share of
        // the tile's spare eDRAM among its channels that hold whole images (they all run ahead into it at once), none
        // on a tile the network input lands on: the off-chip input and the first layers outrun the pipeline and take
        // the spare space of its tiles (rule 6: later images' rows arrive whenever space frees). Rule 1 double-buffers
        // whole-input channels where they fit (S >= 2 rows(P)), so this binds only where that was capped or dropped.
        const inputImage = t.inputImageBits[tile] as number;
        const hogged = inputImage > 0 && free < INPUT_HOG_IMAGES * inputImage;
        const share = hogged ? 0 : Math.floor(spareRows(free, rowBits) / Math.max(1, t.wholeChannels[tile] as number));
        const late = 2 * rowsP - slots - share;
        if (late > 0) {
          // P delivers the late rows at its own pace (its crossbars and port queue, not a shared link's load per image,
          // which spreads over the whole interval: BERT-base's K on a mesh link loaded 719k cycles per image).
          const deliver = Math.max(tP, inp.producer < 0 ? 0 : (e.workCycles[inp.producer] as number) / rowsP);
          bound = Math.max(bound, transit + late * deliver + (e.workCycles[inp.layer] as number));
        }
      }
      // NOTE: written for speed: no division when the free eDRAM alone holds the rest of P's rows (S >= rows(P)).
      if (slots >= rowsP || free >= (rowsP - slots) * rowBits) continue;
      const S = slots + spareRows(free, rowBits);
      const D = S - inp.heldRows;
      const loop = rowsP * (transit + tR);
      // (Divides only when the loop raises the bound.)
      if (transit > 0 && D > 0 && loop > bound * D) bound = loop / D;
    }
    // The wait of P's rows for the reader's other inputs (rule 1, arch/fork-hold.ts): skew periods plus lead cycles.
    const holdAt = inp.paths.length > 0 ? (placement.forkHolds.inputOffset[inp.layer] as number) + inp.k : -1;
    const skew = holdAt >= 0 ? (placement.forkHolds.skewRows[holdAt] as number) : 0;
    const lead = holdAt >= 0 ? (placement.forkHolds.leadCycles[holdAt] as number) : 0;
    const slack = holdAt >= 0 ? (placement.forkHolds.ownSlackRows[holdAt] as number) + (placement.ownSpareRows[holdAt] as number) : 0;
    const steepSkew = holdAt >= 0 ? (placement.forkHolds.steepSkewRows[holdAt] as number) : 0;
    const steepLead = holdAt >= 0 ? (placement.forkHolds.steepLeadCycles[holdAt] as number) : 0;
    // Per reader tile, the spare rows the fork loops may count: what the reader's inputs arriving earlier leave.
    if (inp.paths.length > 0) {
      if (t.forkSpare.length < d1 - d0) t.forkSpare = new Float64Array(2 * (d1 - d0));
      for (let d = d0; d < d1; d++) {
        const tile = s.slotDests[d] as number;
        if (tile < lo || tile > hi) continue;
        spareTile = tile;
        spareInputs = inp.readerInputsStart;
        const free = forkLoopSpareBits(t.freeBits[tile] as number, t.inputImageBits[tile] as number, inp.producer);
        t.forkSpare[d - d0] = forkSpareRows(placement.forkHolds, inp.layer, inp.k, placement.windowRows[inp.layer], free, spareView);
      }
    }
    for (let q = 0; q < inp.paths.length; q++) {
      const path = inp.paths[q] as CreditPath;
      // Transits into the lead stages, less those into the own stages (the tile-independent part).
      const pathTransits = stageTransits(t, path.leadInto, path.leadIntoStart, path.lead.length) - stageTransits(t, path.ownInto, path.ownIntoStart, path.own.length);
      // Each lead stage's row waits at its digital unit before the next stage may read it (unit-wait.ts).
      let unitWaits = 0;
      for (let k = 0; k < path.lead.length; k++) unitWaits += e.unitWaitCycles[path.lead[k] as number] as number;
      for (let d = d0; d < d1; d++) {
        const tile = s.slotDests[d] as number;
        if (tile < lo || tile > hi) continue;
        const spare = t.forkSpare[d - d0] as number;
        // The hop from the lead path's end back into this tile.
        let last = 0;
        for (let k = 0; k < path.lastSlots.length; k++) last = Math.max(last, transitInto(t, s, path.lastSlots[k] as number, tile));
        const transits = pathTransits + last + unitWaits;
        let shared = false;
        for (let k = 0; k < path.sharedLead.length; k++) if (hosts(placement, path.sharedLead[k] as number, tile)) shared = true;
        // The head stage on another tile reads its own copy of P's row j + skew, which leaves once that tile grants it,
        // as soon as P's unit has made it: after this tile granted row j + skew - ahead (copyAheadRows), plus P's row.
        let headHere = path.heads.length === 0;
        for (let k = 0; k < path.heads.length; k++) if (hosts(placement, path.heads[k] as number, tile)) headHere = true;
        const ahead = headHere ? 0 : path.copyAheadRows;
        const sharedSlots = (t.destSlots[d] as number) + spare - skew + ahead;
        const made = ahead > 0 ? tP : 0;
        if (shared && path.own.length === 0 && sharedSlots > 0) bound = Math.max(bound, (rowsP * (tR + lead + made + transits)) / sharedSlots);
        const forkSlots = window + 3 - skew + spare + slack;
        bound = Math.max(bound, (rowsP * (tR + tP + lead + transits)) / Math.max(1, forkSlots));
        const steepSlots = window + 3 - steepSkew + spare + slack;
        bound = Math.max(bound, (rowsP * (tR + tP + steepLead + transits)) / Math.max(1, steepSlots));
      }
    }
    bounds[inp.layer] = bound;
  }
  return bounds;
}

/**
 * The eDRAM (bits) a fork loop on a tile may grant P's rows beyond their slots: the tile's spare `freeBits`, none on a
 * tile the network input lands on (for P other than the input) unless the spare holds inputHoldImages() images of
 * input or more. The simulator's input source reserves a row's space at its tiles before the row crosses the off-chip
 * link, as many rows ahead as fit (sim/off-chip-input.ts next), so the input holds the spare from the stream's first
 * cycle whatever the link's pace, and gives it back only while its last spare / image images drain: in the steady
 * state of a stream (the model's figure) the fork loop runs on its slots. ISAAC ResNet-20's replicated-mixed plan: the
 * input held 646-650 rows (20 images) beyond its slots on tile 0, conv1's skip rows had their 4 slots (docs/validation.md, session 53).
 */
export function forkLoopSpareBits(freeBits: number, inputImageBits: number, producer: number): number {
  return producer >= 0 && inputImageBits > 0 && freeBits < inputHoldImages() * inputImageBits ? 0 : freeBits;
}

/**
 * Images of input a tile's spare must hold for a fork loop to keep it in the figure validate measures. The model has
 * no stream length; the simulator's streams are finite (sim/settle.ts, at most AUTO_MAX_IMAGES images), and every
 * window the steady-state rule takes ends at the stream's end (sim/steady-state.ts: the last 1 - FILL_SHARE of the
 * completions, then its last half, quarter, eighth), so the drain of the input's last spare / image images, run on
 * the spare, is in it. It decides the figure once it covers the third of those tails, (1 - FILL_SHARE) x images / 4
 * (48 at 256 images): test/model-credit-loop.test.ts's toy (a ResNet block after a replicated first layer, its loop
 * 269,056 cycles against 256,000 of compute) simulated at the loop's pace up to a spare of 45 images and at the
 * compute pace from 46 on in 256-image streams (third tail 48), up to 11 and from 12 on in 64-image streams (tail 12),
 * with the off-chip link at 0.5 to 0.98 of the compute interval per image alike. (`validate --uncontended`'s 10 GB
 * tiles keep their spare: ResNet-20's baseline on ISAAC with 8 crossbars per ADC simulates its compute pace, 983,040
 * cycles, where the loop without the spare gives 1,032,192.)
 */
export function inputHoldImages(): number {
  return ((1 - FILL_SHARE) * AUTO_MAX_IMAGES) / 4;
}

/**
 * Images of network input that fill a tile's spare eDRAM soon enough to count as taking it all (the stream is
 * endless; DeiT-Tiny's first tile: 230 KB spare, 150 KB per image, simulated K starved of it).
 */
export const INPUT_HOG_IMAGES = 4;

/** Whole rows of P (rowBits each) that fit in `freeBits`, the tile's eDRAM beyond every tensor's guaranteed slots. */
export function spareRows(freeBits: number, rowBits: number): number {
  return freeBits > 0 && rowBits > 0 ? Math.floor(freeBits / rowBits) : 0;
}
