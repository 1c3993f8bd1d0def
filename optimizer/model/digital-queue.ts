/**
 * The digital-unit queue of the single-image latency recurrence (docs/hardware-model.md rule 7). A tile's digital
 * unit serves row jobs first come, first served (the simulator's DigitalUnit): a layer's digital ops, a product's
 * ops after its array work, a fused activation's ops on its replicas' tiles. Layers sharing the unit queue behind
 * each other's rows within one image: a LayerNorm fed from off-chip faster than it computes fills GPT-2's tile 0
 * for 27,000 cycles while the attention products behind it wait (the row recurrence alone: 7.1% below the
 * simulated latency). The recurrence runs layer by layer, so each tile keeps the jobs of the layers it has done:
 * their arrivals in order with the unit's busy-until after each (Lindley: end_k = max(arrival_k, end_{k-1}) + ops_k),
 * and a later layer's row that arrives at a starts no sooner than the end of the last job that arrived by a. Rows
 * of later layers that arrive earlier are not seen (a lower bound of the FIFO wait), but for layers sharing a unit
 * one after another, which unit-run.ts schedules together.
 */
import type { Placement } from '../../arch/placement';
import type { DigitalQueues, LayerStatic, ModelContext } from './types';

/** Empty queues; a tile's arrays are made when it first gets a job (a probe chip may have 1e6 tiles). */
export function newDigitalQueues(): DigitalQueues {
  return { arrival: [], ops: [], end: [], length: [], touched: [], users: [], remaining: new Float64Array(0), jobTiles: [], pending: new Float64Array(64), pendingCount: 0, cursors: new Int32Array(8) };
}

export function clearDigitalQueues(q: DigitalQueues): void {
  for (let k = 0; k < q.touched.length; k++) q.length[q.touched[k] as number] = 0;
  q.touched.length = 0;
}

/** Jobs queued at `tile`'s unit (as plain arrays): arrivals and the unit's busy-until after each. */
export function queuedJobs(q: DigitalQueues, tile: number): { arrival: number[]; end: number[] } {
  const n = q.length[tile] ?? 0;
  return { arrival: Array.from((q.arrival[tile] ?? new Float64Array(0)).subarray(0, n)), end: Array.from((q.end[tile] ?? new Float64Array(0)).subarray(0, n)) };
}

/** Sets the arrivals of the rows about to be added (addRowJobs). */
export function setPending(q: DigitalQueues, arrivals: readonly number[]): void {
  q.pendingCount = 0;
  for (const a of arrivals) pushPending(q, a);
}

/** Empties the rows about to be added and makes room for `rows` of them (written as pending[i], then pendingCount). */
export function reservePending(q: DigitalQueues, rows: number): void {
  if (q.pending.length < rows) q.pending = new Float64Array(Math.max(rows, 2 * q.pending.length));
  q.pendingCount = 0;
}

/** Appends one row's arrival to the rows about to be added. */
export function pushPending(q: DigitalQueues, arrival: number): void {
  if (q.pendingCount === q.pending.length) {
    const grown = new Float64Array(2 * q.pending.length);
    grown.set(q.pending);
    q.pending = grown;
  }
  q.pending[q.pendingCount++] = arrival;
}

/**
 * Clears the queues and counts, per tile, the layers whose row jobs use its digital unit (layers in `layers` that
 * alias their producer's rows excepted: they do no work).
 */
export function countUnitUsers(ctx: ModelContext, placement: Placement, q: DigitalQueues): void {
  clearDigitalQueues(q);
  const users = q.users;
  // Only grown: a tile beyond this placement's is in no job.
  while (users.length < placement.tilesUsed) users.push(0);
  users.fill(0);
  for (const l of ctx.layers) {
    if (digitalRowJob(ctx, placement, l, q) <= 0) continue;
    for (const t of q.jobTiles) users[t] = (users[t] ?? 0) + 1;
  }
}

/**
 * After digitalRowJob for the layer about to run: 1 when its rows must see the queue (an earlier layer's jobs are
 * on one of its units) or feed it (a later layer uses one of them), else 0 (its unit is its own: the plain
 * recurrence holds). Counts the layer off its units.
 */
export function unitShared(q: DigitalQueues): boolean {
  let shared = false;
  for (const t of q.jobTiles) {
    const left = (q.users[t] ?? 0) - 1;
    q.users[t] = left;
    if (left > 0 || (q.length[t] ?? 0) > 0) shared = true;
  }
  return shared;
}

/**
 * A row job's digital ops per tile in cycles (0: none; q.jobTiles then untouched), its tiles into q.jobTiles: a digital layer's (and a
 * product's) ops on its host tile, with the ops fused into its output (those layers' rows have no job of their own); a fused activation's on the distinct tiles of its host's replicas that hold
 * pixels of a row, split evenly (rule 5); a recurrent layer's cell ops are in its step time (rule 3), not queued.
 */
export function digitalRowJob(ctx: ModelContext, placement: Placement, l: LayerStatic, q: DigitalQueues): number {
  // NOTE: q.jobTiles is left as it was for a layer without a job (every caller looks at it only after a job), and
  // its length set only when it changes: a set length is a runtime call, and set to 0 it drops the array's storage
  // (digitalRowJob runs for every layer several times an evaluation).
  if (l.digitalOps + l.hostedOps <= 0 || (l.role !== 'digital' && l.role !== 'fused') || l.inHostJob) return 0;
  const perRow = (l.digitalOps + l.hostedOps) / l.outRows / ctx.arch.tile.digital.opsPerCycle;
  if (l.role === 'fused') return perRow / fusedRowTiles(ctx, placement, l.index, l.outCols, q.jobTiles);
  q.jobTiles[0] = placement.layerTiles[l.index]?.[0] ?? 0;
  if (q.jobTiles.length !== 1) q.jobTiles.length = 1;
  return perRow;
}

/**
 * The distinct tiles (into `out`; at least one) whose digital units apply fused layer `index`'s ops to a row of
 * `cols` pixels: its host's replicas that hold pixels of the row (one for a token of a sequence without
 * replication, however many tiles the layer's crossbars span), or a digital host's tile. Returns their count.
 * NOTE: `out` is overwritten in place and never emptied first (an array set to length 0 drops its storage, and the
 * recurrence asks for every fused layer's tiles in every evaluation).
 */
export function fusedRowTiles(ctx: ModelContext, placement: Placement, index: number, cols: number, out: number[]): number {
  const host = ctx.flow.layers[index]?.storedAs ?? -1;
  const pos = ctx.layers[host]?.weightedPos ?? -1;
  const weighted = pos >= 0 ? placement.weighted[pos] : undefined;
  let n = 0;
  if (weighted === undefined) {
    out[n++] = placement.layerTiles[host]?.[0] ?? 0;
  } else {
    const used = Math.min(weighted.replicas, Math.max(1, cols));
    let last = -1;
    // Replica tiles ascend (replicas fill consecutive cores), so distinct tiles are counted by changes.
    for (let k = 0; k < used; k++) {
      const t = weighted.replicaTiles[k] ?? 0;
      if (t !== last) (out[n++] = t), (last = t);
    }
    if (n === 0) out[n++] = 0;
  }
  if (out.length !== n) out.length = n;
  return n;
}

/** The unit of `tile`'s busy-until after the jobs already added that arrived by `at` (0: none). */
export function busyUntil(q: DigitalQueues, tile: number, at: number): number {
  const arrival = q.arrival[tile];
  if (arrival === undefined) return 0;
  let lo = 0;
  let hi = q.length[tile] as number;
  // The first job arriving after `at`.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((arrival[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : ((q.end[tile] as Float64Array)[lo - 1] as number);
}

/** Starts busyUntilInOrder's searches over: the next row's arrival may come before the last one's. */
export function restartQueueCursors(q: DigitalQueues): void {
  if (q.cursors.length < q.jobTiles.length) q.cursors = new Int32Array(2 * q.jobTiles.length);
  q.cursors.fill(0, 0, q.jobTiles.length);
}

/**
 * busyUntil(q, q.jobTiles[k], at) for a layer's rows in arrival order (restartQueueCursors before the first, and
 * whenever an arrival is earlier than the last). NOTE: written for speed: the search for the first job arriving
 * after `at` goes on from where the last row's ended (q.cursors[k]), a step or two along a short queue, where a
 * bisection from scratch mispredicted most of its branches.
 */
export function busyUntilInOrder(q: DigitalQueues, k: number, at: number): number {
  const tile = q.jobTiles[k] as number;
  const arrival = q.arrival[tile];
  if (arrival === undefined) return 0;
  const n = q.length[tile] as number;
  let c = q.cursors[k] as number;
  while (c < n && (arrival[c] as number) <= at) c++;
  q.cursors[k] = c;
  return c === 0 ? 0 : ((q.end[tile] as Float64Array)[c - 1] as number);
}

/**
 * Adds a layer's row jobs (q.pending: arrivals, ascending; opsCycles each) to the queue of every tile in q.jobTiles;
 * with `laterOnly`, only of the tiles a later layer still uses (q.users after unitShared): no one reads the others.
 */
export function addRowJobs(q: DigitalQueues, opsCycles: number, laterOnly = false): void {
  const count = q.pendingCount;
  const pending = q.pending;
  // Row needs only move forward, so arrivals ascend; sort anyway where a layout makes them not.
  for (let k = 1; k < count; k++) if ((pending[k] as number) < (pending[k - 1] as number)) {
    pending.subarray(0, count).sort();
    break;
  }
  for (const tile of q.jobTiles) {
    if (laterOnly && (q.users[tile] ?? 0) <= 0) continue;
    addTileJobs(q, tile, pending, 0, count, opsCycles);
  }
}

/**
 * Adds `count` row jobs arriving at arrivals[from ..] (ascending), opsCycles each, to `tile`'s queue: addRowJobs for
 * one tile, read in place (the injection links' trains take their rows' ends as they are, no copy per sending tile).
 */
export function addTileJobs(q: DigitalQueues, tile: number, arrivals: Float64Array, from: number, count: number, opsCycles: number): void {
  const used = q.length[tile] ?? 0;
  if (used === 0) q.touched.push(tile);
  const size = used + count;
  q.length[tile] = size;
  let arrival = q.arrival[tile];
  let ops = q.ops[tile];
  let end = q.end[tile];
  if (arrival === undefined || ops === undefined || end === undefined || arrival.length < size) {
    // Grown to twice what is needed, the used part copied.
    const capacity = Math.max(64, 2 * size);
    const grow = (old: Float64Array | undefined): Float64Array => {
      const next = new Float64Array(capacity);
      if (old !== undefined) next.set(old.subarray(0, used));
      return next;
    };
    arrival = q.arrival[tile] = grow(arrival);
    ops = q.ops[tile] = grow(ops);
    end = q.end[tile] = grow(end);
  }
  // Merge the two ascending lists from the back, then redo the busy-until from the first merged position.
  let a = used - 1;
  let p = from + count - 1;
  let w = size - 1;
  while (p >= from) {
    if (a >= 0 && (arrival[a] as number) > (arrivals[p] as number)) {
      arrival[w] = arrival[a] as number;
      ops[w] = ops[a] as number;
      a--;
    } else {
      arrival[w] = arrivals[p] as number;
      ops[w] = opsCycles;
      p--;
    }
    w--;
  }
  let busy = w >= 0 ? (end[w] as number) : 0;
  for (let k = w + 1; k < size; k++) {
    const start = (arrival[k] as number) > busy ? (arrival[k] as number) : busy;
    busy = start + (ops[k] as number);
    end[k] = busy;
  }
}

/** Sets each tile's remaining digital-unit load to its whole per-image load (`digitalCycles`, by tile). */
export function startRemainingLoad(q: DigitalQueues, digitalCycles: Float64Array, tiles: number): void {
  if (q.remaining.length < tiles) q.remaining = new Float64Array(Math.max(tiles, 2 * q.remaining.length));
  q.remaining.set(digitalCycles.subarray(0, tiles));
}

/**
 * The digital-unit load per image left on the tiles layer `l`'s ops run on (q.jobTiles after digitalRowJob, or a
 * recurrent layer's replica tiles), the largest of them, its own ops included; then takes its ops off them. 0 for
 * a layer without ops: a weighted layer's fused activations are their own layer's rows.
 * Rows of earlier layers are in the queue; later layers' are not, so their load paces this one's rows instead.
 */
export function takeRemainingLoad(ctx: ModelContext, placement: Placement, l: LayerStatic, q: DigitalQueues, rowJobCycles: number): number {
  if (l.digitalOps + l.hostedOps <= 0 || l.inHostJob) return 0;
  let load = 0;
  if (l.role === 'weighted') {
    const pos = l.weightedPos;
    const weighted = pos >= 0 ? placement.weighted[pos] : undefined;
    if (weighted === undefined) return 0;
    const each = l.digitalOps / weighted.replicas / ctx.arch.tile.digital.opsPerCycle;
    for (const t of weighted.replicaTiles) load = Math.max(load, q.remaining[t] ?? 0);
    for (const t of weighted.replicaTiles) q.remaining[t] = (q.remaining[t] ?? 0) - each;
    return load;
  }
  const own = rowJobCycles * l.outRows;
  for (const t of q.jobTiles) {
    load = Math.max(load, q.remaining[t] ?? 0);
    q.remaining[t] = (q.remaining[t] ?? 0) - own;
  }
  return load;
}
