/**
 * Channel credits in the single-image latency recurrence (docs/hardware-model.md rule 7, "Grants in the lone image"):
 * a stored row is sent once each reader tile grants it a slot, and a tile has S of them for the tensor (its channel's
 * slots, channelSlots, plus the rows of its eDRAM beyond every guaranteed slot: the credit loop's free figure), so row
 * i of P is sent no sooner than every reader there has let go of P's rows below i - S + 1. The recurrence runs layer by
 * layer and the readers come after P, so the reader row that lets row i in is not known when P's rows are: it is
 * taken as the last row of P it waits on (through every path from P's sender, a row before i) plus the least time
 * from it, the longest path of hops (each hop a layer's input delay and its row's fixed time) to the reader, or to a
 * fused reader's host (its row end lets the inputs go). The hold is so a lower bound of the grant: it leaves out the
 * path's queue waits and paces, and a layer held by its own grants does not hold back the layers before it.
 */
import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { spareRows } from './credit-loop';
import { doneToRelease } from './release-rows';
import { delayCycles, fixedCycles } from './row-times';
import type { LayerStatic, ModelContext, TrafficLoads } from './types';
import { grown } from './grown';
import { HELD_AHEAD_ROWS } from './held-ahead';

/**
 * An evaluation's grants (scratch of the context, valid until its next evaluation), listed per sending layer: grant q
 * of layer l is first[l], next[first[l]], ... (-1 ends), held[l] of them.
 */
export interface LoneGrants {
  held: Int32Array;
  first: Int32Array;
  next: Int32Array;
  /** Per grant: per sent row, the last sent row the reader row letting it in waits on (-1: none). */
  on: Int32Array[];
  /** Per grant: the least time from a sent row to the end of a reader row waiting on it (the longest path of hops). */
  chainCycles: Float64Array;
  /** Per grant: the fewest rows between a held row and the row it waits on (min of i - on[i]). */
  lagRows: Int32Array;
  /**
   * Per grant whose reader's host comes before the sender in the recurrence (its row ends are known when the
   * sender's rows are held): the host's layer (-1: none, the chain is used), and per sent row the host row that
   * lets it in (-1: none).
   */
  readerLayer: Int32Array;
  readerRows: (Int32Array | undefined)[];
  count: number;
}

/** Per reader row, the last sent row it waits on, and the hops from the sender to the reader. */
interface RowsOn {
  rows: Int32Array;
  /**
   * The hops of the paths from the sender, in network order: layer hopLayer[h] reads its input hopInput[h], whose
   * path time is that of layer hopFrom[h] (a free layer on one path adds no time and is looked through).
   */
  hopLayer: Int32Array;
  hopInput: Int32Array;
  hopFrom: Int32Array;
}

/** A layer's input that may hold its producer's rows (network-only; loneGrants decides per placement). */
interface Candidate {
  x: LayerStatic;
  k: number;
  /** The layer whose tiles x reads on (its host for a fused layer), the stored producer, and its sending layer. */
  host: number;
  producer: LayerStatic;
  sender: LayerStatic;
  path: RowsOn;
  /** The paths from the sender to its furthest candidate reader (a superset of every other's hops). */
  senderPath: RowsOn;
  /** The `on` tables by slots (the slots a placement grants take few values), with their fewest rows of lag. */
  onBySlots: Map<number, { on: Int32Array; lag: number; reader: Int32Array | undefined }>;
}

interface GrantTables {
  candidates: Candidate[];
  grantsOut: LoneGrants;
  /** Per layer: the longest path's cycles to it, valid where alongStamp is the current path's stamp. */
  along: Float64Array;
  alongStamp: Int32Array;
  stamp: number;
}

const tablesOf = new WeakMap<ModelContext, GrantTables>();

/** The context's grant tables (network-only; built as evaluations need them). */
function tables(ctx: ModelContext): GrantTables {
  let t = tablesOf.get(ctx);
  if (t === undefined) {
    const senders = new Map<number, LayerStatic>();
    for (const l of ctx.layers) if (l.sendsAs >= 0) senders.set(l.sendsAs, l);
    const candidates: Candidate[] = [];
    for (const x of ctx.layers) {
      if (x.aliased || x.role === 'free') continue;
      const host = x.role === 'fused' ? (ctx.flow.layers[x.index]?.storedAs ?? -1) : x.index;
      if (host < 0) continue;
      for (let k = 0; k < x.inputs.length; k++) {
        const stored = x.inputStored[k];
        if (stored === undefined || stored.length !== 1) continue;
        const P = stored[0] as number;
        const producer = ctx.layers[P];
        const direct = ctx.layers[x.inputs[k] as number];
        if (P < 0 || P === host || producer === undefined || direct === undefined || direct.outRows !== producer.outRows) continue;
        const sender = senders.get(P) ?? producer;
        const path = lastRowsOn(ctx, sender, x.index);
        candidates.push({ x, k, host, producer, sender, path, senderPath: path, onBySlots: new Map() });
      }
    }
    // By sender, its furthest reader first: one longest-path pass a sender serves all its grants.
    candidates.sort((a, b) => a.sender.index - b.sender.index || b.x.index - a.x.index);
    for (let m = 1; m < candidates.length; m++) {
      const a = candidates[m] as Candidate;
      const b = candidates[m - 1] as Candidate;
      if (a.sender === b.sender) a.senderPath = b.senderPath;
    }
    const n = ctx.layers.length;
    const grantsOut: LoneGrants = {
      held: new Int32Array(n),
      first: new Int32Array(n),
      next: new Int32Array(16),
      on: [],
      chainCycles: new Float64Array(16),
      lagRows: new Int32Array(16),
      readerLayer: new Int32Array(16),
      readerRows: [],
      count: 0,
    };
    t = { candidates, grantsOut, along: new Float64Array(n), alongStamp: new Int32Array(n), stamp: 0 };
    tablesOf.set(ctx, t);
  }
  return t;
}

/** Per row of layer `x`, the last row of `sender` it waits on through any path (-1: none), with the hops. */
function lastRowsOn(ctx: ModelContext, sender: LayerStatic, x: number): RowsOn {
  const on = new Map<number, Int32Array>();
  on.set(sender.index, Int32Array.from({ length: sender.outRows }, (_, i) => i));
  const hopLayer: number[] = [];
  const hopInput: number[] = [];
  const hopFrom: number[] = [];
  // The layer whose path time each on-path layer carries (itself, or a free layer's one on-path input's).
  const carrier = new Map<number, number>([[sender.index, sender.index]]);
  for (let y = sender.index + 1; y <= x; y++) {
    const l = ctx.layers[y];
    if (l === undefined) continue;
    let rows: Int32Array | undefined;
    let onPath = 0;
    for (let k = 0; k < l.inputs.length; k++) if (on.has(l.inputs[k] as number)) onPath++;
    const through = l.role === 'free' && onPath === 1;
    for (let k = 0; k < l.inputs.length; k++) {
      const from = on.get(l.inputs[k] as number);
      if (from === undefined) continue;
      rows ??= new Int32Array(l.outRows).fill(-1);
      const source = carrier.get(l.inputs[k] as number) ?? (l.inputs[k] as number);
      if (through) carrier.set(y, source);
      else {
        carrier.set(y, y);
        hopLayer.push(y);
        hopInput.push(k);
        hopFrom.push(source);
      }
      const need = l.needRows[k] as Int32Array;
      for (let r = 0; r < l.outRows; r++) {
        const v = from[need[r] as number] as number;
        if (v > (rows[r] as number)) rows[r] = v;
      }
    }
    if (rows !== undefined) on.set(y, rows);
  }
  return { rows: on.get(x) ?? new Int32Array(0), hopLayer: Int32Array.from(hopLayer), hopInput: Int32Array.from(hopInput), hopFrom: Int32Array.from(hopFrom) };
}

/**
 * The grants of this evaluation's placement: per layer reading a single stored tensor with the same rows (a fused
 * layer reads on its host's tiles: an add fused into a conv reads the skip there), where its tiles grant fewer slots
 * than the tensor's rows and a row of the reader reads fewer rows than that (else none is charged, as grantSlots).
 */
export function loneGrants(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  storedBits: Float64Array,
): LoneGrants {
  const t = tables(ctx);
  const out = t.grantsOut;
  out.held.fill(0);
  out.first.fill(-1);
  out.count = 0;
  const c = ctx.creditLoop;
  const s = ctx.traffic;
  const inj = ctx.injection;
  // A hop: the layer's input delay and its row's fixed time (row-times.ts: once an evaluation, the recurrence's too).
  const hop = (l: LayerStatic, k: number): number => fixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l) + delayCycles(ctx, placement, l, k);
  let pathsOf = -1;
  let stamp = 0;
  for (let m = 0; m < t.candidates.length; m++) {
    const { x, k, host, producer: p, sender, path, senderPath, onBySlots } = t.candidates[m] as Candidate;
    const tiles = placement.layerTiles[host];
    if (tiles === undefined || tiles.length === 0) continue;
    // A layer's tiles are one ascending range (placement).
    const lo = tiles[0] as number;
    const hi = tiles[tiles.length - 1] as number;
    const r = inj.slotPosition[p.index + 1] ?? -1;
    if (r < 0) continue;
    const rowBits = p.outCols * p.outChannels * (storedBits[p.index + 1] as number);
    let S = Infinity;
    for (let d = s.slotDestStart[r] as number; d < (s.slotDestStart[r + 1] as number); d++) {
      const tile = s.slotDests[d] as number;
      if (tile < lo || tile > hi) continue;
      const slots = (c.destSlots[d] as number) + spareRows(c.freeBits[tile] ?? 0, rowBits);
      if (slots < S) S = slots;
    }
    if (!(S < p.outRows) || S <= 0 || (x.readSpanRows[k] ?? 0) >= S) continue;
    let table = onBySlots.get(S);
    if (table === undefined) {
      const low = x.lowRows[k] as Int32Array;
      const on = new Int32Array(p.outRows).fill(-1);
      // The reader's host already made (a downsample sent after the block's conv3, whose fused add reads it): its
      // own row ends hold the sent rows, the chain (none: the host is not after the sender) is not used.
      const reader = host < sender.index ? new Int32Array(p.outRows).fill(-1) : undefined;
      let lag = p.outRows;
      // Row i is let in once the reader has let go of the rows below i - S + 1.
      for (let i = S; i < p.outRows; i++) {
        const done = doneToRelease(low, x.outRows, i - S + 1) - 1;
        if (reader !== undefined) reader[i] = done;
        const n = (on[i] = path.rows[done] ?? -1);
        if (n >= 0 && n < i && i - n < lag) lag = i - n;
      }
      onBySlots.set(S, (table = { on, lag, reader }));
    }
    const q = out.count++;
    out.next = grown(out.next, q + 1);
    out.chainCycles = grown(out.chainCycles, q + 1);
    out.lagRows = grown(out.lagRows, q + 1);
    out.readerLayer = grown(out.readerLayer, q + 1);
    out.on[q] = table.on;
    out.lagRows[q] = table.lag;
    out.readerRows[q] = table.reader;
    out.readerLayer[q] = table.reader === undefined ? -1 : host;
    if (pathsOf !== sender.index) (stamp = longestPaths(t, senderPath, sender.index, hop, ctx.layers)), (pathsOf = sender.index);
    // A fused reader's host lets the row go when its own row ends, before the fused ops (rule 5: a replica frees its
    // inputs when its MVMs end): ISAAC ResNet-50's skip is let in when the next block's conv3 ends a row, not its add.
    out.chainCycles[q] = t.alongStamp[host] === stamp ? (t.along[host] as number) : 0;
    out.next[q] = out.first[sender.index] as number;
    out.first[sender.index] = q;
    out.held[sender.index] = (out.held[sender.index] as number) + 1;
  }
  return out;
}

/**
 * Sender l's rows (finish[l.rowOffset ..], just computed) held to their grants, row by row (a held row moves the
 * holds of the rows after it): row i is sent no sooner than the reader row that lets it in can end, its chain after
 * the last row of l it waits on (a row before i; none is charged otherwise), or, where the reader's host is already
 * made, that host row's end. A grant whose chain is within its fewest rows of lag at l's pace (pacedCycles a row,
 * which l's rows keep at least) holds no row, and is skipped. A held send holds l's unit back (rule 5: a unit starts
 * no job while a send of it waits, and it has read one job ahead): row i ends no sooner than row i - HELD_AHEAD_ROWS
 * is sent plus restartCycles (the row's fixed time), nor than row i - 1 plus pacedCycles.
 */
export function holdForGrants(l: Pick<LayerStatic, 'index' | 'rowOffset' | 'outRows'>, grants: LoneGrants, finish: Float64Array, pacedCycles: number, restartCycles: number, layers: readonly LayerStatic[]): void {
  const base = l.rowOffset;
  const rows = l.outRows;
  let first = -1;
  let count = 0;
  for (let q = grants.first[l.index] as number; q >= 0; q = grants.next[q] as number) {
    if ((grants.readerLayer[q] as number) < 0 && (grants.chainCycles[q] as number) <= (grants.lagRows[q] as number) * pacedCycles) continue;
    if (count++ === 0) first = q;
  }
  if (count === 0) return;
  // The row's end before its hold (made) and after it (sent, in finish).
  let made = -Infinity;
  let moved = false;
  if (count === 1 && (grants.readerLayer[first] as number) < 0) {
    // NOTE: written for speed (most senders have one grant that can hold, by its chain): its table and chain in locals.
    const on = grants.on[first] as Int32Array;
    const chain = grants.chainCycles[first] as number;
    for (let i = 0; i < rows; i++) {
      let f = finish[base + i] as number;
      if (moved) {
        if (made + pacedCycles > f) f = made + pacedCycles;
        const restart = i >= HELD_AHEAD_ROWS ? (finish[base + i - HELD_AHEAD_ROWS] as number) + restartCycles : 0;
        if (restart > f) f = restart;
      }
      made = f;
      const n = on[i] as number;
      if (n >= 0 && n < i) {
        const held = (finish[base + n] as number) + chain;
        if (held > f) (f = held), (moved = true), (finish[base + i] = f);
        else if (moved) finish[base + i] = f;
      } else if (moved) finish[base + i] = f;
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    let f = finish[base + i] as number;
    if (moved) {
      // Only once a row was held can the unit's later rows move.
      if (made + pacedCycles > f) f = made + pacedCycles;
      if (i >= HELD_AHEAD_ROWS) {
        const restart = (finish[base + i - HELD_AHEAD_ROWS] as number) + restartCycles;
        if (restart > f) f = restart;
      }
    }
    made = f;
    for (let q = first; q >= 0; q = grants.next[q] as number) {
      const reader = grants.readerLayer[q] as number;
      if (reader >= 0) {
        const m = (grants.readerRows[q] as Int32Array)[i] as number;
        if (m < 0) continue;
        const held = finish[(layers[reader] as LayerStatic).rowOffset + m] as number;
        if (held > f) f = held;
        continue;
      }
      const n = (grants.on[q] as Int32Array)[i] as number;
      if (n < 0 || n >= i) continue;
      const held = (finish[base + n] as number) + (grants.chainCycles[q] as number);
      if (held > f) f = held;
    }
    if (f > made) moved = true;
    finish[base + i] = f;
  }
}

/** Re-exported: latency-reference.ts reads it from here (held-ahead.ts says why it lives apart). */
export { HELD_AHEAD_ROWS };

/**
 * When a run member's unit may start its row i (rows at finish[base ..], those before i final; `moved`: a row of it
 * was held): once row i - HELD_AHEAD_ROWS is sent (rule 5, as holdForGrants holds a lone layer's unit); -Infinity
 * before any row was held. The run's schedule (unit-run-schedule.ts) takes a job's arrival at the unit from it.
 */
export function heldUnitStart(moved: number, finish: Float64Array, base: number, i: number): number {
  return moved !== 0 && i >= HELD_AHEAD_ROWS ? (finish[base + i - HELD_AHEAD_ROWS] as number) : -Infinity;
}

/**
 * Row i of run member j (sender `layer`, rows at finish[base ..], those before i final), made by the run's schedule at
 * `end`, held as holdForGrants holds a lone layer's row: once a row of it was held (moved[j]), its unit is held too, so
 * the row is made no sooner than row i - 1 was made plus pacedCycles, nor than its unit starts it (heldUnitStart)
 * plus restartCycles (its fixed time); then it is held to its grants (heldRowEnd). made[j]: the row's end before its
 * grants. Without the unit's hold (s77 to s82) a member's later rows kept their ends: holdForGrants after the run
 * found its rows already held and saw none move.
 */
export function heldMemberRowEnd(grants: LoneGrants, made: Float64Array, moved: Int32Array, j: number, layer: number, base: number, finish: Float64Array, i: number, pacedCycles: number, restartCycles: number, end: number): number {
  let f = end;
  if ((moved[j] as number) !== 0) {
    const paced = (made[j] as number) + pacedCycles;
    if (paced > f) f = paced;
    const restart = heldUnitStart(1, finish, base, i) + restartCycles;
    if (restart > f) f = restart;
  }
  made[j] = f;
  const held = heldRowEnd(grants, layer, base, finish, i, pacedCycles, f);
  if (held > f) moved[j] = 1;
  return held;
}

/**
 * Row i of sender `layer` (rows at finish[base ..], those before i final) held to its grants, as holdForGrants holds
 * it: for a sender in a unit run (unit-run.ts), whose readers in the run read each row as it is made, so they see it
 * held (the unit's own hold: heldMemberRowEnd).
 */
export function heldRowEnd(grants: LoneGrants, layer: number, base: number, finish: Float64Array, i: number, pacedCycles: number, end: number): number {
  let f = end;
  for (let q = grants.first[layer] as number; q >= 0; q = grants.next[q] as number) {
    // A grant whose reader is made before the sender in the recurrence (readerLayer) is left to holdForGrants after
    // the run: inside the run that reader's rows may not be made yet.
    if ((grants.readerLayer[q] as number) >= 0) continue;
    const chain = grants.chainCycles[q] as number;
    if (chain <= (grants.lagRows[q] as number) * pacedCycles) continue;
    const n = (grants.on[q] as Int32Array)[i] as number;
    if (n < 0 || n >= i) continue;
    const held = (finish[base + n] as number) + chain;
    if (held > f) f = held;
  }
  return f;
}

/** The longest sums of hop times along the paths from the sender (layer index `from`): t.along, where t.alongStamp is the stamp returned. */
function longestPaths(t: GrantTables, path: RowsOn, from: number, hopCycles: (l: LayerStatic, k: number) => number, layers: readonly LayerStatic[]): number {
  if (t.stamp >= 0x3fffffff) (t.alongStamp.fill(0), (t.stamp = 0));
  const stamp = ++t.stamp;
  t.alongStamp[from] = stamp;
  t.along[from] = 0;
  for (let h = 0; h < path.hopLayer.length; h++) {
    const y = path.hopLayer[h] as number;
    const u = path.hopFrom[h] as number;
    const at = (t.alongStamp[u] === stamp ? (t.along[u] as number) : 0) + hopCycles(layers[y] as LayerStatic, path.hopInput[h] as number);
    if (t.alongStamp[y] !== stamp || at > (t.along[y] as number)) (t.along[y] = at), (t.alongStamp[y] = stamp);
  }
  return stamp;
}
