import { bitsAt } from '../../arch/plan';
import { MAX_SEARCH_BITS, MIN_SEARCH_BITS, type CandidateEvaluator, type EvaluatedCandidate } from './evaluator';
import { separableTerms } from './product-bits';
import { tradeMoves, type Trade, type TradeLimits } from './trade';

/**
 * What polish asks of an evaluator (CandidateEvaluator; a hand-made one in the tests). Without `peek` the trades
 * rank their payers by compute alone.
 */
export type PolishEvaluator = Pick<
  CandidateEvaluator,
  'evaluate' | 'evaluations' | 'oracle' | 'settings' | 'activationGroups' | 'productLayers' | 'productBitsInEffect' | 'coresAt' | 'nextStageBelow'
> &
  Partial<Pick<CandidateEvaluator, 'peek'>>;

/**
 * One bit change: layer, weights or activations, +1 or -1; or, with `product`, that product of two activations'
 * own bits (from the bits in effect: its default is its output projection's abits; `layer` is that projection).
 */
interface Move {
  layer: number;
  weights: boolean;
  delta: number;
  product?: number;
  /** Further layers whose activation bits change by the same delta (a coupled group's other members). */
  also?: readonly number[];
}

/** A product of two activations as polish moves it: its index (flow.products order) and its projection's position. */
export interface PolishProduct {
  product: number;
  holder: number;
}

export interface PolishSettings {
  /** Weighted layers whose bits stay as they are (the search's fixed layers). */
  fixedLayers: readonly number[];
  /** Stop after this many new (uncached) evaluations. @default Infinity */
  maxEvaluations?: number;
  /** Also try pairs of moves (one layer down, another up), for the long reference search. @default false */
  pairs?: boolean;
  /**
   * When no single move improves, try trade moves (trade.ts: a step down at a bounding layer paid by +1 bit at
   * the one or two cheapest layers per accuracy point; separable oracles only), before any pair. @default true
   */
  trades?: boolean;
  /** How many trades a pass tries (trade.ts). @default DEFAULT_TRADE_LIMITS */
  tradeLimits?: TradeLimits;
  /**
   * Also move the own bits of the products of two activations (attention's Q.K^T and A.V), each ordered with its
   * output projection. @default true
   */
  products?: boolean;
}

export interface PolishResult {
  best: EvaluatedCandidate;
  /** Improving moves taken (trades included). */
  steps: number;
  /** Improving trade moves taken. */
  tradeSteps: number;
  /** Full passes over the moves. */
  passes: number;
  evaluations: number;
}

function apply(wbits: number[], abits: number[], productBits: number[], inEffect: readonly number[], m: Move): boolean {
  if (m.product !== undefined) {
    const next = (inEffect[m.product] ?? 8) + m.delta;
    if (next < MIN_SEARCH_BITS || next > MAX_SEARCH_BITS) return false;
    productBits[m.product] = next;
    return true;
  }
  const bits = m.weights ? wbits : abits;
  for (const layer of [m.layer, ...(m.also ?? [])]) {
    const next = bitsAt(bits, layer) + m.delta;
    if (next < MIN_SEARCH_BITS || next > MAX_SEARCH_BITS) return false;
    bits[layer] = next;
  }
  return true;
}

/**
 * One activation move per coupled group of two or more free layers (CandidateEvaluator.activationGroups): all
 * members' abits down (or up) together, the only single move that changes the bits of the tensor they share.
 */
function groupMoves(groups: readonly number[], fixed: ReadonlySet<number>, delta: number): Move[] {
  const byGroup = new Map<number, number[]>();
  groups.forEach((g, layer) => {
    if (!fixed.has(layer)) byGroup.set(g, [...(byGroup.get(g) ?? []), layer]);
  });
  return [...byGroup.values()].filter((m) => m.length > 1).map(([layer, ...also]) => ({ layer: layer as number, weights: false, delta, also }));
}

/**
 * The moves of the pair phase, ordered by the plan's bottleneck: every step down first, the layers nearest
 * to bounding the throughput first (EvaluatedCandidate.pressureCycles; a step down there shortens the bound or
 * frees cores for its replicas), then every step up, the layers farthest from the bound first (an up move pays
 * accuracy for a down move elsewhere, best where it costs no throughput). Ties: layer order.
 */
export function orderedMoves(plan: EvaluatedCandidate, fixed: ReadonlySet<number>, products: readonly PolishProduct[] = []): Move[] {
  const n = plan.wbits.length;
  const layers = [...Array(n).keys()].filter((l) => !fixed.has(l));
  layers.sort((x, y) => (plan.pressureCycles[y] ?? 0) - (plan.pressureCycles[x] ?? 0) || x - y);
  // A layer's moves, then those of the products its abits would set (they load the same stages' rows).
  const movesOf = (layer: number, delta: number): Move[] => [
    ...[true, false].map((weights) => ({ layer, weights, delta })),
    ...products.filter((p) => p.holder === layer).map((p) => ({ layer, weights: false, delta, product: p.product })),
  ];
  const moves: Move[] = [];
  for (const layer of layers) moves.push(...movesOf(layer, -1));
  for (const layer of [...layers].reverse()) moves.push(...movesOf(layer, 1));
  return moves;
}

/**
 * First-improvement local search on the bits: change one layer's weight or activation bits by one (with the
 * evaluator's accuracy repair, so a step down may be paid for elsewhere), or with `pairs` one layer down and
 * another up, each candidate scored with its exact replication by the full model; a change is kept when the
 * plan is feasible and cheaper. Singles go in layer order. When no single improves, trade moves (trade.ts: a step
 * down that overdraws the accuracy budget, paid by +1 bit at the one or two layers cheapest in cores per accuracy
 * point, a raise the singles pass found to lower the throughput at no core excluded; at most
 * DEFAULT_TRADE_LIMITS.trades a phase, repeated from each plan a trade finds), the plateaus the repair's own choice
 * of payer cannot leave (session 48: ResNet-50 seed 2's 6024.1 img/s -> 6361.3 at the first trade tried). Then pairs (when no trade improves either), in the order of the current plan's bottleneck (orderedMoves: a full pair scan is ~10^4 evaluations on ResNet-50, so the budget
 * decides which pairs are ever tried). Singles ordered by the bottleneck too were measured worse (ResNet-50 seed 1
 * RL plan, 600 evaluations: 5517 img/s against 5894 in layer order; the throughput moves with placement, and in
 * layer order a step up of layer 8's weights came first). Stops at a local optimum (a full pass without
 * improvement) or at the evaluation budget. Deterministic.
 */
export async function polish(evaluator: PolishEvaluator, start: EvaluatedCandidate, settings: PolishSettings): Promise<PolishResult> {
  const fixed = new Set(settings.fixedLayers);
  const n = start.wbits.length;
  const holders = evaluator.oracle.productDefaultLayer ?? [];
  const products: PolishProduct[] =
    settings.products === false ? [] : evaluator.productLayers().map((_, product) => ({ product, holder: holders[product] ?? n - 1 }));
  const singles: Move[] = [];
  for (let layer = 0; layer < n; layer++) {
    if (fixed.has(layer)) continue;
    for (const weights of [true, false]) for (const delta of [-1, 1]) singles.push({ layer, weights, delta });
    for (const p of products) if (p.holder === layer) for (const delta of [-1, 1]) singles.push({ layer, weights: false, delta, product: p.product });
  }
  // Products charged to a fixed layer (or none) still move, after the layers.
  for (const p of products) if (fixed.has(p.holder) || p.holder < 0) for (const delta of [-1, 1]) singles.push({ layer: p.holder, weights: false, delta, product: p.product });
  const groups = evaluator.activationGroups();
  const groupDowns = groupMoves(groups, fixed, -1);
  singles.push(...groupDowns, ...groupMoves(groups, fixed, 1));
  const budget = settings.maxEvaluations ?? Infinity;
  const first = evaluator.evaluations;
  let best = start;
  let steps = 0;
  let tradeSteps = 0;
  let passes = 0;
  // What the full model charged for one +1 bit of a plan alone, when it was scored (memoised: the singles pass
  // before the trades scores every raise of the plan it stops at; a plan a trade found has none scored).
  const raiseCharge = (plan: EvaluatedCandidate, layer: number, weights: boolean): number | undefined => {
    const wbits = [...plan.wbits];
    const abits = [...plan.abits];
    const bits = weights ? wbits : abits;
    if (bitsAt(bits, layer) >= MAX_SEARCH_BITS) return undefined;
    bits[layer] = bitsAt(bits, layer) + 1;
    const c = evaluator.peek?.(wbits, abits, products.length > 0 ? products.map((p) => plan.productBits?.[p.product] ?? 0) : undefined);
    if (c === undefined) return undefined;
    if (!c.feasible || c.cost > plan.cost * (1 + 1e-12)) return Infinity;
    return c.smoothCost / plan.smoothCost - 1;
  };
  // The trades from a plan: its separable drop terms, and the cores each layer needs to reach the next stage time.
  const tradesOf = (plan: EvaluatedCandidate): Trade[] => {
    const terms = separableTerms(evaluator.oracle, plan.productBits ?? []);
    const target = evaluator.nextStageBelow(plan.wbits, plan.abits, plan.bottleneckCycles);
    if (terms === undefined || target === undefined) return [];
    // Per payer once (tradeMoves asks for each step down).
    const charges = new Map<number, number | undefined>();
    return tradeMoves(
      {
        wbits: plan.wbits,
        abits: plan.abits,
        pressureCycles: plan.pressureCycles,
        dropPct: plan.dropPct,
        budgetPct: evaluator.settings.accuracyBudgetPct,
        fixed,
        groups,
        layerDrop: terms.layer,
        coresAt: (layer, w, a) => evaluator.coresAt(layer, w, a, target),
        raiseCharge: (layer, weights) => {
          const key = 2 * layer + (weights ? 1 : 0);
          if (!charges.has(key)) charges.set(key, raiseCharge(plan, layer, weights));
          return charges.get(key);
        },
      },
      settings.tradeLimits,
    );
  };
  const tryBits = async (wbits: number[], abits: number[], productBits: number[]): Promise<boolean> => {
    // A turn of the event loop first: work waiting on another thread goes on between evaluations (optimize's joint
    // MILP rounds, solved by HiGHS's process meanwhile); the evaluations do not depend on it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const c = await evaluator.evaluate(wbits, abits, products.length > 0 ? productBits : undefined);
    if (c.feasible && c.cost < best.cost * (1 - 1e-12)) {
      best = c;
      steps++;
      return true;
    }
    return false;
  };
  const spent = (): boolean => evaluator.evaluations - first >= budget;
  // A plan's bits to move; a product's own bits start from those in effect (its default until a move sets them).
  const copyOf = (c: EvaluatedCandidate) => ({
    wbits: [...c.wbits],
    abits: [...c.abits],
    productBits: products.map((p) => c.productBits?.[p.product] ?? 0),
    inEffect: products.length > 0 ? evaluator.productBitsInEffect(c) : [],
  });
  let improved = true;
  while (improved && !spent()) {
    improved = false;
    passes++;
    for (const m of singles) {
      if (spent()) break;
      const { wbits, abits, productBits, inEffect } = copyOf(best);
      if (apply(wbits, abits, productBits, inEffect, m) && (await tryBits(wbits, abits, productBits))) improved = true;
    }
    if (improved) continue;
    // Trades, first improvement, from each new plan again until none improves (cheaper than a singles pass).
    let traded = settings.trades !== false;
    while (traded && !spent()) {
      traded = false;
      for (const t of tradesOf(best)) {
        if (spent()) break;
        const { wbits, abits, productBits, inEffect } = copyOf(best);
        if ([...t.down, ...t.payers].every((c) => apply(wbits, abits, productBits, inEffect, c)) && (await tryBits(wbits, abits, productBits))) {
          improved = traded = true;
          tradeSteps++;
          break;
        }
      }
    }
    if (improved) continue;
    if (settings.pairs !== true || spent()) continue;
    const moves = orderedMoves(best, fixed, products.filter((p) => !fixed.has(p.holder) && p.holder >= 0));
    // A coupled group's step down first: with a step up elsewhere paying its accuracy, it is the pair that can leave
    // a plateau set by the group's shared tensor.
    const downs = [...groupDowns, ...moves.filter((m) => m.delta < 0)];
    const ups = moves.filter((m) => m.delta > 0);
    pairs: for (const down of downs) {
      for (const up of ups) {
        if (up.layer === down.layer && up.weights === down.weights && up.product === down.product) continue;
        if (down.also?.includes(up.layer) === true && !up.weights && up.product === undefined) continue;
        if (spent()) break pairs;
        const { wbits, abits, productBits, inEffect } = copyOf(best);
        if (apply(wbits, abits, productBits, inEffect, down) && apply(wbits, abits, productBits, inEffect, up) && (await tryBits(wbits, abits, productBits))) {
          improved = true;
          break pairs;
        }
      }
    }
  }
  return { best, steps, tradeSteps, passes, evaluations: evaluator.evaluations - first };
}
