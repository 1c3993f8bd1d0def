import type { ForkHoldScratch } from './fork-hold';

/**
 * Who takes a reader tile's spare eDRAM among the reader's inputs (docs/hardware-model.md rule 7, fork loops and the
 * shared-slot loop). One rule for every loop that counts the spare: placement's line-buffer pace term
 * (arch/pack-tiles.ts), the credit-loop term (optimizer/model/credit-loop.ts) and its reference.
 */

/** What a caller knows of the reader tile besides the holds. */
export interface SpareView {
  /** Bits of one row of the reader's input j. */
  rowBitsOf(j: number): number;
  /** Rows of the reader's input j. */
  rowsOf(j: number): number;
  /** Rows the tile guarantees the reader's input j (its channel slots there); below 0 when the tile holds none of it. */
  slotsOf(j: number): number;
}

/** Input j's wait for the reader's other inputs at the holds' interval: skew periods plus lead (arch/fork-hold.ts). */
function waitOf(s: ForkHoldScratch, at: number, j: number, v: SpareView): number {
  return ((s.skewRows[at + j] as number) * s.lastIntervalCycles) / v.rowsOf(j) + (s.leadCycles[at + j] as number);
}

/**
 * Rows of the tile's spare eDRAM (`spareBits`, beyond every guaranteed slot) that input k of reader `layer` can count
 * on (`windows`: the reader's granted windows per input). Freed space goes to the waiting sends in the order they
 * came (sim/kernel/resource.ts Container.release), and the input whose rows wait longest for the others asks first.
 * So each input j whose rows wait longer than k's (G_j = skew_j x interval / rows_j + lead_j) holds
 * floor(G_j / period_j) + 1 rows at the interval; those beyond its slots take the spare first, as many as fit, the
 * inputs waiting longest first (ties: the earlier input), and k counts what they leave. The interval is the one the
 * holds were filled at (placement's estimate), the same for every loop that asks (the credit loop's own interval
 * without its term moves with the pace term, which counts this spare: s96). DenseNet-121 on PUMA (s93):
 * MaxPool_2 (G 10.2 periods) held its 9 slots and tile 1's one spare row, Conv_8 its 7 slots and none. ShuffleNetV2
 * (s92): block 1's two branches reach stage 3's first block first and held 29-33 and 26-30 rows of tile 3, the later
 * branches 3-10. (s92 and s93 had each written a take of their own, s92's the rows the earlier input's loop needs,
 * both subtracted in the credit loop: docs/validation.md, s96.)
 * Then an even share of the rows left with the reader's lagging inputs that pile rows beyond their slots (aheadRows >
 * window + 1): while the reader drains a lagging input's burst the grants alternate (IS-Net fp16's outer concat: 647
 * rows held in the simulator against a 512-row window and 252 spare rows).
 * NOTE: the inputs ahead are visited in order by a scan per step, without scratch (a reader has few inputs).
 */
export function forkSpareRows(s: ForkHoldScratch, layer: number, k: number, windows: readonly number[] | undefined, spareBits: number, v: SpareView): number {
  const at = s.inputOffset[layer] as number;
  // Only a forked reader's inputs have fork loops (inputOffset >= 0 for every caller).
  if (at < 0) return 0;
  const rowBits = v.rowBitsOf(k);
  if (!(rowBits > 0) || !(spareBits > 0) || !(spareBits < Infinity)) return 0;
  let left = spareBits;
  const n = windows?.length ?? 0;
  if (n > 0 && s.lastIntervalCycles > 0) {
    const mine = waitOf(s, at, k, v);
    // The previous input served, by (wait descending, index ascending).
    let lastWait = Infinity;
    let lastJ = -1;
    for (;;) {
      let next = -1;
      let nextWait = -Infinity;
      for (let j = 0; j < n; j++) {
        if (j === k) continue;
        const w = waitOf(s, at, j, v);
        // Ahead of this input: a longer wait, or an equal one earlier in order (the tile serves requests first come).
        if (!(w > mine || (w === mine && j < k))) continue;
        if (w > lastWait || (w === lastWait && j <= lastJ)) continue;
        if (w > nextWait) (next = j), (nextWait = w);
      }
      if (next < 0) break;
      lastWait = nextWait;
      lastJ = next;
      const bits = v.rowBitsOf(next);
      const slots = v.slotsOf(next);
      if (!(bits > 0) || slots < 0) continue;
      const rows = v.rowsOf(next);
      const take = Math.min(Math.floor(nextWait / (s.lastIntervalCycles / rows)) + 1, rows) - slots;
      if (take > 0) left -= Math.min(Math.floor(left / bits), take) * bits;
    }
  }
  const spareRows = Math.floor(left / rowBits);
  if (windows === undefined || spareRows <= 0) return spareRows;
  let sharers = 1;
  for (let j = 0; j < windows.length; j++) if (j !== k && (s.aheadRows[at + j] as number) > (windows[j] as number) + 1) sharers++;
  return sharers === 1 ? spareRows : Math.floor(spareRows / sharers);
}
