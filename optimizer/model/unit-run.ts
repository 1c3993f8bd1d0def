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
import { addRowJobs, digitalRowJob, reservePending, takeRemainingLoad, unitShared } from './digital-queue';
import { inputDelayCycles } from './injection';
import { rowIntervalCycles, rowPacedCycles } from './latency-terms';
import { delayCycles, fixedCycles } from './row-times';
import type { LayerStage, LayerStatic, ModelContext, TrafficLoads, UnitRunScratch } from './types';
import { readsOnly, scheduleMembers, scheduleTwo } from './unit-run-schedule';
import type { InputBurst } from './input-burst';
import { memberArrays, resetMemberSchedule } from './unit-run-scratch';
import { channelSlots } from '../../arch/tile-buffers';
import { spareRows } from './credit-loop';
import type { LoneGrants } from './lone-grants';

/**
 * The last layer (index into ctx.layers) of the run starting at layer `first`, or `first` when no run starts there:
 * a run is two or more layers whose rows queue at the same one tile's digital unit, consecutive in network order
 * but for layers whose ops are in a member's job (inHostJob), aliased ones and crossbar layers or products off the
 * unit (rule 8: a MAC array's) wholly on that tile (members without a job: a ReLU, the conv reading it and the ReLU
 * fused into that conv on one tile are one run; so are an attention block's softmax, softmax . V and norm2 on one),
 * each reading the run's rows where they are made (no NoC between members). Without the crossbar layers in it, the
 * later ReLU's rows saw only the earlier one's rows that reached the unit first and never delayed the others (ISAAC
 * ResNet-18, seed 86 of scripts/probe/more-resource.ts with twice the digital ops: the pool's rows served ahead of
 * layer1's, whose chain then ran late; the model's lone latency +6.62% over the 1x chip's where the simulator's
 * falls). Overwrites ctx.digitalQueues.jobTiles.
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
    // A crossbar layer or a product off the unit wholly on the tile, between two of its unit's layers, is in the run
    // too (its rows paced by their inputs as outside it): its readers' rows that reach the unit before the earlier
    // members' are served first. Without the products, xformer DeiT-Tiny's softmax was paced by the ops of norm2 and
    // the adds after it on its tile (580 cycles a row, simulated 344), and norm2's rows were not held behind its rows.
    const between = (x.role === 'weighted' || x.product) && x.digitalOps + x.hostedOps <= 0 && onlyOn(placement, x, tile);
    if (!between && !x.inHostJob && (digitalRowJob(ctx, placement, x, q) <= 0 || q.jobTiles.length !== 1 || q.jobTiles[0] !== tile)) break;
    let inPlace = true;
    for (let k = 0; k < x.inputRowSources.length && inPlace; k++) {
      if ((x.inputRowSources[k] as number) >= runRows && inputDelayCycles(ctx, placement, ctx.traffic, ctx.injection, x, k) > 0) inPlace = false;
    }
    if (!inPlace) break;
    if (!x.inHostJob && !between) end = m;
  }
  return end;
}

/** True when all of layer x's crossbars are on `tile`. */
function onlyOn(placement: Placement, x: LayerStatic, tile: number): boolean {
  const tiles = placement.layerTiles[x.index];
  return tiles !== undefined && tiles.length === 1 && tiles[0] === tile;
}

/** True when `low`'s first `rows` entries never fall (grantCycles then searches on from its last look). */
function ascends(low: Int32Array, rows: number): boolean {
  for (let i = 1; i < rows; i++) if ((low[i] as number) < (low[i - 1] as number)) return false;
  return true;
}

/**
 * The rows of its direct input k (`rows` an image) that reader x's tile `tile` grants before it lets any go: the
 * window placement gave that stored input plus the producer's lookahead (arch/tile-buffers.ts channelSlots), and the
 * tile's eDRAM beyond every guaranteed slot in rows of it (rule 6: rows are granted into free space; the credit
 * loop's figure, credit-loop.ts, of this evaluation's placement); 0 where the input is no
 * single stored tensor of x (a free layer's, a concat's pieces), or where a row of x reads more rows than that, its
 * first row included (a global pool folds rows in and frees them as it goes; a window capped below its span): no grant
 * rule is charged there.
 */
export function grantSlots(ctx: ModelContext, placement: Placement, storedBits: Float64Array, x: LayerStatic, k: number, rows: number, tile: number): number {
  const stored = x.inputStored[k];
  if (stored === undefined || stored.length !== 1) return 0;
  const producer = stored[0] as number;
  const window = placement.windowRows[x.index]?.[x.dataInputs.indexOf(producer)];
  if (window === undefined || window <= 0) return 0;
  const p = ctx.layers[producer];
  const rowBits = p === undefined ? 0 : p.outCols * p.outChannels * (storedBits[producer + 1] as number);
  const slots = channelSlots(rows, window) + spareRows(ctx.creditLoop.freeBits[tile] ?? 0, rowBits);
  return (x.readSpanRows[k] ?? 0) >= slots ? 0 : slots;
}

/**
 * Per member of a run (its inputs, producers, slots and lowest-row tables set), the fewest slots its rows have at a
 * reader in the run (grantFrom), and its granting inputs and their readers (grantStart, grantInput, grantReader,
 * grantDone: grantCycles looks at these only).
 */
export function indexGrants(s: UnitRunScratch, count: number, inputs: number): void {
  s.grantFrom.fill(0, 0, count);
  for (let k = 0; k < inputs; k++) {
    const slots = s.slots[k] as number;
    const p = s.producer[k] as number;
    if (slots > 0 && ((s.grantFrom[p] as number) === 0 || slots < (s.grantFrom[p] as number))) s.grantFrom[p] = slots;
  }
  let granting = 0;
  for (let p = 0; p < count; p++) {
    s.grantStart[p] = granting;
    if ((s.grantFrom[p] as number) <= 0) continue;
    for (let j = 0; j < count; j++) {
      for (let k = s.inputStart[j] as number; k < (s.inputStart[j + 1] as number); k++) {
        if (s.producer[k] !== p || (s.slots[k] as number) <= 0) continue;
        s.grantInput[granting] = k;
        s.grantReader[granting] = j;
        s.grantDone[granting++] = ascends(s.low[k] as Int32Array, s.rows[j] as number) ? 1 : 0;
      }
    }
  }
  s.grantStart[count] = granting;
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
  grants: LoneGrants,
  burst: InputBurst,
): void {
  const q = ctx.digitalQueues;
  const s = ctx.unitRun;
  const finish = ctx.rowScratch;
  const inj = ctx.injection;
  if (s.arrival.length < finish.length) (s.arrival = new Float64Array(finish.length)), (s.ready = new Float64Array(finish.length));
  let runInputs = 0;
  for (let m = first; m <= last; m++) runInputs += (ctx.layers[m] as LayerStatic).inputRowSources.length;
  if (s.layer.length <= last - first || s.producer.length < runInputs) Object.assign(s, memberArrays(2 * (last - first + 1), 2 * runInputs));
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
    s.fixed[j] = fixedCycles(ctx, placement, mappings, choices, traffic, storedBits, x);
    const ops = digitalRowJob(ctx, placement, x, q);
    s.ops[j] = ops;
    s.lead[j] = s.fixed[j] - ops;
    if (ops > 0) {
      tile = q.jobTiles[0] as number;
      unitShared(q);
      lastOwn = ops * x.outRows;
      lastLoad = takeRemainingLoad(ctx, placement, x, q, ops);
    }
    s.paced[j] = rowPacedCycles(x, stages[m], ctx.loneTerms, burst);
    s.rows[j] = x.outRows;
    s.base[j] = x.rowOffset;
    s.inputStart[j] = inputs;
    // Its rows' inputs made before the run, folded into one time per row (NOTE: one pass over each input's rows);
    // the inputs made in the run are read as they are made, where they are made (unitRunEnd).
    const ready = s.ready;
    const base = x.rowOffset;
    ready.fill(0, base, base + x.outRows);
    for (let k = 0; k < x.inputRowSources.length; k++) {
      const source = x.inputRowSources[k] as number;
      const need = x.needRows[k] as Int32Array;
      let producer = -1;
      for (let p = 0; p < j; p++) if (s.base[p] === source) producer = p;
      if (producer >= 0) {
        // A layer fused into a member's job has that member's rows: read them.
        const host = s.aliasOf[producer] as number;
        // The producer's rows are granted into this reader's channel slots (docs/hardware-model.md rule 7, "Grants in
        // a run"); read through a follower's rows, the grant is the follower's channel's, not seen here.
        s.slots[inputs] = (s.follows[producer] as number) !== 0 ? 0 : grantSlots(ctx, placement, storedBits, x, k, s.rows[producer] as number, placement.layerTiles[x.index]?.[0] ?? 0);
        if (host >= 0) producer = host;
        s.producer[inputs] = producer;
        s.source[inputs] = s.base[producer] as number;
        s.low[inputs] = x.lowRows[k] as Int32Array;
        s.need[inputs++] = need;
        continue;
      }
      const delay = delayCycles(ctx, placement, x, k);
      // A row read on another tile is there a delay after it starts to leave its own (injection.ts).
      const from = delay > 0 ? inj.sent : finish;
      for (let i = 0; i < x.outRows; i++) {
        const needed = need[i] as number;
        const arrived = source < 0 ? (needed + 1) * inputRowCycles : (from[source + needed] as number) + delay;
        if (arrived > (ready[base + i] as number)) ready[base + i] = arrived;
      }
    }
    resetMemberSchedule(s, j, grants.held[x.index] !== 0 ? x.index : -1);
    // A layer whose ops are in a member's job, reading that member's rows one for one (a follower), has its rows (no
    // time of its own: rowFixedCycles and rowIntervalCycles are 0); copied after the schedule. A held follower's rows
    // are held as they are made, so its readers in the run read them held (as the plain reference has them): it is
    // scheduled as a member without a job. Aliased, they read its host's rows unheld (PUMA ResNet-50, seed 10 of
    // test/model-latency-reference.test.ts's plans: layer3.3.conv1's last row 952 cycles early).
    s.aliasOf[j] = -1;
    s.follows[j] = 0;
    if (x.inHostJob && x.identityNeed && inputs - (s.inputStart[j] as number) === 1 && x.inputRowSources.length === 1) {
      s.follows[j] = 1;
      if (grants.held[x.index] === 0) {
        s.aliasOf[j] = s.producer[inputs - 1] as number;
        s.next[j] = x.outRows;
      }
      // Its rows are its host's, sent as the host's: no channel of its own.
      s.slots[inputs - 1] = 0;
    }
  }
  s.inputStart[count] = inputs;
  indexGrants(s, count, inputs);
  // The unit's load per image beyond the run (the layers after it there), which paces the members' rows.
  const afterRun = lastLoad - lastOwn;
  let scheduled = 0;
  // Members reading at a port the network input floods (input-burst.ts): their rows wait there.
  let flooded: InputBurst | undefined;
  for (let j = 0; j < count; j++) {
    const x = ctx.layers[s.layer[j] as number] as LayerStatic;
    if (burst.peakCycles[x.index] !== 0) flooded = burst;
    const ops = s.ops[j] as number;
    s.interval[j] = rowIntervalCycles(x, stages[x.index], ops > 0 ? ops * x.outRows + afterRun : 0, ctx.loneTerms, burst);
    if ((s.aliasOf[j] as number) < 0) s.order[scheduled++] = j;
  }
  if (scheduled === 2 && (s.ops[s.order[0] as number] as number) > 0 && (s.ops[s.order[1] as number] as number) > 0 && readsOnly(s, s.order[1] as number, s.order[0] as number)) {
    scheduleTwo(s, finish, q, tile, s.order[0] as number, s.order[1] as number, grants, flooded);
  } else {
    scheduleMembers(s, finish, q, tile, count, grants, flooded);
  }
  for (let j = 0; j < count; j++) {
    const host = s.aliasOf[j] as number;
    if (host >= 0) finish.copyWithin(s.base[j] as number, s.base[host] as number, (s.base[host] as number) + (s.rows[j] as number));
  }
  // The members' jobs join the unit's queue (in arrival order, as served) for the layers after the run.
  for (let j = 0; j < count; j++) {
    const ops = s.ops[j] as number;
    if (ops <= 0) continue;
    const rows = s.rows[j] as number;
    const base = s.base[j] as number;
    q.jobTiles[0] = tile;
    if (q.jobTiles.length !== 1) q.jobTiles.length = 1;
    reservePending(q, rows);
    // NOTE: a copy loop, not set(subarray()): no view allocated per member.
    const pending = q.pending;
    const arrival = s.arrival;
    for (let i = 0; i < rows; i++) pending[i] = arrival[base + i] as number;
    q.pendingCount = rows;
    addRowJobs(q, ops, true);
  }
}
