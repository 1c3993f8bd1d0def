/**
 * A channel's rows on its tile (sim/units.ts Channel): the ring of image slots its per-row tables live in, pieces
 * arriving into it, and rows freed once every reader here is done with them (docs/hardware-model.md rule 6).
 */
import type { Slabs } from './kernel/slab';
import { imageSetHas, type Channel, type ImageSet, type Unit } from './units';

/** Image slots a channel's ring starts with (it doubles when the pipeline holds more images on the tile). */
export const CHANNEL_FIRST_SLOTS = 4;

/** A channel's ring with `slots` image slots (a power of two), nothing touched yet; from `slabs` when given. */
export function newChannelTables(rows: number, slots: number, slabs?: Slabs): Pick<Channel, 'mask' | 'lo' | 'hi' | 'arrived' | 'refs' | 'complete' | 'prefix' | 'freedRows'> {
  const int32 = (n: number): Int32Array => (slabs ? slabs.int32.take(n) : new Int32Array(n));
  return {
    mask: slots - 1,
    lo: 0,
    hi: 0,
    arrived: int32(slots * rows),
    refs: int32(slots * rows),
    complete: slabs ? slabs.uint8.take(slots * rows) : new Uint8Array(slots * rows),
    prefix: int32(slots),
    freedRows: int32(slots),
  };
}

/**
 * The slot of image n (lo <= n): sets up images hi..n when n is new, doubling the ring when they would not fit.
 * NOTE: written for speed: callers test `n < ch.hi` first and take `n & ch.mask` inline.
 */
export function channelImageSlot(ch: Channel, n: number): number {
  if (n < ch.hi) return n & ch.mask;
  if (n < ch.lo) throw new Error(`sim: image ${n} of ${ch.producer.name} on tile ${ch.tile} touched after it was retired`);
  while (n - ch.lo > ch.mask) growChannel(ch);
  const rows = ch.rows;
  const { arrived, refs, complete, readers } = ch;
  for (let m = ch.hi; m <= n; m++) {
    const s = m & ch.mask;
    let count = 0;
    for (let r = 0; r < readers.length; r++) if (imageSetHas(readers[r] as ImageSet, m)) count++;
    // NOTE: written for speed: plain loops (a ranged TypedArray fill calls into the runtime, ~1 us each; this runs
    // once per image and channel).
    for (let q = s * rows, end = q + rows; q < end; q++) {
      arrived[q] = 0;
      refs[q] = count;
      complete[q] = 0;
    }
    ch.prefix[s] = 0;
    ch.freedRows[s] = 0;
  }
  ch.hi = n + 1;
  return n & ch.mask;
}

/** Doubles a channel's ring, moving the live images (lo..hi-1) to their slots in the larger one. */
function growChannel(ch: Channel): void {
  const rows = ch.rows;
  const next = newChannelTables(rows, 2 * (ch.mask + 1));
  for (let m = ch.lo; m < ch.hi; m++) {
    const from = m & ch.mask;
    const to = m & next.mask;
    next.arrived.set(ch.arrived.subarray(from * rows, (from + 1) * rows), to * rows);
    next.refs.set(ch.refs.subarray(from * rows, (from + 1) * rows), to * rows);
    next.complete.set(ch.complete.subarray(from * rows, (from + 1) * rows), to * rows);
    next.prefix[to] = ch.prefix[from] as number;
    next.freedRows[to] = ch.freedRows[from] as number;
  }
  ch.mask = next.mask;
  ch.arrived = next.arrived;
  ch.refs = next.refs;
  ch.complete = next.complete;
  ch.prefix = next.prefix;
  ch.freedRows = next.freedRows;
}

/** Complete rows 0..prefix-1 of image n (all of them once it is retired). */
export function channelPrefix(ch: Channel, n: number): number {
  if (n < ch.lo) return ch.rows;
  if (n >= ch.hi) return 0;
  return ch.prefix[n & ch.mask] as number;
}

/** Row `row` of image n (slot `slot`) is complete and let go by every reader here: free its eDRAM, retire done images. */
function freeChannelRow(ch: Channel, n: number, slot: number, row: number): void {
  ch.buffer.freeRow(ch.id, n * ch.rows + row);
  if (++(ch.freedRows[slot] as number) < ch.rows || n !== ch.lo) return;
  let lo = ch.lo;
  while (lo < ch.hi && ch.freedRows[lo & ch.mask] === ch.rows) lo++;
  ch.lo = lo;
}

/** Releases the input rows row i of image n was the last to need (rule 6: freed when no longer needed). */
export function releaseInputs(u: Unit, n: number, i: number): void {
  for (let k = 0; k < u.inputs.length; k++) {
    const ch = u.inputs[k] as Channel;
    const below = u.inputReleases[k] as Int32Array;
    let q = i > 0 ? (below[i - 1] as number) : 0;
    const upTo = below[i] as number;
    if (q < upTo) {
      const slot = n < ch.hi ? n & ch.mask : channelImageSlot(ch, n);
      const base = slot * ch.rows;
      for (; q < upTo; q++) {
        const idx = base + q;
        if (--(ch.refs[idx] as number) === 0 && ch.complete[idx] === 1) freeChannelRow(ch, n, slot, q);
      }
    }
  }
}

/**
 * A piece of row `row` of image `n` is in the channel's eDRAM. Returns the image's new complete prefix when the
 * piece completed the row and extended it (readers waiting below it may go on), -1 otherwise.
 */
export function pieceArrived(ch: Channel, n: number, row: number): number {
  const slot = n < ch.hi ? n & ch.mask : channelImageSlot(ch, n);
  const base = slot * ch.rows;
  const idx = base + row;
  if (++(ch.arrived[idx] as number) < (ch.piecesPerRow[row] as number)) return -1;
  ch.complete[idx] = 1;
  let prefix = ch.prefix[slot] as number;
  while (prefix < ch.rows && ch.complete[base + prefix] === 1) prefix++;
  const extended = prefix !== ch.prefix[slot];
  ch.prefix[slot] = prefix;
  // Freed last: it may retire the image (its slot is then no longer its).
  if (ch.refs[idx] === 0) freeChannelRow(ch, n, slot, row);
  return extended ? prefix : -1;
}
