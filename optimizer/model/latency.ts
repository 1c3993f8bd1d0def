import type { PlanChoices } from '../../arch/plan';
import { replicaMvmCycles, type LayerCrossbarMapping } from '../../arch/mapping';
import type { Placement } from '../../arch/placement';
import { offChipBitsPerCycle, shiftAddCyclesPerMvm, shiftAddDrainCycles } from '../../arch/timing';
import type { LayerStage, LayerStatic, ModelContext, TrafficLoads } from './types';
import { flitsOfBits } from '../../arch/routing';
import { addRowJobs, busyUntilInOrder, countUnitUsers, digitalRowJob, fusedRowTiles, reservePending, restartQueueCursors, unitShared } from './digital-queue';

/**
 * Single-image latency from the row-level pipeline recurrence (docs/hardware-model.md rules 4 and 7):
 *   finish_l(i) = max(ready_l(i) + rowLatency_l, finish_l(i-1) + T_l / rows_l, queue_l(i) + ops_l)
 * where ready_l(i) is when the input rows that output row i needs have arrived in the layer's tiles, and queue_l(i)
 * when its tile's digital unit is through the earlier layers' rows that arrived before its own (digital-queue.ts).
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
  countUnitUsers(ctx, placement, q);

  for (const l of ctx.layers) {
    if (l.aliased) continue;
    const base = l.rowOffset;
    const rows = l.outRows;
    const interval = rowIntervalCycles(l, stages[l.index]);
    const fixed = rowFixedCycles(ctx, placement, mappings, choices, traffic, storedBits, l);
    const sources = l.inputRowSources;
    const needs = l.needRows;
    const ops = digitalRowJob(ctx, placement, l, q);
    if (ops > 0 && unitShared(q)) {
      // A row whose ops queue at a digital unit (one general loop: the arrivals go to the queue).
      const lead = fixed - ops;
      reservePending(q, rows);
      const pending = q.pending;
      let previous = 0;
      const identity = sources.length === 1 && (sources[0] as number) >= 0 && l.identityNeed ? (sources[0] as number) : -1;
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
          const arrived = finish[identity + i] as number;
          if (arrived > ready) ready = arrived;
        } else {
          for (let k = 0; k < sources.length; k++) {
            const source = sources[k] as number;
            const needed = (needs[k] as Int32Array)[i] as number;
            const arrived = source < 0 ? (needed + 1) * inputRowCycles : (finish[source + needed] as number);
            if (arrived > ready) ready = arrived;
          }
        }
        let start = ready + fixed;
        const arrival = ready + lead;
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
      continue;
    }
    // NOTE: hot loop (every output row of every layer, every evaluation): plain indexed reads only, and a
    // separate loop for the common one-input layer.
    let previous = 0;
    const only = sources.length === 1 ? (sources[0] as number) : -2;
    if (only >= 0 && l.identityNeed) {
      // NOTE: written for speed: output row i needs input row i (activations, element-wise layers).
      for (let i = 0; i < rows; i++) {
        const start = (finish[only + i] as number) + fixed;
        const next = previous + interval;
        previous = start > next ? start : next;
        finish[base + i] = previous;
      }
      continue;
    }
    if (only >= 0) {
      const need = needs[0] as Int32Array;
      for (let i = 0; i < rows; i++) {
        const start = (finish[only + (need[i] as number)] as number) + fixed;
        const next = previous + interval;
        previous = start > next ? start : next;
        finish[base + i] = previous;
      }
      continue;
    }
    const second = sources.length === 2 ? (sources[1] as number) : -2;
    const first = sources.length === 2 ? (sources[0] as number) : -2;
    if (first >= 0 && second >= 0 && l.identityNeed) {
      // NOTE: written for speed: a two-input element-wise layer (a residual add) reads row i of both inputs.
      for (let i = 0; i < rows; i++) {
        let ready = 0;
        const a = finish[first + i] as number;
        if (a > ready) ready = a;
        const b = finish[second + i] as number;
        if (b > ready) ready = b;
        const start = ready + fixed;
        const next = previous + interval;
        previous = start > next ? start : next;
        finish[base + i] = previous;
      }
      continue;
    }
    for (let i = 0; i < rows; i++) {
      let ready = 0;
      for (let k = 0; k < sources.length; k++) {
        const source = sources[k] as number;
        const needed = (needs[k] as Int32Array)[i] as number;
        const arrived = source < 0 ? (needed + 1) * inputRowCycles : (finish[source + needed] as number);
        if (arrived > ready) ready = arrived;
      }
      const start = ready + fixed;
      const next = previous + interval;
      previous = start > next ? start : next;
      finish[base + i] = previous;
    }
  }
  let latency = 0;
  for (const s of ctx.sinks) {
    const l = ctx.layers[s];
    if (l !== undefined) latency = Math.max(latency, finish[l.rowSource + l.outRows - 1] ?? 0);
  }
  return Math.ceil(latency);
}

/** A layer's time per output row in a lone image's pipeline: its stage time spread over its rows (0: free layers). */
export function rowIntervalCycles(l: LayerStatic, stage: LayerStage | undefined): number {
  return l.role === 'free' || stage === undefined ? 0 : loneImageStageCycles(stage) / l.outRows;
}

/**
 * A layer's time from the arrival of the input rows an output row needs to that row's end: one input row crossing
 * the NoC and written to eDRAM, then the row's compute (crossbar MVMs and shift-and-add, digital ops, a product's
 * work; 0 for free layers).
 */
export function rowFixedCycles(
  ctx: ModelContext,
  placement: Placement,
  mappings: readonly LayerCrossbarMapping[],
  choices: PlanChoices,
  traffic: TrafficLoads,
  storedBits: Float64Array,
  l: LayerStatic,
): number {
  const arch = ctx.arch;
  const edramRate = arch.tile.edram.accessBits * arch.tile.edram.accessesPerCycle;
  const linkRate = arch.noc.linkFlitsPerCycle;
  const routerLatency = arch.noc.routerLatencyCycles;
  const rows = l.outRows;
  let rowLatency = 0;
  let transfer = 0;
  if (l.role === 'fused') {
    // Applied on the producer's output path: each replica applies it to its pixels of the row on its own tile
    // (rule 5), so a row's ops spread over the distinct tiles of the replicas that have pixels in it (one for a
    // token of a sequence without replication, however many tiles the layer's crossbars span).
    rowLatency = l.digitalOps / rows / arch.tile.digital.opsPerCycle / fusedRowTiles(ctx, placement, l.index, l.outCols, ctx.digitalQueues.jobTiles);
  } else if (l.role !== 'free') {
    if (l.weightedPos >= 0) {
      const mapping = mappings[l.weightedPos];
      const r = choices.replicas[l.weightedPos] ?? 1;
      if (mapping !== undefined) {
        const pixels = l.kind === 'fc' ? 1 : Math.ceil(l.outCols / r);
        // Shift-and-add works behind the ADCs (at its own pace when slower); only the last streamed bit's values
        // drain after the MVM.
        const perMvm = Math.max(replicaMvmCycles(arch, mapping, r), shiftAddCyclesPerMvm(arch, mapping));
        rowLatency = pixels * perMvm + shiftAddDrainCycles(arch, mapping);
        // A recurrent layer's cell ops follow on its output path before the step's row is sent (rule 3).
        if (l.digitalOps > 0) rowLatency += l.digitalOps / rows / arch.tile.digital.opsPerCycle;
      }
    } else {
      rowLatency = l.digitalOps / rows / arch.tile.digital.opsPerCycle;
      // A product on a MAC array or rewritten crossbars (rule 8): its own work per row.
      if (l.product) rowLatency += (ctx.productCycles[l.index] ?? 0) / rows;
    }
    // One input row crossing the NoC (cut-through: router latency per router plus serialization) and
    // being written to eDRAM.
    const firstInput = l.dataInputs[0] ?? -1;
    const rowBits = l.firstInputRowElements * (storedBits[firstInput + 1] as number);
    const hops = traffic.layerMaxHops[l.index] ?? 0;
    const remote = firstInput < 0 || !sameTiles(placement, firstInput, l.index);
    transfer = rowBits / edramRate + (remote ? (hops + 1) * routerLatency + flitsOfBits(arch, rowBits) / linkRate : 0);
  }
  return transfer + rowLatency;
}

/**
 * A stage's time per image for a lone image: without the steady-state pace bounds of line buffers and credits
 * (rule 7), which count grants waiting for rows of earlier images to free; one image's rows do not wait for them.
 * (The credit loop is applied after the latency; the line-buffer term is taken out here.)
 */
function loneImageStageCycles(s: LayerStage): number {
  if (s.boundBy !== 'line-buffer') return s.stageCycles;
  return Math.max(s.computeCycles, s.shiftAddCycles, s.nocInCycles, s.nocOutCycles, s.meshLinkCycles, s.edramCycles, s.digitalCycles, s.attentionCycles, s.offChipCycles, s.portQueueCycles);
}

function sameTiles(placement: Placement, producer: number, consumer: number): boolean {
  const a = placement.layerTiles[producer] ?? [];
  const b = placement.layerTiles[consumer] ?? [];
  return a.length === 1 && b.length === 1 && a[0] === b[0];
}
