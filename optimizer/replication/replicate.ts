import type { PlanChoices } from '../../arch/plan';
import { evaluateModel, evaluateModelAt, evaluateModelLatencyLater, type LatencyLater } from '../model/evaluate';
import { detachPlacement, type Placement } from '../../arch/placement';
import type { ModelContext, ModelResult } from '../model/types';
import { MappingError } from '../../errors';
import { allCandidates, minimumCores } from './candidates';
import { exactOnCandidates, type ReplicationSolution } from './exact';
import { greedyReplication } from './greedy';
import type { ObjectiveSpec } from './objective';
import { buildTables, type ReplicationTables } from './tables';

export interface PrecisionArrays {
  wbits: readonly number[];
  abits: readonly number[];
  /** Own bits of the products of two activations (PlanChoices.productBits); absent: their defaults. */
  productBits?: readonly number[] | undefined;
}

/** A replication decided on the tables and scored by the full analytical model. */
export interface ReplicatedPlan {
  choices: PlanChoices;
  table: ReplicationSolution;
  model: ModelResult;
  /** Objective cost by the full model (lower is better; see fullModelCost). */
  cost: number;
}

/** Objective cost from full-model figures, normalised by the reference plan as in objective.ts. */
export function fullModelCost(spec: ObjectiveSpec, bottleneckCycles: number, latencyCycles: number, refLatencyCycles: number): number {
  const z = bottleneckCycles / Math.max(1, spec.refBottleneckCycles);
  const lat = latencyCycles / Math.max(1, refLatencyCycles);
  if (spec.kind === 'throughput') return z;
  if (spec.kind === 'latency') return lat;
  return (1 - spec.mixWeight) * z + spec.mixWeight * lat;
}

/** Layer floors and global floor: the larger of two table sets (floors seen at either placement). */
export function mergeFloors(a: ReplicationTables, b: ReplicationTables): ReplicationTables {
  return {
    crossbarsPerCore: a.crossbarsPerCore,
    globalFloorCycles: Math.max(a.globalFloorCycles, b.globalFloorCycles),
    layers: a.layers.map((t, i) => ({ ...t, floorCycles: Math.max(t.floorCycles, b.layers[i]?.floorCycles ?? 0) })),
  };
}

export interface ReplicateOptions {
  /** Extra passes, each re-solved on the floors the previous pass's placement shows. @default 3 */
  refinements?: number;
  /** Full-model latency of the reference plan, to normalise latency costs. */
  refLatencyCycles: number;
  /** Keep r = 1 everywhere (the "mixed precision only" variant). @default false */
  onlyUnitReplication?: boolean;
  /**
   * false: the caller reads no latency of the plan returned, so under the throughput objective (which ranks the passes
   * by their interval alone) its model's latencyCycles and latencyS stay NaN and the recurrence is never run (optimize's
   * polish: a quarter of its time). Other objectives rank by the latency, so they always have it. @default true
   */
  latency?: boolean;
}

/**
 * Best replication for fixed precisions: floors from a full evaluation at r = 1, the exact algorithm
 * (throughput) or the greedy fast path (latency, mix) on the tables, then the full model on the answer.
 * Refinement passes take the floors the new placement shows and solve again (until floors repeat); the best
 * plan by the full model wins. Throws MappingError when the precisions do not fit the budget at r = 1.
 */
function floorsOf(t: ReplicationTables): number[] {
  return [t.globalFloorCycles, ...t.layers.map((l) => l.floorCycles)];
}

/** Whether `seen` holds these floors (equal as numbers; NaN equals NaN, as their text did). */
function seenBefore(seen: readonly number[][], floors: readonly number[]): boolean {
  return seen.some((s) => s.length === floors.length && s.every((x, k) => x === floors[k] || (x !== x && floors[k] !== floors[k])));
}

/**
 * Per context, the arrays of the last placement replication kept (detachPlacement): reused by the next, as the
 * placement scratch's are (NOTE: a returned model's placement shares them until then, as it would the scratch's).
 */
const keptPlacements = new WeakMap<ModelContext, Placement>();

/** How many times a refused replication retries with one tile less. */
const MAX_BUDGET_SHRINKS = 8;

export function replicateForPrecisions(
  ctx: ModelContext,
  precisions: PrecisionArrays,
  budgetCores: number,
  spec: ObjectiveSpec,
  options: ReplicateOptions,
): ReplicatedPlan {
  const n = ctx.net.weightedIndices.length;
  const wbits = [...precisions.wbits];
  const abits = [...precisions.abits];
  const own = precisions.productBits === undefined ? {} : { productBits: [...precisions.productBits] };
  // The throughput objective ranks the passes' plans by their interval alone, so only the plan returned needs its
  // single-image latency: each evaluation leaves it for later (the recurrence is about half an evaluation's work),
  // and the plan returned gets it at the end (below).
  const latencyLater = spec.kind === 'throughput';
  const evaluate = (choices: PlanChoices): LatencyLater => {
    if (latencyLater) return evaluateModelLatencyLater(ctx, choices);
    const result = evaluateModel(ctx, choices);
    return { result, withLatency: () => result };
  };
  // The last evaluation: the only one whose latency can still be completed from the context's scratch.
  const atOneChoices: PlanChoices = { wbits, abits, replicas: new Array<number>(n).fill(1), ...own };
  let last: LatencyLater | undefined = evaluate(atOneChoices);
  const atOne = last.result;
  let tables = buildTables(ctx, wbits, abits, atOne);
  const need = minimumCores(tables);
  if (need > budgetCores) {
    throw new MappingError(`these precisions need ${need} cores at r = 1 and the area budget is ${budgetCores} cores.`);
  }
  let best: ReplicatedPlan | undefined;
  // The best pass's placement while its latency is still to come, detached from the placement scratch (into the
  // context's kept arrays), so that the plan returned is not placed again (ResNet-50: 1,657 of 2,004 calls).
  let kept: { model: ModelResult; placement: Placement } | undefined;
  let shrinks = 0;
  const passes = options.onlyUnitReplication === true ? 0 : 1 + (options.refinements ?? 3);
  const seenFloors = [floorsOf(tables)];
  // r = 1 is evaluated above (and returned below when nothing beats it).
  const seenReplicas = new Set<string>([new Array<number>(n).fill(1).join(',')]);
  for (let pass = 0; pass < passes; pass++) {
    const cands = allCandidates(tables, budgetCores);
    const table = spec.kind === 'throughput' ? exactOnCandidates(tables, cands, budgetCores) : greedyReplication(tables, cands, budgetCores, spec);
    const choices: PlanChoices = { wbits, abits, replicas: table.replicas, ...own };
    // A pass whose floors lead back to a replication already evaluated ends the passes: the same placement
    // would show the same floors again.
    const replicasKey = table.replicas.join(',');
    if (seenReplicas.has(replicasKey)) break;
    seenReplicas.add(replicasKey);
    let model: ModelResult;
    try {
      last = evaluate(choices);
      model = last.result;
    } catch (error) {
      // A refused placement has written over the placement scratch the last evaluation's latency would read.
      last = undefined;
      if (!(error instanceof MappingError)) throw error;
      // The placement can refuse what the core budget allows (line buffers push layers onto fresh tiles):
      // retry this pass with one tile's worth of cores less, a few times, then keep what we have.
      if (shrinks >= MAX_BUDGET_SHRINKS || budgetCores - ctx.arch.tile.cores < need) break;
      budgetCores -= ctx.arch.tile.cores;
      shrinks++;
      pass--;
      continue;
    }
    const cost = fullModelCost(spec, model.bottleneckCycles, model.latencyCycles, options.refLatencyCycles);
    if (best === undefined || cost < best.cost) {
      best = { choices, table, model, cost };
      if (Number.isNaN(model.latencyCycles) && options.latency !== false) {
        const placement = detachPlacement(model.placement, keptPlacements.get(ctx));
        keptPlacements.set(ctx, placement);
        kept = { model, placement };
      }
    }
    if (pass + 1 < passes) {
      // The floors of THIS placement, not their max with earlier ones: replication moves layers between tiles, and
      // a floor the r = 1 placement showed may be gone (ResNet-50, RL plan of seed 1: the r = 1 placement's global
      // floor of 275,968 cycles held the plan at 277,268; re-solved on the replicated placement's floors, 246,960).
      // The best plan by the full model over the passes is kept, so a misleading pass costs one evaluation.
      const next = buildTables(ctx, wbits, abits, model);
      const floors = floorsOf(next);
      if (seenBefore(seenFloors, floors)) break;
      seenFloors.push(floors);
      tables = next;
    }
  }
  // The plan returned with its latency: completed from the scratch when it was evaluated last, else evaluated again
  // at its kept placement (the same figures: the model is a function of the plan and its placement).
  const completed = (model: ModelResult, choices: PlanChoices): ModelResult => {
    if (!Number.isNaN(model.latencyCycles) || options.latency === false) return model;
    if (last !== undefined && model === last.result) return last.withLatency();
    return kept !== undefined && model === kept.model ? evaluateModelAt(ctx, choices, kept.placement) : evaluateModel(ctx, choices);
  };
  // r = 1 itself is a valid plan; never return something the full model rates worse.
  const atOneCost = fullModelCost(spec, atOne.bottleneckCycles, atOne.latencyCycles, options.refLatencyCycles);
  if (best === undefined || atOneCost < best.cost) {
    const model = completed(atOne, atOneChoices);
    const replicas = atOneChoices.replicas;
    return {
      choices: atOneChoices,
      table: { replicas, bottleneckCycles: model.bottleneckCycles, latencyProxyCycles: model.latencyCycles, cores: model.coresUsed },
      model,
      cost: atOneCost,
    };
  }
  return { ...best, model: completed(best.model, best.choices) };
}
