import { BASELINE_BITS, baselineChoices } from '../../arch/plan';
import { evaluateModel } from '../model/evaluate';
import type { ModelContext, ModelResult } from '../model/types';
import type { AccuracyOracle } from '../accuracy/types';
import type { MilpBackend, MilpProblem } from '../milp/problem';
import { integralityGap } from '../milp/problem';
import { layerCandidates } from '../replication/candidates';
import { objectiveCoefficients, type ObjectiveSpec } from '../replication/objective';
import { buildTables, coresFor, layerTable, stageCycles, type ReplicationTables } from '../replication/tables';
import { MAX_SEARCH_BITS, MIN_SEARCH_BITS } from '../search/evaluator';
import { ExternalToolError } from '../../errors';

/** One (weight bits, activation bits, replicas) option of a layer with what it costs. */
export interface JointOption {
  wbits: number;
  abits: number;
  replicas: number;
  cores: number;
  stageCycles: number;
  dropPct: number;
}

/**
 * Keeps the options no other option beats in cores, stage time and accuracy drop at once (Pareto front in 3-D):
 * a dominated option can be swapped for its dominator in any solution without loss, so the MILP optimum is
 * unchanged. Exact duplicates keep the first (highest bits first, so ties go to the more accurate choice).
 */
export function paretoOptions(options: JointOption[]): JointOption[] {
  const sorted = [...options].sort((a, b) => a.cores - b.cores || a.stageCycles - b.stageCycles || a.dropPct - b.dropPct);
  const kept: JointOption[] = [];
  for (const o of sorted) {
    if (kept.some((k) => k.cores <= o.cores && k.stageCycles <= o.stageCycles && k.dropPct <= o.dropPct + 1e-12)) continue;
    kept.push(o);
  }
  return kept;
}

export interface JointSettings {
  budgetCores: number;
  spec: ObjectiveSpec;
  accuracyBudgetPct: number;
  fixedLayers: number[];
  /** r = 1 only: the exact "mixed precision only" optimum. @default false */
  unitReplication?: boolean;
  timeLimitS?: number;
  /**
   * Lower bounds on the non-compute floor of layer i at activation bits a (`floorAtLeast[i][a]`), learned from
   * full-model evaluations of earlier answers, whose placement the uniform-precision floors cannot foresee.
   * @default none
   */
  floorAtLeast?: ReadonlyArray<Readonly<Record<number, number>>>;
}

export interface JointResult {
  wbits: number[];
  abits: number[];
  replicas: number[];
  tableBottleneckCycles: number;
  dropPct: number;
  status: string;
  binaries: number;
  optionsBeforePruning: number;
  wallMs: number;
}

/**
 * Floors per layer and activation precision, from full evaluations at uniform precision b (r = 1): the layer's
 * own non-compute terms, raised to the stage time of the digital layers whose output it reads (their load
 * follows the bits of that tensor, i.e. of its readers). An approximation of the placement-dependent terms;
 * the answer is re-evaluated by the full model.
 */
/**
 * Weighted readers (positions) of each layer's output tensor, looking through non-weighted layers (their
 * outputs' bits follow the weighted layers that finally read them, docs/hardware-model.md rule 2).
 */
export function weightedReaders(net: ModelContext['net']): number[][] {
  const pos = new Map<number, number>();
  net.weightedIndices.forEach((layerIndex, p) => pos.set(layerIndex, p));
  const consumers: number[][] = net.layers.map(() => []);
  for (const r of net.layers) for (const p of r.inputIndices) if (p >= 0) consumers[p]?.push(r.index);
  const readers: number[][] = net.layers.map(() => []);
  for (let k = net.layers.length - 1; k >= 0; k--) {
    const set = new Set<number>();
    for (const c of consumers[k] ?? []) {
      const p = pos.get(c);
      if (p !== undefined) set.add(p);
      else for (const q of readers[c] ?? []) set.add(q);
    }
    readers[k] = [...set];
  }
  return readers;
}

function floorsByBits(ctx: ModelContext, fixed: Set<number>): { floor: Map<number, number[]>; globalFloor: number } {
  const n = ctx.net.weightedIndices.length;
  const floor = new Map<number, number[]>();
  const tensorReaders = weightedReaders(ctx.net);
  let globalFloor = 0;
  for (let b = MIN_SEARCH_BITS; b <= MAX_SEARCH_BITS; b++) {
    const bits = [...Array(n).keys()].map((i) => (fixed.has(i) ? 8 : b));
    const result: ModelResult = evaluateModel(ctx, { wbits: bits, abits: bits, replicas: new Array<number>(n).fill(1) });
    const tables = buildTables(ctx, bits, bits, result);
    const row = tables.layers.map((t) => t.floorCycles);
    for (const l of ctx.layers) {
      // A fixed layer's output-side terms follow the bits its readers choose: charge them to the readers.
      if (l.weightedPos >= 0 && !fixed.has(l.weightedPos)) continue;
      if (l.weightedPos >= 0) {
        const own = tables.layers[l.weightedPos]?.floorCycles ?? 0;
        for (const pos of tensorReaders[l.index] ?? []) if (!fixed.has(pos)) row[pos] = Math.max(row[pos] ?? 0, own);
        continue;
      }
      const stage = result.layers[l.index]?.stageCycles ?? 0;
      const readers = tensorReaders[l.index] ?? [];
      if (readers.length === 0 && b === MAX_SEARCH_BITS) globalFloor = Math.max(globalFloor, stage);
      for (const pos of readers) row[pos] = Math.max(row[pos] ?? 0, stage);
    }
    floor.set(b, row);
  }
  // Fixed layers keep their floor at the lowest bits (their reader-dependent part sits on the readers).
  const lowest = floor.get(MIN_SEARCH_BITS) ?? [];
  for (const b of floor.keys()) {
    const row = floor.get(b) ?? [];
    for (const pos of fixed) row[pos] = lowest[pos] ?? 0;
  }
  return { floor, globalFloor };
}

type LayerTable = ReplicationTables['layers'][number];

/**
 * What the option lists need that depends only on the model context and the fixed layers: the floors at uniform
 * precisions (7 full evaluations), each layer's table at every (weight, activation) bits, and each layer's fewest
 * cores. optimize prepares it once for its several joint solves.
 */
export interface JointPrepared {
  fixedLayers: readonly number[];
  floor: Map<number, number[]>;
  globalFloor: number;
  /** tables[i][(w << 4) | a]: layer i's table with only layer i at (w, a), the others at the baseline. */
  tables: Array<Map<number, LayerTable>>;
  minCores: number[];
  /**
   * Each layer's option list (after pruning) per oracle, by what it depends on beyond the above: the layer's floor at
   * each activation bits, its core cap and r = 1 or not. optimize's floor rounds raise the floors of a few layers only,
   * so later rounds rebuild few lists (ResNet-50: ~80 ms of the main thread per round, on the joint rounds' path).
   * NOTE: the lists are shared between solves, which never write them.
   */
  optionLists: WeakMap<AccuracyOracle, Map<string, { options: JointOption[]; before: number }>>;
}

function bitsOptions(fixed: ReadonlySet<number>, i: number): number[] {
  return fixed.has(i) ? [BASELINE_BITS] : [...Array(MAX_SEARCH_BITS - MIN_SEARCH_BITS + 1).keys()].map((k) => k + MIN_SEARCH_BITS);
}

export function prepareJoint(ctx: ModelContext, fixedLayers: readonly number[]): JointPrepared {
  const n = ctx.net.weightedIndices.length;
  const fixed = new Set(fixedLayers);
  const { floor, globalFloor } = floorsByBits(ctx, fixed);
  // Fewest cores each layer can have (its smallest weight bits, r = 1).
  const minCores = [...Array(n).keys()].map((i) => coresFor(layerTable(ctx, i, Math.min(...bitsOptions(fixed, i)), BASELINE_BITS), 1, ctx.arch.core.crossbars));
  const tables = [...Array(n).keys()].map((i) => {
    const byBits = new Map<number, LayerTable>();
    // A layer's table reads only its own bits (the others at the baseline, as the tables assume).
    for (const w of bitsOptions(fixed, i)) for (const a of bitsOptions(fixed, i)) byBits.set((w << 4) | a, layerTable(ctx, i, w, a));
    return byBits;
  });
  return { fixedLayers: [...fixedLayers], floor, globalFloor, tables, minCores, optionLists: new WeakMap() };
}

/** Builds the per-layer option lists (after dominance pruning). */
export function jointOptions(
  ctx: ModelContext,
  oracle: AccuracyOracle,
  settings: JointSettings,
  prepared: JointPrepared = prepareJoint(ctx, settings.fixedLayers),
): { options: JointOption[][]; before: number; globalFloor: number } {
  const drop = oracle.layerDropPct;
  if (drop === undefined) throw new Error('jointOptions: the accuracy oracle is not separable');
  const n = ctx.net.weightedIndices.length;
  const fixed = new Set(settings.fixedLayers);
  if (prepared.fixedLayers.length !== fixed.size || prepared.fixedLayers.some((i) => !fixed.has(i))) throw new Error('jointOptions: prepared for other fixed layers');
  const { floor, globalFloor, minCores } = prepared;
  const bitsOf = (i: number): number[] => bitsOptions(fixed, i);
  const totalMin = minCores.reduce((a, b) => a + b, 0);
  let before = 0;
  let lists = prepared.optionLists.get(oracle);
  if (lists === undefined) prepared.optionLists.set(oracle, (lists = new Map()));
  const known = lists;
  const options = [...Array(n).keys()].map((i) => {
    const maxCores = settings.budgetCores - (totalMin - (minCores[i] ?? 0));
    const floorAt = (a: number): number => Math.max(floor.get(a)?.[i] ?? 0, settings.floorAtLeast?.[i]?.[a] ?? 0);
    const key = `${i}|${maxCores}|${settings.unitReplication === true}|${bitsOf(i).map(floorAt).join(',')}`;
    const hit = known.get(key);
    if (hit !== undefined) {
      before += hit.before;
      return hit.options;
    }
    const list: JointOption[] = [];
    for (const w of bitsOf(i).reverse()) {
      for (const a of bitsOf(i).reverse()) {
        const cached = prepared.tables[i]?.get((w << 4) | a);
        if (cached === undefined) continue;
        const t = { ...cached, floorCycles: floorAt(a) };
        const cands =
          settings.unitReplication === true
            ? [{ replicas: 1, cores: coresFor(t, 1, ctx.arch.core.crossbars), stageCycles: stageCycles(t, 1) }]
            : layerCandidates(t, maxCores, ctx.arch.core.crossbars);
        for (const c of cands) list.push({ wbits: w, abits: a, replicas: c.replicas, cores: c.cores, stageCycles: c.stageCycles, dropPct: drop(i, w, a) });
      }
    }
    before += list.length;
    const pruned = paretoOptions(list);
    known.set(key, { options: pruned, before: list.length });
    return pruned;
  });
  return { options, before, globalFloor };
}

/** Exact joint optimum (bits and replication) on the tables for a separable oracle, solved by `backend`. */
export async function solveJoint(ctx: ModelContext, oracle: AccuracyOracle, backend: MilpBackend, settings: JointSettings, prepared?: JointPrepared): Promise<JointResult> {
  const { options, before, globalFloor } = jointOptions(ctx, oracle, settings, prepared);
  const { a, b } = objectiveCoefficients(settings.spec);
  const unit = Math.max(1, settings.spec.refBottleneckCycles);
  const problem: MilpProblem = { objective: [['z', a * unit]], constraints: [], binaries: [], integers: [], continuous: ['z'], lowerBounds: { z: globalFloor / unit } };
  const budget: Array<[string, number]> = [];
  const accuracy: Array<[string, number]> = [];
  const base = baselineChoices(options.length);
  const weights = buildTables(ctx, base.wbits, base.abits).layers.map((t) => t.latencyWeight);
  options.forEach((list, l) => {
    const one: Array<[string, number]> = [];
    const time: Array<[string, number]> = [['z', -1]];
    list.forEach((o, j) => {
      const y = `y${l}_${j}`;
      problem.binaries.push(y);
      one.push([y, 1]);
      time.push([y, o.stageCycles / unit]);
      budget.push([y, o.cores]);
      if (o.dropPct > 0) accuracy.push([y, o.dropPct]);
      if (b !== 0) problem.objective.push([y, b * (weights[l] ?? 0) * o.stageCycles]);
    });
    problem.constraints.push({ name: `one${l}`, terms: one, min: 1, max: 1 }, { name: `time${l}`, terms: time, max: 0 });
  });
  problem.constraints.push({ name: 'budget', terms: budget, max: settings.budgetCores });
  problem.constraints.push({ name: 'accuracy', terms: accuracy.length > 0 ? accuracy : [['z', 0]], max: settings.accuracyBudgetPct });
  const answer = await backend.solve(problem, { timeLimitS: settings.timeLimitS ?? 60 });
  if (answer.status !== 'optimal') throw new ExternalToolError(`joint MILP (${backend.name}): ${answer.status} (${answer.detail}).`);
  const { gap, variable } = integralityGap(problem, answer.values);
  if (gap > 1e-6) throw new ExternalToolError(`joint MILP (${backend.name}) returned ${variable} = ${answer.values[variable] ?? 0}, not integral; rejected.`);
  const result: JointResult = { wbits: [], abits: [], replicas: [], tableBottleneckCycles: globalFloor, dropPct: 0, status: answer.detail, binaries: problem.binaries.length, optionsBeforePruning: before, wallMs: answer.wallMs };
  let cores = 0;
  options.forEach((list, l) => {
    const j = list.findIndex((_, k) => Math.round(answer.values[`y${l}_${k}`] ?? 0) === 1);
    const o = list[j];
    if (o === undefined) throw new ExternalToolError(`joint MILP (${backend.name}) picked no option for layer ${l}; rejected.`);
    result.wbits.push(o.wbits);
    result.abits.push(o.abits);
    result.replicas.push(o.replicas);
    result.tableBottleneckCycles = Math.max(result.tableBottleneckCycles, o.stageCycles);
    result.dropPct += o.dropPct;
    cores += o.cores;
  });
  if (cores > settings.budgetCores) throw new ExternalToolError(`joint MILP (${backend.name}) uses ${cores} cores, over the budget of ${settings.budgetCores}; rejected.`);
  if (result.dropPct > settings.accuracyBudgetPct + 1e-6) throw new ExternalToolError(`joint MILP (${backend.name}) drop ${result.dropPct} is over the budget; rejected.`);
  return result;
}
