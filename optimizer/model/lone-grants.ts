/**
 * Channel credits in the single-image latency recurrence (docs/hardware-model.md rule 7, "Grants in the lone image"):
 * a stored row is sent once each reader tile grants it a slot, and a tile has S of them for the tensor (its channel's
 * slots, channelSlots, plus the rows of its eDRAM beyond every guaranteed slot: the credit loop's free figure), so row
 * i of P is sent no sooner than every reader there has let go of P's rows below i - S + 1. The recurrence runs layer by
 * layer, and the readers come after P: the first pass runs without grants; where a grant would hold a row, a second
 * pass holds each sent row to the reader's row end of the first pass, moved by as much as the last row of P that
 * reader row waits on (through every path) has moved since. A loop whose rows wait only on P moves with P, so the
 * second pass is its fixed point; ISAAC ResNet-50's replication-only plan (77 tiles, layer1.x's skips on 3 slots):
 * 5,481,933 cycles without grants, 6,968,801 with (the exact fixed point of repeated passes, reached in 40),
 * simulated 7,019,515.
 */
import type { Placement } from '../../arch/placement';
import { spareRows } from './credit-loop';
import type { LayerStatic, ModelContext } from './types';

/** One reader's hold on a stored tensor's rows, as sent by layer `sender`. */
export interface LoneGrant {
  senderBase: number;
  senderRows: number;
  readerBase: number;
  /** Per sent row, the reader row whose end lets it in (-1: none), and the last sent row that reader row waits on. */
  at: Int32Array;
  on: Int32Array;
}

interface GrantTables {
  /** Per (producer, reader): per reader row, the last producer row it waits on through every path. */
  rowsOn: Map<number, Int32Array>;
  /** Per (producer, reader, input, slots): the grant's `at` and `on` tables. */
  grants: Map<string, { at: Int32Array; on: Int32Array }>;
  /** The sending layer of each stored producer (the last layer fused into it, or itself). */
  senders: Map<number, LayerStatic>;
  /** The row ends of the first pass. */
  last: Float64Array;
}

const tablesOf = new WeakMap<ModelContext, GrantTables>();

function tables(ctx: ModelContext): GrantTables {
  let t = tablesOf.get(ctx);
  if (t === undefined) {
    const senders = new Map<number, LayerStatic>();
    for (const l of ctx.layers) if (l.sendsAs >= 0) senders.set(l.sendsAs, l);
    t = { rowsOn: new Map(), grants: new Map(), senders, last: new Float64Array(0) };
    tablesOf.set(ctx, t);
  }
  return t;
}

/** Per row of layer `x`, the last row of stored layer `p` it waits on through any path (-1: none). */
function lastRowsOn(ctx: ModelContext, t: GrantTables, p: number, x: number): Int32Array {
  const key = p * 1_000_003 + x;
  const hit = t.rowsOn.get(key);
  if (hit !== undefined) return hit;
  const on = new Map<number, Int32Array>();
  on.set(p, Int32Array.from({ length: (ctx.layers[p] as LayerStatic).outRows }, (_, i) => i));
  for (let y = p + 1; y <= x; y++) {
    const l = ctx.layers[y];
    if (l === undefined) continue;
    let rows: Int32Array | undefined;
    for (let k = 0; k < l.inputs.length; k++) {
      const from = on.get(l.inputs[k] as number);
      if (from === undefined) continue;
      rows ??= new Int32Array(l.outRows).fill(-1);
      const need = l.needRows[k] as Int32Array;
      for (let r = 0; r < l.outRows; r++) {
        const v = from[need[r] as number] as number;
        if (v > (rows[r] as number)) rows[r] = v;
      }
    }
    if (rows !== undefined) on.set(y, rows);
  }
  const out = on.get(x) ?? new Int32Array(0);
  t.rowsOn.set(key, out);
  return out;
}

/**
 * The grants of this evaluation's placement: per layer reading a single stored tensor with the same rows (a fused
 * layer reads on its host's tiles: an add fused into a conv reads the skip there), where its tiles grant fewer slots
 * than the tensor's rows and a row of the reader reads fewer rows than that (else none is charged, as grantSlots).
 */
export function loneGrants(ctx: ModelContext, placement: Placement, storedBits: Float64Array): LoneGrant[] {
  const out: LoneGrant[] = [];
  const t = tables(ctx);
  const c = ctx.creditLoop;
  const s = ctx.traffic;
  const inj = ctx.injection;
  for (const x of ctx.layers) {
    if (x.aliased || x.role === 'free') continue;
    const host = x.role === 'fused' ? (ctx.flow.layers[x.index]?.storedAs ?? -1) : x.index;
    const tiles = host < 0 ? undefined : placement.layerTiles[host];
    if (tiles === undefined || tiles.length === 0) continue;
    // A layer's tiles are one ascending range (placement).
    const lo = tiles[0] as number;
    const hi = tiles[tiles.length - 1] as number;
    for (let k = 0; k < x.inputs.length; k++) {
      const stored = x.inputStored[k];
      if (stored === undefined || stored.length !== 1) continue;
      const P = stored[0] as number;
      const p = ctx.layers[P];
      const direct = ctx.layers[x.inputs[k] as number];
      if (P < 0 || P === host || p === undefined || direct === undefined || direct.outRows !== p.outRows) continue;
      const r = inj.slotPosition[P + 1] ?? -1;
      if (r < 0) continue;
      const rowBits = p.outCols * p.outChannels * (storedBits[P + 1] as number);
      let S = Infinity;
      for (let d = s.slotDestStart[r] as number; d < (s.slotDestStart[r + 1] as number); d++) {
        const tile = s.slotDests[d] as number;
        if (tile < lo || tile > hi) continue;
        const slots = (c.destSlots[d] as number) + spareRows(c.freeBits[tile] ?? 0, rowBits);
        if (slots < S) S = slots;
      }
      if (!(S < p.outRows) || S <= 0 || (x.readSpanRows[k] ?? 0) >= S) continue;
      const key = `${P},${x.index},${k},${S}`;
      let g = t.grants.get(key);
      if (g === undefined) {
        const low = x.lowRows[k] as Int32Array;
        const rowsOn = lastRowsOn(ctx, t, P, x.index);
        const at = new Int32Array(p.outRows).fill(-1);
        const on = new Int32Array(p.outRows).fill(-1);
        for (let i = S; i < p.outRows; i++) {
          at[i] = doneToRelease(low, x.outRows, i - S + 1) - 1;
          on[i] = rowsOn[at[i] as number] ?? -1;
        }
        t.grants.set(key, (g = { at, on }));
      }
      const sender = t.senders.get(P) ?? p;
      out.push({ senderBase: sender.rowOffset, senderRows: sender.outRows, readerBase: x.rowOffset, at: g.at, on: g.on });
    }
  }
  return out;
}

/** True when some grant would hold a sent row: a reader lets the row in after it ends (finish: the first pass). */
export function grantsHold(grants: readonly LoneGrant[], finish: Float64Array): boolean {
  for (const g of grants) {
    for (let i = 0; i < g.senderRows; i++) {
      const a = g.at[i] as number;
      if (a >= 0 && (finish[g.readerBase + a] as number) > (finish[g.senderBase + i] as number)) return true;
    }
  }
  return false;
}

/** Keeps the first pass's row ends (holdForGrants reads them), in the context's buffer. */
export function keepFirstPass(ctx: ModelContext, finish: Float64Array): Float64Array {
  const t = tables(ctx);
  if (t.last.length < finish.length) t.last = new Float64Array(finish.length);
  t.last.set(finish);
  return t.last;
}

/**
 * Sender l's rows (finish[l.rowOffset ..]) held to their grants in the second pass: each reader's row end of the first
 * pass (`last`), moved by as much as the last row of l it waits on has moved since (a row before this one; the row
 * before it where the table names no earlier row).
 */
export function holdForGrants(l: LayerStatic, grants: readonly LoneGrant[], finish: Float64Array, last: Float64Array): void {
  const base = l.rowOffset;
  const own = grants.filter((g) => g.senderBase === base);
  if (own.length === 0) return;
  // Row by row: a row's hold moves the rows after it.
  for (let i = 0; i < l.outRows; i++) {
    for (const g of own) {
      const a = g.at[i] as number;
      if (a < 0) continue;
      const n = g.on[i] as number;
      const m = n >= 0 && n < i ? n : i - 1;
      const held = (last[g.readerBase + a] as number) + (finish[base + m] as number) - (last[base + m] as number);
      if (held > (finish[base + i] as number)) finish[base + i] = held;
    }
  }
}

/** The fewest rows (>= 1) a reader with lowest-row table `low` of `rows` rows must end to let go of `released` rows. */
function doneToRelease(low: Int32Array, rows: number, released: number): number {
  // After m rows the reader still holds rows from low[m] (all let go after its last); low ascends: binary search.
  let lo = 1;
  let hi = rows;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if ((low[m] as number) >= released) hi = m;
    else lo = m + 1;
  }
  return lo;
}
