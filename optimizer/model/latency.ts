import type { PlanChoices } from '../../arch/plan';
import type { LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { offChipBitsPerCycle } from '../../arch/timing';
import type { LayerStage, LayerStatic, ModelContext, TrafficLoads } from './types';
import { prepareInjection, recordSends } from './injection';
import { delayCycles, fixedCycles, startRowTimes } from './row-times';
import { startRemainingLoad, takeRemainingLoad, addRowJobs, busyUntilInOrder, countUnitUsers, digitalRowJob, reservePending, restartQueueCursors, unitShared } from './digital-queue';
import { rowIntervalCycles, rowPacedCycles } from './latency-terms';
import { scheduleUnitRun, unitRunEnd } from './unit-run';
import { holdForGrants, loneGrants } from './lone-grants';
import { loneNocTerms } from './lone-sends';
import { inputBurst, inputBurstWaitCycles, type InputBurst } from './input-burst';

export { rowFixedCycles, rowIntervalCycles, rowPacedCycles } from './latency-terms';

/**
 * Single-image latency from the row-level pipeline recurrence (docs/hardware-model.md rules 4 and 7):
 *   finish_l(i) = max(ready_l(i) + rowLatency_l, finish_l(i-1) + T_l / rows_l, queue_l(i) + ops_l)
 * where ready_l(i) is when the input rows that output row i needs have arrived in the layer's tiles, and queue_l(i)
 * when its tile's digital unit is through the earlier layers' rows that arrived before its own (digital-queue.ts);
 * layers sharing one unit one after another are scheduled together, row by row in the order they reach it (unit-run.ts).
 * NOTE: hot code (every output row of every layer, every evaluation): all rows in one flat array, free layers that
 * keep their producer's rows skipped (aliased: their readers read the producer's rows), one-input and two-input
 * layers in special-case loops. latency-reference.ts is its plain reference (every layer's own rows, one general
 * loop), which test/model-latency-reference.test.ts compares with on the zoo.
 */
export function rowLatencyCycles(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  stages: readonly LayerStage[],
  traffic: TrafficLoads,
  inputBits: number,
  storedBits: Float64Array,
): number {
  const arch = ctx.arch;
  const finish = ctx.rowScratch;
  const input = ctx.net.network.input;
  const inputRowCycles = inputBits / input.height / offChipBitsPerCycle(arch);
  const q = ctx.digitalQueues;
  const inj = ctx.injection;
  countUnitUsers(ctx, placement, q);
  startRemainingLoad(q, ctx.tileScratch.digital, placement.tilesUsed);
  prepareInjection(ctx, ctx.traffic, inj);
  // Channel credits (lone-grants.ts): each hop's time is its input delay and its layer's row fixed time.
  startRowTimes(ctx);
  const grants = loneGrants(ctx, placement, mappings, choices, traffic, storedBits);
  loneNocTerms(ctx, placement, ctx.traffic, ctx.tileScratch, stages);
  // The network input's writes landing at its tiles' ports ahead of their readers (input-burst.ts).
  const burst = inputBurst(ctx, placement, mappings, choices, stages, storedBits, ctx.loneTerms, inputRowCycles);

  const layers = ctx.layers;
  for (let n = 0; n < layers.length; n++) {
    const l = layers[n] as LayerStatic;
    if (l.aliased) continue;
    // Layers sharing one digital unit one after another: their rows are served in the order they reach it.
    const last = unitRunEnd(ctx, placement, n);
    if (last > n) {
      scheduleUnitRun(ctx, placement, mappings, choices, stages, traffic, storedBits, n, last, inputRowCycles, grants, burst);
      for (; n <= last; n++) {
        const x = layers[n] as LayerStatic;
        if (x.aliased) continue;
        if (grants.held[x.index] !== 0) holdForGrants(x, grants, finish, rowPacedCycles(x, stages[x.index], ctx.loneTerms, burst), fixedCycles(ctx, placement, mappings, choices, traffic, storedBits, x), layers);
        recordSends(inj, x, finish, inputRowCycles);
      }
      n = last;
      continue;
    }
    layerRows(ctx, placement, mappings, choices, stages, traffic, storedBits, l, inputRowCycles, burst);
    if (grants.held[l.index] !== 0) holdForGrants(l, grants, finish, rowPacedCycles(l, stages[l.index], ctx.loneTerms, burst), fixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l), layers);
    recordSends(inj, l, finish, inputRowCycles);
  }
  let latency = 0;
  for (const s of ctx.sinks) {
    const l = ctx.layers[s];
    if (l !== undefined) latency = Math.max(latency, finish[l.rowSource + l.outRows - 1] ?? 0);
  }
  return Math.ceil(latency);
}

/**
 * One layer's row ends into ctx.rowScratch (the recurrence above). Input k's row is in the layer's tiles a fixed
 * delay after it starts to leave its producer's tiles (injection.ts: the copies queued before its own, its own, its
 * routers), or when it ends where it is made there. `burst`: this evaluation's input burst (input-burst.ts).
 */
function layerRows(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  stages: readonly LayerStage[],
  traffic: TrafficLoads,
  storedBits: Float64Array,
  l: LayerStatic,
  inputRowCycles: number,
  burst: InputBurst,
): void {
  const finish = ctx.rowScratch;
  const q = ctx.digitalQueues;
  const inj = ctx.injection;
  const base = l.rowOffset;
  const rows = l.outRows;
  const fixed = fixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l);
  const sources = l.inputRowSources;
  const needs = l.needRows;
  // Per input: the rows it reads (sent starts where they cross the NoC, else ends) and the delay after them.
  if (inj.delays.length < sources.length) inj.delays = new Float64Array(2 * sources.length);
  const delays = inj.delays;
  const from = inj.from;
  for (let k = 0; k < sources.length; k++) {
    const delay = delayCycles(ctx, placement, l, k);
    delays[k] = delay;
    from[k] = delay > 0 ? inj.sent : finish;
  }
  const ops = digitalRowJob(ctx, placement, l, q);
  // Its reads at a port the network input's writes flood (input-burst.ts): rows then go through the general loops.
  const flooded = burst.peakCycles[l.index] !== 0;
  const interval = rowIntervalCycles(l, stages[l.index], takeRemainingLoad(ctx, placement, l, q, ops), ctx.loneTerms, burst);
  const paced = rowPacedCycles(l, stages[l.index], ctx.loneTerms, burst);
  if (ops > 0 && unitShared(q)) {
    // A row whose ops queue at a digital unit (one general loop: the arrivals go to the queue).
    const lead = fixed - ops;
    reservePending(q, rows);
    const pending = q.pending;
    let previous = 0;
    const identity = sources.length === 1 && (sources[0] as number) >= 0 && l.identityNeed ? (sources[0] as number) : -1;
    const identityRows = from[0] as Float64Array;
    const identityDelay = delays[0] as number;
    // NOTE: written for speed: with one job tile (no replication), busyUntilInOrder's search on its queue in locals.
    const single = q.jobTiles.length === 1;
    const tile = q.jobTiles[0] as number;
    const tileArrival = single ? q.arrival[tile] : undefined;
    const tileEnd = q.end[tile];
    const tileJobs = single ? (q.length[tile] ?? 0) : 0;
    let cursor = 0;
    let lastArrival = -Infinity;
    restartQueueCursors(q);
    for (let i = 0; i < rows; i++) {
      let ready = 0;
      if (identity >= 0) {
        // NOTE: written for speed: the common fused activation reads row i of its producer.
        const arrived = (identityRows[identity + i] as number) + identityDelay;
        if (arrived > ready) ready = arrived;
      } else {
        for (let k = 0; k < sources.length; k++) {
          const source = sources[k] as number;
          const needed = (needs[k] as Int32Array)[i] as number;
          const arrived = source < 0 ? (needed + 1) * inputRowCycles : ((from[k] as Float64Array)[source + needed] as number) + (delays[k] as number);
          if (arrived > ready) ready = arrived;
        }
      }
      // The row's ops reach the unit when its inputs are in and its work before them is done, which the layer's
      // other terms pace (a digital-unit product's re-reads of B through the port: DeiT-Tiny on PUMA, whose scores
      // rows all have their inputs once the last key is in, had them queued at once ahead of the softmax, +45%).
      let arrival = ready + lead;
      if (flooded) arrival += inputBurstWaitCycles(burst, l.index, ready, previous);
      if (i > 0 && lastArrival + paced > arrival) arrival = lastArrival + paced;
      let start = arrival + ops;
      // Arrivals ascend (row needs only move forward), so each tile's search goes on from the last row's.
      if (!(arrival >= lastArrival)) restartQueueCursors(q), (cursor = 0);
      lastArrival = arrival;
      if (single) {
        if (tileArrival !== undefined) while (cursor < tileJobs && (tileArrival[cursor] as number) <= arrival) cursor++;
        const queued = (cursor === 0 || tileEnd === undefined ? 0 : (tileEnd[cursor - 1] as number)) + ops;
        if (queued > start) start = queued;
      } else {
        for (let k = 0; k < q.jobTiles.length; k++) {
          const queued = busyUntilInOrder(q, k, arrival) + ops;
          if (queued > start) start = queued;
        }
      }
      const next = previous + interval;
      previous = start > next ? start : next;
      finish[base + i] = previous;
      pending[i] = arrival;
    }
    q.pendingCount = rows;
    addRowJobs(q, ops, true);
    return;
  }
  // NOTE: hot loop (every output row of every layer, every evaluation): plain indexed reads only, and a
  // separate loop for the common one-input layer.
  let previous = 0;
  const only = sources.length === 1 && !flooded ? (sources[0] as number) : -2;
  const onlyRows = from[0] as Float64Array;
  const onlyFixed = (delays[0] ?? 0) + fixed;
  if (only >= 0 && l.identityNeed) {
    // NOTE: written for speed: output row i needs input row i (activations, element-wise layers).
    for (let i = 0; i < rows; i++) {
      const start = (onlyRows[only + i] as number) + onlyFixed;
      const next = previous + interval;
      previous = start > next ? start : next;
      finish[base + i] = previous;
    }
    return;
  }
  if (only >= 0) {
    const need = needs[0] as Int32Array;
    for (let i = 0; i < rows; i++) {
      const start = (onlyRows[only + (need[i] as number)] as number) + onlyFixed;
      const next = previous + interval;
      previous = start > next ? start : next;
      finish[base + i] = previous;
    }
    return;
  }
  const second = sources.length === 2 && !flooded ? (sources[1] as number) : -2;
  const first = sources.length === 2 && !flooded ? (sources[0] as number) : -2;
  if (first >= 0 && second >= 0 && l.identityNeed) {
    // NOTE: written for speed: a two-input element-wise layer (a residual add) reads row i of both inputs.
    const firstRows = from[0] as Float64Array;
    const secondRows = from[1] as Float64Array;
    const firstDelay = delays[0] as number;
    const secondDelay = delays[1] as number;
    for (let i = 0; i < rows; i++) {
      let ready = 0;
      const a = (firstRows[first + i] as number) + firstDelay;
      if (a > ready) ready = a;
      const b = (secondRows[second + i] as number) + secondDelay;
      if (b > ready) ready = b;
      const start = ready + fixed;
      const next = previous + interval;
      previous = start > next ? start : next;
      finish[base + i] = previous;
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    let ready = 0;
    for (let k = 0; k < sources.length; k++) {
      const source = sources[k] as number;
      const needed = (needs[k] as Int32Array)[i] as number;
      const arrived = source < 0 ? (needed + 1) * inputRowCycles : ((from[k] as Float64Array)[source + needed] as number) + (delays[k] as number);
      if (arrived > ready) ready = arrived;
    }
    const start = ready + fixed + (flooded ? inputBurstWaitCycles(burst, l.index, ready, previous) : 0);
    const next = previous + interval;
    previous = start > next ? start : next;
    finish[base + i] = previous;
  }
}

