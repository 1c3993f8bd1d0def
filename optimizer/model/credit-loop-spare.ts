import type { Placement } from '../../arch/placement';
import type { CreditInput, CreditLoopTables } from './credit-loop-tables';
import type { TrafficScratch } from './types';

/*
 * The credit-loop term's share of a reader tile's spare eDRAM among the reader's inputs (credit-loop.ts's fork loops;
 * credit-loop-reference.ts computes the same plainly). `storedBits`: bits per element by producer + 1;
 * `intervalCycles`: the interval without the term.
 */

/**
 * The spare eDRAM (bits, of `freeBits`) that `tile` leaves to the fork loops of input i (t.inputs) once the reader's
 * inputs that run ahead of it have taken theirs (docs/hardware-model.md rule 7, credit-loop term). Every input's loop
 * had counted the whole spare, but the inputs share it: freed space goes to the waiting sends first come (rule 6). An
 * input o whose rows wait longer for the reader's other inputs than P's (G_o = skew_o x interval / rows(o) + lead_o,
 * arch/fork-hold.ts) holds floor(G_o / period) + 1 rows at the interval (period = interval / rows(o)); those beyond
 * its slots take the spare before P's, as many as fit, the inputs waiting longest first. DenseNet-121 on PUMA (s93):
 * MaxPool_2 (G 10.2 periods) held its 9 slots and the one spare row of tile 1, Conv_8 its 7 slots and none, where
 * the model had counted two spare rows for each.
 * NOTE: written for speed: the inputs ahead are sorted in place in t's scratch (a reader has few inputs).
 */
export function aheadSpareBits(t: CreditLoopTables, s: TrafficScratch, placement: Placement, i: number, tile: number, freeBits: number, intervalCycles: number, storedBits: Float64Array): number {
  const inp = t.inputs[i] as CreditInput;
  const at = placement.forkHolds.inputOffset[inp.layer] as number;
  if (at < 0 || freeBits <= 0) return freeBits;
  const { skewRows, leadCycles } = placement.forkHolds;
  const interval = intervalCycles;
  const waitP = ((skewRows[at + inp.k] as number) * interval) / inp.rows + (leadCycles[at + inp.k] as number);
  const { aheadCycles, aheadTakeRows, aheadRowBits } = t;
  let n = 0;
  for (let j = inp.readerInputsStart; j < inp.readerInputsEnd; j++) {
    const o = t.inputs[j] as CreditInput;
    if (j === i || o.slot < 0) continue;
    const period = interval / o.rows;
    const wait = (skewRows[at + o.k] as number) * period + (leadCycles[at + o.k] as number);
    const ahead = wait - waitP;
    const rowBits = o.rowElements * (storedBits[o.producer + 1] as number);
    if (!(ahead > 0) || !(rowBits > 0)) continue;
    let slots = -1;
    const d1 = s.slotDestStart[o.slot + 1] as number;
    for (let d = s.slotDestStart[o.slot] as number; d < d1; d++) if (s.slotDests[d] === tile) slots = t.destSlots[d] as number;
    if (slots < 0) continue;
    // The rows it holds at the interval (each waits G_o, one more being read) beyond its slots.
    const take = Math.min(Math.floor(wait / period) + 1, o.rows) - slots;
    if (take <= 0) continue;
    // Insertion by cycles ahead, descending.
    let k = n++;
    while (k > 0 && (aheadCycles[k - 1] as number) < ahead) {
      aheadCycles[k] = aheadCycles[k - 1] as number;
      aheadTakeRows[k] = aheadTakeRows[k - 1] as number;
      aheadRowBits[k] = aheadRowBits[k - 1] as number;
      k--;
    }
    aheadCycles[k] = ahead;
    aheadTakeRows[k] = take;
    aheadRowBits[k] = rowBits;
  }
  let free = freeBits;
  for (let k = 0; k < n; k++) {
    const bits = aheadRowBits[k] as number;
    free -= Math.min(Math.floor(free / bits), aheadTakeRows[k] as number) * bits;
  }
  return free;
}
