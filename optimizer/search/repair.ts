/**
 * Which +1 bit pays an accuracy shortfall (the evaluator's repair after an episode, the RL's per-step wall).
 * HAQ's order is by accuracy gain alone; with `costPower` p > 0 a move is scored by gain / (extra cost)^p. The work
 * is a layer's crossbar-cycles per image (crossbars per replica x MVM cycles x output pixels): the cores it needs at
 * a given stage time scale with it. Two costs: the extra work as a share of the network's (workShareCost), or the
 * stage time added relative to a reference plan's bottleneck, tensor traffic included (pressureCost). A bit that
 * costs no crossbar and no cycle (a weight bit inside a cell's slice) is paid first. Also the step wall's reserve for
 * the steps still to come (wallReserves). Pure, no model evaluation (evaluations are the budget the searches are
 * compared on).
 */
import { bitsAt } from '../../arch/plan';
import type { SeparableTerms } from './product-bits';

export const MIN_SEARCH_BITS = 2;
export const MAX_SEARCH_BITS = 8;

/** A layer's work at (w, a) bits, in any unit common to the network's layers (crossbar-cycles per image). */
export type WorkOf = (pos: number, wbits: number, abits: number) => number;

export interface RepairCost {
  /** Score exponent p: gain / (extra cost)^p. 0: accuracy gain alone (HAQ's repair). */
  costPower: number;
  /** Extra cost of raising layer `pos`'s weights ('w') or activations ('a') by one from (w, a); `abits`: the plan's. */
  extra: (pos: number, kind: 'w' | 'a', w: number, a: number, abits: readonly number[]) => number;
  /** Product j's extra cost for +1 bit is its holder layer's for +1 activation bit (the layer whose abits it follows). */
  productHolder: (j: number) => number;
}

/** Extra costs below this count as this (a free bit: its score is its gain x 1e9^p, above any costed one). */
const FREE_SHARE = 1e-9;

/** Score of a +1 bit move removing `gainPct` of drop at `extra` cost (no cost: gain alone). */
export function moveScore(gainPct: number, extra: number, cost: RepairCost | undefined): number {
  if (cost === undefined || cost.costPower === 0) return gainPct;
  return gainPct / Math.max(FREE_SHARE, extra) ** cost.costPower;
}

function workStep(work: WorkOf, pos: number, kind: 'w' | 'a', w: number, a: number): { now: number; more: number } {
  const now = work(pos, w, a);
  return { now, more: Math.max(0, (kind === 'w' ? work(pos, w + 1, a) : work(pos, w, a + 1)) - now) };
}

/** Extra cost = the extra work as a share of the network's work at 8/8 bits (`totalWork`). */
export function workShareCost(costPower: number, work: WorkOf, totalWork: number, productHolder: (j: number) => number): RepairCost {
  return { costPower, productHolder, extra: (pos, kind, w, a) => workStep(work, pos, kind, w, a).more / Math.max(totalWork, Number.MIN_VALUE) };
}

/** A stored tensor a layer reads: its other bit-setting readers, and the weighted layers whose stage moves its bits. */
export interface ReadTensor {
  others: readonly number[];
  producers: readonly number[];
}

/**
 * Extra cost = the stage time it adds, relative to the bottleneck of a reference plan (the best so far):
 * the layer's relative extra work x its pressure (stage / bottleneck, `pressure`), plus, for an activation bit
 * that raises the bits a read tensor is stored at (rule 2: the largest abits of its readers), 1/a of that tensor's
 * producers' largest pressure (their output traffic grows by a bit in a). A layer far from the bottleneck is
 * cheap to raise; a reader below its tensor's other readers raises no traffic.
 */
export function pressureCost(costPower: number, work: WorkOf, pressure: (pos: number) => number, reads: readonly (readonly ReadTensor[])[], productHolder: (j: number) => number): RepairCost {
  return {
    costPower,
    productHolder,
    extra: (pos, kind, w, a, abits) => {
      const { now, more } = workStep(work, pos, kind, w, a);
      let extra = now > 0 ? (more / now) * pressure(pos) : 0;
      if (kind === 'a') {
        for (const t of reads[pos] ?? []) {
          if (t.others.some((o) => bitsAt(abits, o) > a)) continue;
          let top = 0;
          for (const p of t.producers) top = Math.max(top, pressure(p));
          extra += top / a;
        }
      }
      return extra;
    },
  };
}

/**
 * The per-step wall's choice for layer `pos` at (w, a): true raises the weights, false the activations. By gain
 * alone (ties: weights, HAQ-compatible with the code before the option); with a cost, by score when either gain
 * is positive.
 */
export function wallRaisesWeights(layer: SeparableTerms['layer'], pos: number, w: number, a: number, cost: RepairCost | undefined, abits: readonly number[]): boolean {
  const now = layer(pos, w, a);
  const gainW = w < MAX_SEARCH_BITS ? now - layer(pos, w + 1, a) : -1;
  const gainA = a < MAX_SEARCH_BITS ? now - layer(pos, w, a + 1) : -1;
  if (cost === undefined || cost.costPower === 0 || (gainW <= 0 && gainA <= 0)) return gainW >= gainA;
  if (gainA <= 0) return true;
  if (gainW <= 0) return false;
  return moveScore(gainW, cost.extra(pos, 'w', w, a, abits), cost) >= moveScore(gainA, cost.extra(pos, 'a', w, a, abits), cost);
}

/** A plan's separable drop: its layers' terms and the terms of the products whose own bits it sets. */
export function separableDrop(terms: SeparableTerms, wbits: readonly number[], abits: readonly number[], productBits: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < wbits.length; i++) total += terms.layer(i, bitsAt(wbits, i), bitsAt(abits, i));
  productBits.forEach((b, j) => {
    if (b > 0) total += terms.product(j, b);
  });
  return total;
}

/**
 * Raises bits (in place) until the separable drop is within `budgetPct`: each step takes the +1 bit (some layer's
 * weights or activations, or a product's own bits where productBits[j] > 0) with the best score, among those that
 * remove drop. Stops when no move removes any.
 */
export function repairBits(terms: SeparableTerms, wbits: number[], abits: number[], productBits: number[], budgetPct: number, cost: RepairCost | undefined): void {
  const drop = terms.layer;
  const n = wbits.length;
  let total = separableDrop(terms, wbits, abits, productBits);
  while (total > budgetPct + 1e-12) {
    let bestScore = 0;
    let bestGain = 0;
    let bestLayer = -1;
    let bestKind: 'w' | 'a' | 'p' = 'w';
    const consider = (gain: number, work: () => number, layer: number, kind: 'w' | 'a' | 'p'): void => {
      if (!(gain > 0)) return;
      const score = cost === undefined || cost.costPower === 0 ? gain : moveScore(gain, work(), cost);
      if (score > bestScore) {
        bestScore = score;
        bestGain = gain;
        bestLayer = layer;
        bestKind = kind;
      }
    };
    for (let i = 0; i < n; i++) {
      const w = bitsAt(wbits, i);
      const a = bitsAt(abits, i);
      const now = drop(i, w, a);
      if (w < MAX_SEARCH_BITS) consider(now - drop(i, w + 1, a), () => (cost ? cost.extra(i, 'w', w, a, abits) : 0), i, 'w');
      if (a < MAX_SEARCH_BITS) consider(now - drop(i, w, a + 1), () => (cost ? cost.extra(i, 'a', w, a, abits) : 0), i, 'a');
    }
    productBits.forEach((b, j) => {
      if (!(b > 0) || b >= MAX_SEARCH_BITS) return;
      const holderWork = (): number => {
        if (cost === undefined) return 0;
        const h = cost.productHolder(j);
        return h >= 0 && h < n ? cost.extra(h, 'a', bitsAt(wbits, h), Math.min(MAX_SEARCH_BITS - 1, bitsAt(abits, h)), abits) : 0;
      };
      consider(terms.product(j, b) - terms.product(j, b + 1), holderWork, j, 'p');
    });
    if (bestLayer < 0) return;
    if (bestKind === 'w') wbits[bestLayer] = bitsAt(wbits, bestLayer) + 1;
    else if (bestKind === 'a') abits[bestLayer] = bitsAt(abits, bestLayer) + 1;
    else productBits[bestLayer] = (productBits[bestLayer] ?? 0) + 1;
    total -= bestGain;
  }
}

/**
 * The step wall's reserve: per step t, `share` x the drop that steps t.. spend in a reference plan (the best so
 * far; `drops` in step order), so step t - 1 may spend only the budget less reserve[t] and the layers still to come
 * keep part of what a good plan gives them. Length drops.length + 1 (the last: 0).
 */
export function wallReserves(share: number, drops: readonly number[]): number[] {
  const out = new Array<number>(drops.length + 1).fill(0);
  for (let t = drops.length - 1; t >= 0; t--) out[t] = (out[t + 1] ?? 0) + share * (drops[t] ?? 0);
  return out;
}
