/**
 * Trade moves of the local polishing (polish.ts): on a plan whose accuracy budget binds, a step down at a layer
 * that bounds the throughput cannot be taken alone, and the evaluator's repair pays for it by accuracy gain alone,
 * often at the bottleneck itself (ResNet-18, MobileNetV2: several seeds stop on plateaus no single move leaves). A
 * trade steps one layer (or a coupled tensor's readers) down and pays the accuracy it costs with +1 bit at one or
 * two other layers, the cheapest per accuracy point: the cores the payer needs in addition to reach the next stage
 * time below the bottleneck (a better plan must bring every layer there), by compute; a payer free by compute whose
 * raise alone lowered the throughput in the full model (its tensor's traffic, eDRAM, placement: what no core buys)
 * cannot pay, and at equal cores one payer comes before two, then the smaller charge of the full model for the raises
 * (session 12). Pure: which trades, in which order; the caller scores each with its exact replication by the full model.
 */
import { bitsAt } from '../../arch/plan';
import { MAX_SEARCH_BITS, MIN_SEARCH_BITS } from './repair';

/** One bit change: a layer's weights or activations by delta. */
export interface BitChange {
  layer: number;
  weights: boolean;
  delta: number;
}

/** A step down (one layer's bits, or every reader at a coupled tensor's bits) and the +1 bits that pay for it. */
export interface Trade {
  down: BitChange[];
  payers: BitChange[];
}

export interface TradeInputs {
  wbits: readonly number[];
  abits: readonly number[];
  /** The plan's per-layer pressure (EvaluatedCandidate.pressureCycles): the bounding layers are stepped down first. */
  pressureCycles: readonly number[];
  dropPct: number;
  budgetPct: number;
  /** Layers whose bits stay. */
  fixed: ReadonlySet<number>;
  /** Per layer, its coupled activation group (CandidateEvaluator.activationGroups). */
  groups: readonly number[];
  /** Separable drop of layer i at (w, a), points. */
  layerDrop: (layer: number, wbits: number, abits: number) => number;
  /** Cores layer i needs at (w, a) to reach the target stage time (Infinity: it cannot). */
  coresAt: (layer: number, wbits: number, abits: number) => number;
  /**
   * What the full model charged for raising one of the plan's bits alone (+1 at a layer's weights or activations),
   * when that plan was evaluated (polish's pass before the trades scores every single move): its smooth cost over
   * the plan's, less 1, or Infinity when the raise alone lowered the throughput; undefined: not evaluated.
   */
  raiseCharge?: (layer: number, weights: boolean) => number | undefined;
}

export interface TradeLimits {
  /** First payers of a two-payer set: the cheapest per accuracy point (the second: any that completes it). @default 8 */
  payers: number;
  /** Payer sets (one or two payers covering the shortfall) kept per step down, cheapest first. @default 4 */
  setsPerDown: number;
  /** Trades returned: those predicted to free the most cores. @default 64 */
  trades: number;
}

export const DEFAULT_TRADE_LIMITS: TradeLimits = { payers: 8, setsPerDown: 4, trades: 64 };

/** Drop shortfalls below this count as covered (the evaluator's own tolerance is 1e-9). */
const SLACK_PCT = 1e-12;

/** Bits after `changes` (copies). */
function applied(inp: Pick<TradeInputs, 'wbits' | 'abits'>, changes: readonly BitChange[]): { wbits: number[]; abits: number[] } | undefined {
  const wbits = [...inp.wbits];
  const abits = [...inp.abits];
  for (const c of changes) {
    const bits = c.weights ? wbits : abits;
    const next = bitsAt(bits, c.layer) + c.delta;
    if (next < MIN_SEARCH_BITS || next > MAX_SEARCH_BITS) return undefined;
    bits[c.layer] = next;
  }
  return { wbits, abits };
}

/** Layers touched by `changes`, once each. */
function touched(changes: readonly BitChange[]): number[] {
  return [...new Set(changes.map((c) => c.layer))];
}

/**
 * Sum over the touched layers of f(after) - f(before), from `from` (default: the plan). With f = coresAt: +Infinity when a
 * layer no longer reaches the target, -Infinity when it newly does; a layer that reaches it on neither side adds 0, or
 * Infinity when `raising` (payers).
 */
function layerDelta(
  inp: TradeInputs,
  changes: readonly BitChange[],
  f: (layer: number, w: number, a: number) => number,
  from: Pick<TradeInputs, 'wbits' | 'abits'> = inp,
  raising = false,
): number {
  const to = applied(from, changes);
  if (to === undefined) return NaN;
  let sum = 0;
  for (const l of touched(changes)) {
    const before = f(l, bitsAt(from.wbits, l), bitsAt(from.abits, l));
    const after = f(l, bitsAt(to.wbits, l), bitsAt(to.abits, l));
    // Raising a layer that already misses the target only moves it further away.
    if (before === Infinity && after === Infinity && !raising) continue;
    if (after === Infinity) return Infinity;
    if (before === Infinity) return -Infinity;
    sum += after - before;
  }
  return sum;
}

/** A bit change's key: its layer and which of its bits ('3w', '3a'). */
const changeKey = (c: BitChange): string => `${c.layer}${c.weights ? 'w' : 'a'}`;

/** The largest finite charge: a raise that lowered the throughput sorts after every other (sums stay finite). */
const LOST_CHARGE = 1e6;

/** A payer's raise charge (raiseCharge; 0 when not evaluated). */
function chargeOf(inp: TradeInputs, c: BitChange): number {
  const charge = inp.raiseCharge?.(c.layer, c.weights);
  return charge === undefined ? 0 : Math.min(charge, LOST_CHARGE);
}

/**
 * A payer's cost: the cores it needs in addition at the target, by compute (after the step down `from`). A payer
 * that needs none by compute but whose raise alone lowered the plan's throughput in the full model cannot pay
 * (Infinity): what it costs is a floor (its tensor's traffic, eDRAM, the placement), which no core buys back
 * (MobileNetV2 seed 1: the compute-free payers kept were such raises, the one that improves was ranked 201st).
 * A payer that needs cores keeps its cost: the raise alone, at the plan's cores, may well lower the throughput.
 */
function payerCost(inp: TradeInputs, c: BitChange, from: Pick<TradeInputs, 'wbits' | 'abits'>): number {
  const cores = layerDelta(inp, [c], inp.coresAt, from, true);
  return cores <= 0 && inp.raiseCharge?.(c.layer, c.weights) === Infinity ? Infinity : cores;
}

/** Steps down of a layer: weights, activations, and (in a coupled group) every free reader at the tensor's bits. */
function downsOf(inp: TradeInputs, layer: number): BitChange[][] {
  const out: BitChange[][] = [[{ layer, weights: true, delta: -1 }], [{ layer, weights: false, delta: -1 }]];
  const g = inp.groups[layer] ?? layer;
  const members = inp.groups.map((h, l) => (h === g && !inp.fixed.has(l) ? l : -1)).filter((l) => l >= 0);
  if (members.length > 1) {
    // The tensor is stored at its readers' largest abits (rule 2): only stepping all of those down lowers it.
    const top = Math.max(...members.map((l) => bitsAt(inp.abits, l)));
    const atTop = members.filter((l) => bitsAt(inp.abits, l) === top);
    // Once per tensor: from its first reader at the top.
    if (atTop[0] === layer && atTop.length > 1) out.push(atTop.map((l) => ({ layer: l, weights: false, delta: -1 })));
  }
  return out;
}

/**
 * The trades to try on a plan, best first. Steps down: every free layer's weights or activations, and every free
 * reader at a coupled tensor's bits, that overdraws the accuracy budget (one that does not is a single move,
 * polish's own). Each is paid by its `setsPerDown` cheapest payer sets. A payer is +1 bit (weights or activations)
 * at a free layer the step down does not lower; its cost is the extra cores it needs at the target (payerCost),
 * ranked per accuracy point (ties: the smaller raise charge, the least pressured layer, then the larger gain); a
 * set is one payer, or two of the `payers` cheapest when neither alone covers the shortfall, costing what its
 * layers' cores grow by (ties: one payer first, the smaller summed charge, the larger gain). Trades are
 * ranked by the cores they are predicted to free at the target (the step down's saving less the set's cost: the
 * bounding layers, which do not reach the target, and the layers whose replicas cost most, come first); ties: the
 * more pressured step down, then the order generated. The `trades` best are returned.
 */
export function tradeMoves(inp: TradeInputs, limits: TradeLimits = DEFAULT_TRADE_LIMITS): Trade[] {
  const n = inp.wbits.length;
  const free = [...Array(n).keys()].filter((l) => !inp.fixed.has(l));
  const ranked: Array<{ trade: Trade; net: number; pressure: number; at: number }> = [];
  for (const l of free) {
    for (const down of downsOf(inp, l)) {
      const after = applied(inp, down);
      if (after === undefined) continue;
      const shortfall = inp.dropPct + layerDelta(inp, down, inp.layerDrop) - inp.budgetPct;
      if (!(shortfall > SLACK_PCT)) continue;
      const freed = -layerDelta(inp, down, inp.coresAt);
      const lowered = new Set(down.map(changeKey));
      const payers = free
        .flatMap((p) => [true, false].map((weights) => ({ layer: p, weights, delta: 1 })))
        .filter((c) => !lowered.has(changeKey(c)))
        .map((c) => ({ c, gain: -layerDelta(inp, [c], inp.layerDrop, after), cost: payerCost(inp, c, after), charge: chargeOf(inp, c) }))
        .filter((p) => p.gain > 0 && Number.isFinite(p.cost))
        .sort(
          (x, y) =>
            x.cost / x.gain - y.cost / y.gain ||
            x.charge - y.charge ||
            (inp.pressureCycles[x.c.layer] ?? 0) - (inp.pressureCycles[y.c.layer] ?? 0) ||
            y.gain - x.gain ||
            x.c.layer - y.c.layer,
        );
      const sets: Array<{ payers: BitChange[]; cost: number; charge: number; gain: number; at: number }> = [];
      const offered = new Set<string>();
      const offer = (set: BitChange[]): void => {
        const key = set.map(changeKey).sort().join(' ');
        if (offered.has(key)) return;
        offered.add(key);
        const gain = -layerDelta(inp, set, inp.layerDrop, after);
        const charge = set.reduce((sum, c) => sum + chargeOf(inp, c), 0);
        if (gain >= shortfall - SLACK_PCT) sets.push({ payers: set, cost: layerDelta(inp, set, inp.coresAt, after, true), charge, gain, at: sets.length });
      };
      // One payer that covers the shortfall alone; or one of the `payers` cheapest per point, completed by another.
      for (const p of payers) if (p.gain >= shortfall - SLACK_PCT) offer([p.c]);
      for (const p of payers.slice(0, limits.payers)) {
        if (p.gain >= shortfall - SLACK_PCT) continue;
        for (const q of payers) if (q !== p && q.gain < shortfall - SLACK_PCT) offer([p.c, q.c]);
      }
      // At equal cores: one payer before two (a second bit only where one cannot pay), then what the full model
      // charged for the payers' raises, then the larger gain.
      sets.sort((x, y) => x.cost - y.cost || x.payers.length - y.payers.length || x.charge - y.charge || y.gain - x.gain || x.at - y.at);
      const pressure = Math.max(...down.map((c) => inp.pressureCycles[c.layer] ?? 0));
      for (const s of sets.slice(0, limits.setsPerDown)) ranked.push({ trade: { down, payers: s.payers }, net: freed - s.cost, pressure, at: ranked.length });
    }
  }
  // NaN (a step down freeing Infinity and a set costing Infinity) cannot happen: sets have finite costs.
  ranked.sort((x, y) => y.net - x.net || y.pressure - x.pressure || x.at - y.at);
  return ranked.slice(0, limits.trades).map((r) => r.trade);
}
