import { bitsAt } from '../../arch/plan';
import { MappingError } from '../../errors';
import type { ModelContext } from '../model/types';
import { cachedMapping } from '../model/context';
import type { AccuracyOracle } from '../accuracy/types';
import type { ObjectiveSpec } from '../replication/objective';
import { fullModelCost, replicateForPrecisions } from '../replication/replicate';
import { globalFloorCycles, layerFloorCycles, layerTable, stageCycles } from '../replication/tables';
import { layerCandidates, nextStageBelow, type Candidate } from '../replication/candidates';
import { deficitCores, type DeficitFloors, type DeficitPlan } from './deficit';
import { effectiveProductBits, noProductBits, productCount, separableTerms } from './product-bits';
import { MAX_SEARCH_BITS, pressureCost, repairBits, workShareCost, type ReadTensor, type RepairCost } from './repair';
import { STAGE, STAGE_WIDTH, stageCount, termOf, type StageTable } from '../model/stage-table';

export { MIN_SEARCH_BITS, MAX_SEARCH_BITS } from './repair';

/** One evaluated precision assignment (with its best replication). */
export interface EvaluatedCandidate {
  wbits: number[];
  abits: number[];
  /** Own bits of the products of two activations (flow.products order; 0 = default); absent: all default. */
  productBits?: number[];
  replicas: number[];
  bottleneckCycles: number;
  /** NaN when evaluated without it (CandidateEvaluator.setLatencyNeeded). */
  latencyCycles: number;
  throughputImagesPerS: number;
  tilesUsed: number;
  coresUsed: number;
  areaMm2: number;
  accuracyPct: number;
  dropPct: number;
  /** Objective cost by the full model, relative to the baseline (lower is better). */
  cost: number;
  /** Within the accuracy budget and the core budget. */
  feasible: boolean;
  /** -log(cost) when feasible; a penalty below any feasible reward otherwise. */
  reward: number;
  /**
   * The objective cost with the bottleneck (the largest stage time) replaced by the p-norm of all stage times
   * (p = SMOOTH_POWER): it falls whenever any near-bottleneck stage gets faster, where the true cost stays flat
   * until every one of them does (the search's reward shaping reads it).
   */
  smoothCost: number;
  /**
   * Per weighted layer, the largest stage time among the layer itself and the non-weighted layers it feeds
   * (before the next weighted layer): how close the layer is to bounding the throughput (polish.ts orders its
   * moves by it).
   */
  pressureCycles: number[];
  /**
   * The replication tables' floors at this plan's placement (replication/tables.ts layerFloorCycles, per weighted
   * position, and globalFloorCycles): what the exact replication's next pass would solve on. Absent when the plan
   * could not be placed.
   */
  floorCycles?: number[];
  globalFloorCycles?: number;
}

export interface EvaluatorSettings {
  budgetCores: number;
  spec: ObjectiveSpec;
  refLatencyCycles: number;
  accuracyBudgetPct: number;
  /** Replicate (LRMP) or keep r = 1 (mixed precision only). @default true */
  replicate?: boolean;
  /**
   * The repair's cost exponent (search settings' `repairCost`, repair.ts): each +1 bit scored by accuracy gain /
   * (extra crossbar-cycles share)^repairCost. @default 0 (gain alone, HAQ)
   */
  repairCost?: number;
  /**
   * The repair's cost is the stage time a bit adds against the best plan evaluated so far (its layers' pressure,
   * tensor traffic included; repair.ts pressureCost) instead of the extra work's share (search settings'
   * `repairPressure`). @default false
   */
  repairPressure?: boolean;
}

/** Power of the stage-time norm in EvaluatedCandidate.smoothCost: stages at half the bottleneck weigh 2^-8. */
export const SMOOTH_POWER = 8;

/** (sum of (stage / bottleneck)^p)^(1/p) x bottleneck over the stage times: at least the bottleneck. */
function stageNorm(stages: StageTable, bottleneckCycles: number): number {
  if (!(bottleneckCycles > 0)) return bottleneckCycles;
  let sum = 0;
  let top = 0;
  for (let o = STAGE; o < stages.length; o += STAGE_WIDTH) {
    const stage = stages[o] as number;
    top = Math.max(top, stage);
    if (stage > 0) sum += (stage / bottleneckCycles) ** SMOOTH_POWER;
  }
  // A bottleneck above every stage (a global floor) counts once itself.
  if (top < bottleneckCycles) sum += 1;
  return bottleneckCycles * sum ** (1 / SMOOTH_POWER);
}

/**
 * For each layer of the network, the weighted layers (positions) whose output reaches it through non-weighted
 * layers only (a weighted layer: itself).
 */
function weightedSources(ctx: ModelContext): number[][] {
  const posOf = new Map<number, number>(ctx.net.weightedIndices.map((li, pos) => [li, pos]));
  const sources: number[][] = [];
  ctx.net.layers.forEach((l, i) => {
    const own = posOf.get(i);
    if (own !== undefined) sources[i] = [own];
    else sources[i] = [...new Set(l.inputIndices.flatMap((j) => (j >= 0 ? (sources[j] ?? []) : [])))];
  });
  return sources;
}

export function precisionKey(wbits: readonly number[], abits: readonly number[], productBits?: readonly number[]): string {
  const own = noProductBits(productBits) ? '' : `|${(productBits ?? []).join(',')}`;
  return `${wbits.join(',')}|${abits.join(',')}${own}`;
}

/** A candidate's key (its products' own bits included). */
export function candidateKey(c: EvaluatedCandidate): string {
  return precisionKey(c.wbits, c.abits, c.productBits);
}

/**
 * Scores precision assignments: accuracy from the oracle, replication from the exact fast path, figures from
 * the full analytical model. Memoised per assignment, since searches revisit them.
 */
export class CandidateEvaluator {
  private readonly cache = new Map<string, EvaluatedCandidate>();
  private reference: number | undefined;
  private readonly sources: number[][];
  private costTerms: RepairCost | undefined;
  /** The lowest-cost feasible candidate evaluated so far (the pressure cost's reference plan). */
  private bestFeasible: EvaluatedCandidate | undefined;
  /** Per weighted position and bits (w * 64 + a), the useful replica counts by compute alone (coresAt). */
  private readonly replicaSteps: Array<Map<number, Candidate[]>> = [];
  evaluations = 0;
  private latencyNeeded = true;

  constructor(
    private readonly ctx: ModelContext,
    readonly oracle: AccuracyOracle,
    readonly settings: EvaluatorSettings,
  ) {
    this.sources = weightedSources(ctx);
  }

  /**
   * Whether the candidates evaluated from now on need their latency. false: under the throughput objective (which
   * ranks plans by their interval alone) their latencyCycles stay NaN and the latency recurrence is never run, for a
   * caller that reads no candidate's latency (optimize's polish: a quarter of its time); other objectives rank by the
   * latency, so they always have it. A cached candidate without its latency is evaluated again once it is needed.
   */
  setLatencyNeeded(needed: boolean): void {
    this.latencyNeeded = needed;
  }

  /** Share of the core budget one replica of weighted layer `pos` takes at these bits (the search's state). */
  coreShare(pos: number, wbits: number, abits: number): number {
    const crossbars = cachedMapping(this.ctx, pos, wbits, abits).crossbarsPerReplica;
    return crossbars / Math.max(1, this.settings.budgetCores * this.ctx.arch.core.crossbars);
  }

  /**
   * Per weighted position, the smallest position whose activation bits are coupled with it: readers of one stored
   * tensor (directly, or through digital, fused and free layers: a ResNet block's first conv and the conv hosting
   * its fused residual add) share its stored bits, the largest of their abits (docs/hardware-model.md rule 2), so
   * the tensor's traffic falls only when all of them fall together.
   */
  activationGroups(): number[] {
    const n = this.ctx.net.weightedIndices.length;
    const parent = [...Array(n).keys()];
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x] as number] as number;
      return x;
    };
    for (const readers of this.ctx.flow.weightedReaders) {
      const first = readers?.[0];
      if (first === undefined) continue;
      for (const r of readers) {
        const a = find(first);
        const b = find(r);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    return [...Array(n).keys()].map(find);
  }

  /** The network layers of the products of two activations (flow.products: the order of productBits). */
  productLayers(): readonly number[] {
    return this.ctx.flow.products;
  }

  /** Each product's bits in effect for a candidate (its own, or its default: the output projection's abits). */
  productBitsInEffect(c: Pick<EvaluatedCandidate, 'abits' | 'productBits'>): number[] {
    return effectiveProductBits(this.ctx, c.abits, c.productBits ?? []);
  }

  async referenceAccuracyPct(): Promise<number> {
    this.reference ??= await this.oracle.referenceAccuracyPct();
    return this.reference;
  }

  /**
   * Work of weighted layer `pos` at (w, a): crossbar-cycles per image (crossbars per replica x MVM cycles x output
   * pixels), what its replicas' cores must supply per image; the cost-aware repair's measure (repair.ts).
   */
  work(pos: number, wbits: number, abits: number): number {
    const m = cachedMapping(this.ctx, pos, wbits, abits);
    return m.crossbarsPerReplica * m.mvmCycles * m.outputPixels;
  }

  /** Layer `pos`'s useful replica counts at (w, a), by compute alone (replication's table without floors). */
  private stepsOf(pos: number, wbits: number, abits: number): Candidate[] {
    const byBits = (this.replicaSteps[pos] ??= new Map<number, Candidate[]>());
    const key = wbits * 64 + abits;
    let steps = byBits.get(key);
    if (steps === undefined) {
      steps = layerCandidates(layerTable(this.ctx, pos, wbits, abits), this.settings.budgetCores, this.ctx.arch.core.crossbars);
      byBits.set(key, steps);
    }
    return steps;
  }

  /**
   * Cores weighted layer `pos` needs at (w, a) for its compute to take at most `stageCycles` per image (the fewest
   * cores among its replica counts that reach it; Infinity when none does within the budget). Compute alone: the
   * NoC, eDRAM and digital floors depend on a placement (polish's trade moves rank their candidates by it; each
   * candidate is then scored by the full model).
   */
  coresAt(pos: number, wbits: number, abits: number, stageCycles: number): number {
    for (const c of this.stepsOf(pos, wbits, abits)) if (c.stageCycles <= stageCycles) return c.cores;
    return Infinity;
  }

  /**
   * The interval a plan at these bits reaches by compute alone within the core budget: the smallest stage time T at
   * which the cores every layer needs for its compute to take at most T (coresAt) fit the budget. On a plateau of
   * equal cost (ResNet-18's 9386.9 img/s: 26-28 one-bit moves toward the 11022.9 plan leave the cost unchanged,
   * docs/validation.md) it still moves, so the search can rank plans the full model ties. Layer tables only (the
   * evaluator's memo of replica levels): no model evaluation.
   */
  computeReachCycles(wbits: readonly number[], abits: readonly number[]): number {
    const n = wbits.length;
    const steps = [...Array(n).keys()].map((pos) => this.stepsOf(pos, bitsAt(wbits, pos), bitsAt(abits, pos)));
    // Cores at T: per layer the first level (fewest cores) at or below T; levels have strictly decreasing stage times.
    const coresAt = (cycles: number): number => {
      let sum = 0;
      for (const s of steps) {
        let lo = 0;
        let hi = s.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((s[mid]?.stageCycles ?? 0) <= cycles) hi = mid;
          else lo = mid + 1;
        }
        const c = s[lo];
        if (c === undefined) return Infinity;
        sum += c.cores;
      }
      return sum;
    };
    let hi = 0;
    let lo = 0;
    for (const s of steps) {
      hi = Math.max(hi, s[0]?.stageCycles ?? 0);
      lo = Math.max(lo, s[s.length - 1]?.stageCycles ?? 0);
    }
    const budget = this.settings.budgetCores;
    if (coresAt(hi) > budget) return hi;
    if (coresAt(lo) <= budget) return lo;
    // Bisection between an infeasible lo and a feasible hi, then the largest level the feasible hi's choices take.
    for (let k = 0; k < 48 && hi - lo > hi * 1e-9; k++) {
      const mid = (lo + hi) / 2;
      if (coresAt(mid) <= budget) hi = mid;
      else lo = mid;
    }
    let reach = 0;
    for (const s of steps) {
      const c = s.find((x) => x.stageCycles <= hi);
      reach = Math.max(reach, c?.stageCycles ?? hi);
    }
    return reach;
  }

  /**
   * The next compute stage time below `cycles` that a plan at these bits could reach: the largest stage time of any
   * layer's replica counts below it (undefined: none). A better plan must bring every layer to it or below.
   */
  nextStageBelow(wbits: readonly number[], abits: readonly number[], cycles: number): number | undefined {
    return nextStageBelow(
      wbits.map((_, pos) => this.stepsOf(pos, bitsAt(wbits, pos), bitsAt(abits, pos))),
      cycles,
    );
  }

  /** Weighted layer `pos`'s compute stage time at (w, a) and r replicas (the replication table's, no floors). */
  computeCycles(pos: number, wbits: number, abits: number, replicas: number): number {
    return stageCycles(layerTable(this.ctx, pos, wbits, abits), replicas);
  }

  /** The core budget's shortfall for a plan to reach `targetCycles` (search/deficit.ts deficitCores). */
  deficitCores(c: DeficitPlan, targetCycles: number, floors: DeficitFloors = 'fixed'): number {
    return deficitCores(this, c, targetCycles, floors);
  }

  /** The repair's cost terms (undefined at repairCost 0: gain alone). */
  repairCost(): RepairCost | undefined {
    const costPower = this.settings.repairCost ?? 0;
    if (costPower === 0) return undefined;
    if (this.costTerms === undefined) {
      const n = this.ctx.net.weightedIndices.length;
      const holders = this.oracle.productDefaultLayer ?? [];
      const work = (pos: number, w: number, a: number): number => this.work(pos, w, a);
      const holder = (j: number): number => holders[j] ?? n - 1;
      if (this.settings.repairPressure === true) {
        // Before any feasible plan every layer counts as binding.
        const pressure = (pos: number): number => {
          const best = this.bestFeasible;
          return best !== undefined && best.bottleneckCycles > 0 ? (best.pressureCycles[pos] ?? 0) / best.bottleneckCycles : 1;
        };
        this.costTerms = pressureCost(costPower, work, pressure, this.readTensors(), holder);
      } else {
        let totalWork = 0;
        for (let i = 0; i < n; i++) totalWork += this.work(i, MAX_SEARCH_BITS, MAX_SEARCH_BITS);
        this.costTerms = workShareCost(costPower, work, totalWork, holder);
      }
    }
    return this.costTerms;
  }

  /** Per weighted position, the stored tensors it reads (rule 2): their other readers and their producers' weighted sources. */
  private readTensors(): ReadTensor[][] {
    const n = this.ctx.net.weightedIndices.length;
    const reads: ReadTensor[][] = Array.from({ length: n }, () => []);
    this.ctx.flow.weightedReaders.forEach((readers, slot) => {
      const producers = slot > 0 ? (this.sources[slot - 1] ?? []) : [];
      for (const r of readers) if (r < n) reads[r]?.push({ others: readers.filter((o) => o !== r && o < n), producers });
    });
    return reads;
  }

  /**
   * For a separable oracle, raises bits until the drop is within budget (HAQ enforces its resource constraint
   * by stepping bits until it holds; our constraint is accuracy, so bits go up): each step takes the +1 bit
   * (weights or activations of some layer, or a product's own bits) that removes the most drop, or with
   * repairCost > 0 the most drop per extra work (repair.ts). Non-separable oracles: unchanged.
   */
  repair(wbits: number[], abits: number[], productBits: number[] = []): void {
    const terms = separableTerms(this.oracle, productBits);
    if (terms === undefined) return;
    repairBits(terms, wbits, abits, productBits, this.settings.accuracyBudgetPct, this.repairCost());
  }

  /** The bits evaluate() would score (repaired copies) and their cache key. */
  private prepared(wbitsIn: readonly number[], abitsIn: readonly number[], productBitsIn?: readonly number[]): { wbits: number[]; abits: number[]; own: number[] | undefined; key: string } {
    const wbits = [...wbitsIn];
    const abits = [...abitsIn];
    const own = noProductBits(productBitsIn) ? undefined : Array.from({ length: productCount(this.ctx) }, (_, j) => productBitsIn?.[j] ?? 0);
    this.repair(wbits, abits, own);
    return { wbits, abits, own, key: precisionKey(wbits, abits, own) };
  }

  /**
   * The candidate evaluate() would return for these bits when it has already scored them (memoised), else undefined:
   * no evaluation, so free of the budget the searches are compared on (polish's trade moves read their payers'
   * single raises, evaluated by the pass before).
   */
  peek(wbitsIn: readonly number[], abitsIn: readonly number[], productBitsIn?: readonly number[]): EvaluatedCandidate | undefined {
    return this.cache.get(this.prepared(wbitsIn, abitsIn, productBitsIn).key);
  }

  /** `productBitsIn`: the products' own bits (flow.products order, 0 = default); omitted: all default. */
  async evaluate(wbitsIn: readonly number[], abitsIn: readonly number[], productBitsIn?: readonly number[]): Promise<EvaluatedCandidate> {
    const { wbits, abits, own, key } = this.prepared(wbitsIn, abitsIn, productBitsIn);
    const hit = this.cache.get(key);
    if (hit !== undefined && !(this.latencyNeeded && Number.isNaN(hit.latencyCycles))) return hit;
    this.evaluations++;
    const reference = await this.referenceAccuracyPct();
    const accuracyPct = await this.oracle.accuracyPct(own ? { wbits, abits, productBits: own } : { wbits, abits });
    const dropPct = reference - accuracyPct;
    const n = wbits.length;
    const { spec } = this.settings;
    let result: EvaluatedCandidate;
    try {
      const plan =
        this.settings.replicate === false
          ? replicateForPrecisions(this.ctx, { wbits, abits, productBits: own }, this.settings.budgetCores, spec, { refLatencyCycles: this.settings.refLatencyCycles, refinements: 0, onlyUnitReplication: true, latency: this.latencyNeeded })
          : replicateForPrecisions(this.ctx, { wbits, abits, productBits: own }, this.settings.budgetCores, spec, { refLatencyCycles: this.settings.refLatencyCycles, latency: this.latencyNeeded });
      const m = plan.model;
      const feasible = dropPct <= this.settings.accuracyBudgetPct + 1e-9;
      const pressureCycles = new Array<number>(n).fill(0);
      for (let i = 0; i < stageCount(m.stageTable); i++) {
        const stageCycles = termOf(m.stageTable, i, STAGE);
        for (const pos of this.sources[i] ?? []) pressureCycles[pos] = Math.max(pressureCycles[pos] ?? 0, stageCycles);
      }
      result = {
        wbits,
        abits,
        ...(own ? { productBits: own } : {}),
        replicas: [...plan.choices.replicas],
        bottleneckCycles: m.bottleneckCycles,
        latencyCycles: m.latencyCycles,
        throughputImagesPerS: m.throughputImagesPerS,
        tilesUsed: m.tilesUsed,
        coresUsed: m.coresUsed,
        areaMm2: m.areaMm2,
        accuracyPct,
        dropPct,
        cost: plan.cost,
        smoothCost: fullModelCost(spec, stageNorm(m.stageTable, m.bottleneckCycles), m.latencyCycles, this.settings.refLatencyCycles),
        feasible,
        pressureCycles,
        floorCycles: this.ctx.net.weightedIndices.map((li) => layerFloorCycles(m, li)),
        globalFloorCycles: globalFloorCycles(this.ctx, m),
        reward: feasible ? -Math.log(plan.cost) : -1 - (dropPct - this.settings.accuracyBudgetPct),
      };
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      const ones = new Array<number>(n).fill(1);
      result = {
        wbits, abits, ...(own ? { productBits: own } : {}), replicas: ones, bottleneckCycles: 0, latencyCycles: 0, throughputImagesPerS: 0, tilesUsed: 0, coresUsed: 0,
        areaMm2: 0, accuracyPct, dropPct, cost: Number.MAX_VALUE, smoothCost: Number.MAX_VALUE, feasible: false, reward: -2, pressureCycles: new Array<number>(n).fill(0),
      };
    }
    this.cache.set(key, result);
    if (result.feasible && result.cost < (this.bestFeasible?.cost ?? Infinity)) this.bestFeasible = result;
    return result;
  }
}
