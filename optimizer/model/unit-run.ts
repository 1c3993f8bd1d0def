/**
 * Consecutive layers sharing one digital unit in the single-image recurrence (docs/hardware-model.md rule 7): their
 * rows are served in the order they reach the unit, across the layers. The recurrence runs layer by layer, so a
 * layer's rows could not see the rows of later layers that reach the unit first: GPT-2 on PUMA puts an attention
 * block's Q.K^T, softmax and A.V on one tile, and the scores rows, whose inputs come at the input's pace, reach the
 * unit ahead of the softmax and context rows that follow them; charged as if the three layers took turns, block 0's
 * context rows came out evenly where they come late and bunched, and the model was 20.5% below the simulated latency
 * (uncontended). A run is a row-level list schedule at that unit: of the layers' next rows whose inputs are in, the
 * one that reaches the unit first is served next (a tie to the earlier layer), after the unit's earlier jobs
 * (this run's, and the earlier layers' queued rows, digital-queue.ts) and its own terms. Layers fused into a
 * member's job (their rows are its rows) follow along.
 */
import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { addRowJobs, busyUntil, digitalRowJob, reservePending, takeRemainingLoad, unitShared } from './digital-queue';
import { inputDelayCycles } from './injection';
import { rowFixedCycles, rowIntervalCycles, rowPacedCycles } from './latency-terms';
import type { LayerStage, LayerStatic, ModelContext, TrafficLoads, UnitRunScratch } from './types';

export function newUnitRunScratch(): UnitRunScratch {
  return { layer: [], ops: [], lead: [], fixed: [], interval: [], paced: [], next: [], previous: [], lastArrival: [], candidate: [], inputStart: [], delay: [], producer: [], arrival: new Float64Array(64) };
}

/**
 * The last layer (index into ctx.layers) of the run starting at layer `first`, or `first` when no run starts there:
 * a run is two or more layers whose rows queue at the same one tile's digital unit, consecutive in network order
 * but for layers whose ops are in a member's job (inHostJob) and aliased ones, each reading the run's rows where
 * they are made (no NoC between members). Overwrites ctx.digitalQueues.jobTiles.
 */
export function unitRunEnd(ctx: ModelContext, placement: Placement, first: number): number {
  const q = ctx.digitalQueues;
  const start = ctx.layers[first];
  if (start === undefined || digitalRowJob(ctx, placement, start, q) <= 0 || q.jobTiles.length !== 1) return first;
  const tile = q.jobTiles[0] as number;
  const runRows = start.rowOffset;
  let end = first;
  for (let m = first + 1; m < ctx.layers.length; m++) {
    const x = ctx.layers[m] as LayerStatic;
    if (x.aliased) continue;
    if (!x.inHostJob && (digitalRowJob(ctx, placement, x, q) <= 0 || q.jobTiles.length !== 1 || q.jobTiles[0] !== tile)) break;
    let inPlace = true;
    for (let k = 0; k < x.inputRowSources.length && inPlace; k++) {
      if ((x.inputRowSources[k] as number) >= runRows && inputDelayCycles(ctx, placement, ctx.traffic, ctx.injection, x, k) > 0) inPlace = false;
    }
    if (!inPlace) break;
    if (!x.inHostJob) end = m;
  }
  return end;
}

/**
 * The rows of the run first..last (unitRunEnd) into ctx.rowScratch, their jobs into the unit's queue for the layers
 * after it. Per member: its terms as a lone layer's (latency-terms.ts); its row interval charges the unit with its
 * own ops and those of the layers after the run (the members' ops are in the schedule).
 */
export function scheduleUnitRun(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  stages: readonly LayerStage[],
  traffic: TrafficLoads,
  storedBits: Float64Array,
  first: number,
  last: number,
  inputRowCycles: number,
): void {
  const q = ctx.digitalQueues;
  const s = ctx.unitRun;
  const finish = ctx.rowScratch;
  const inj = ctx.injection;
  if (s.arrival.length < finish.length) s.arrival = new Float64Array(finish.length);
  let count = 0;
  let tile = -1;
  let lastOwn = 0;
  let lastLoad = 0;
  let inputs = 0;
  for (let m = first; m <= last; m++) {
    const x = ctx.layers[m] as LayerStatic;
    if (x.aliased) continue;
    const j = count++;
    s.layer[j] = m;
    s.fixed[j] = rowFixedCycles(ctx, placement, mappings, choices, traffic, storedBits, x);
    const ops = digitalRowJob(ctx, placement, x, q);
    s.ops[j] = ops;
    s.lead[j] = s.fixed[j] - ops;
    if (ops > 0) {
      tile = q.jobTiles[0] as number;
      unitShared(q);
      lastOwn = ops * x.outRows;
      lastLoad = takeRemainingLoad(ctx, placement, x, q, ops);
    }
    s.paced[j] = rowPacedCycles(x, stages[m]);
    s.inputStart[j] = inputs;
    for (let k = 0; k < x.inputRowSources.length; k++) {
      const source = x.inputRowSources[k] as number;
      s.delay[inputs] = inputDelayCycles(ctx, placement, ctx.traffic, inj, x, k);
      let producer = -1;
      for (let p = 0; p < j; p++) if ((ctx.layers[s.layer[p] as number] as LayerStatic).rowOffset === source) producer = p;
      s.producer[inputs++] = producer;
    }
    s.next[j] = 0;
    s.previous[j] = 0;
    s.lastArrival[j] = -Infinity;
    s.candidate[j] = NaN;
  }
  s.inputStart[count] = inputs;
  // The unit's load per image beyond the run (the layers after it there), which paces the members' rows.
  const afterRun = lastLoad - lastOwn;
  for (let j = 0; j < count; j++) {
    const x = ctx.layers[s.layer[j] as number] as LayerStatic;
    const ops = s.ops[j] as number;
    s.interval[j] = rowIntervalCycles(x, stages[x.index], ops > 0 ? ops * x.outRows + afterRun : 0);
  }
  let busy = 0;
  for (;;) {
    let best = -1;
    let bestArrival = Infinity;
    let pending = false;
    for (let j = 0; j < count; j++) {
      const x = ctx.layers[s.layer[j] as number] as LayerStatic;
      // A layer fused into a member's job: its rows end as soon as their inputs are in.
      while ((s.ops[j] as number) <= 0 && (s.next[j] as number) < x.outRows) {
        const ready = readyCycles(ctx, s, j, x, inputRowCycles);
        if (ready < 0) break;
        const next = (s.previous[j] as number) + (s.interval[j] as number);
        const end = ready + (s.fixed[j] as number);
        finish[x.rowOffset + (s.next[j] as number)] = s.previous[j] = end > next ? end : next;
        s.next[j] = (s.next[j] as number) + 1;
      }
      const i = s.next[j] as number;
      if (i >= x.outRows) continue;
      pending = true;
      if ((s.ops[j] as number) <= 0) continue;
      let arrival = s.candidate[j] as number;
      if (Number.isNaN(arrival)) {
        const ready = readyCycles(ctx, s, j, x, inputRowCycles);
        if (ready < 0) continue;
        // Its ops reach the unit when its inputs are in and its work before them, paced by its other terms, is done.
        arrival = ready + (s.lead[j] as number);
        const paced = (s.lastArrival[j] as number) + (s.paced[j] as number);
        if (paced > arrival) arrival = paced;
        s.candidate[j] = arrival;
      }
      if (arrival < bestArrival) (best = j), (bestArrival = arrival);
    }
    if (!pending) break;
    if (best < 0) throw new Error('scheduleUnitRun: no member of the run can go on');
    const x = ctx.layers[s.layer[best] as number] as LayerStatic;
    const i = s.next[best] as number;
    // Served after the run's last job and the earlier layers' jobs that reached the unit first.
    let start = busy > bestArrival ? busy : bestArrival;
    const queued = busyUntil(q, tile, bestArrival);
    if (queued > start) start = queued;
    busy = start + (s.ops[best] as number);
    const next = (s.previous[best] as number) + (s.interval[best] as number);
    finish[x.rowOffset + i] = s.previous[best] = busy > next ? busy : next;
    s.arrival[x.rowOffset + i] = bestArrival;
    s.lastArrival[best] = bestArrival;
    s.candidate[best] = NaN;
    s.next[best] = i + 1;
  }
  // The members' jobs join the unit's queue (in arrival order, as served) for the layers after the run.
  for (let j = 0; j < count; j++) {
    const ops = s.ops[j] as number;
    if (ops <= 0) continue;
    const x = ctx.layers[s.layer[j] as number] as LayerStatic;
    q.jobTiles[0] = tile;
    q.jobTiles.length = 1;
    reservePending(q, x.outRows);
    q.pending.set(s.arrival.subarray(x.rowOffset, x.rowOffset + x.outRows));
    q.pendingCount = x.outRows;
    addRowJobs(q, ops, true);
  }
}

/** When member j's next row has its inputs in its tile, or -1 while a member it reads has not made the row yet. */
function readyCycles(ctx: ModelContext, s: UnitRunScratch, j: number, x: LayerStatic, inputRowCycles: number): number {
  const finish = ctx.rowScratch;
  const sent = ctx.injection.sent;
  const i = s.next[j] as number;
  let ready = 0;
  const from = s.inputStart[j] as number;
  for (let k = 0; k < x.inputRowSources.length; k++) {
    const source = x.inputRowSources[k] as number;
    const needed = (x.needRows[k] as Int32Array)[i] as number;
    const producer = s.producer[from + k] as number;
    if (producer >= 0 && needed >= (s.next[producer] as number)) return -1;
    const delay = s.delay[from + k] as number;
    const arrived = source < 0 ? (needed + 1) * inputRowCycles : ((delay > 0 ? sent : finish)[source + needed] as number) + delay;
    if (arrived > ready) ready = arrived;
  }
  return ready;
}
