/**
 * What a row job costs on its tile's resources (docs/hardware-model.md rules 5 and 8): a replica's input read and
 * MVMs on its crossbars and ADCs, a digital layer's input read, its product on a MAC array or rewritten crossbars,
 * its ops and the activations fused into its output on the digital unit. Each function serves the job on the
 * resources (FIFO: it advances their clocks), charges the unit's stalls and busy time, and schedules the job's next
 * engine event; which event follows which is the dispatcher's (sim/engine.ts, its transition table).
 */
import type { ProductUnit } from './components';
import { reserveSharedAdcs, reserveShiftAdd } from './compute';
import { EV_COMPUTE_DONE, EV_DIGITAL_OPS, EV_FUSED_DONE, EV_MVM_START, EV_PRODUCT_DONE, EV_ROW_DONE } from './events';
import type { Environment } from './kernel/env';
import type { ServerClock } from './kernel/resource';
import type { SimLayer } from './topology';
import {
  C_DIGITAL, C_EDRAM, FUSED_IMAGE, FUSED_PIXELS, FUSED_ROW, JOB_IMAGE, JOB_PIXELS, JOB_ROW, JOB_STALL_CAUSE, JOB_STALL_CYCLES, JOB_START,
  type DigitalLayerUnit, type ReplicaUnit, type Unit,
} from './units';

/** The engine's clock, event handler and tile resources, as the row jobs use them. */
export interface JobSite {
  readonly env: Environment;
  /** The engine's one registered handler (events carry a unit id and an EV_* kind). */
  readonly hEvent: number;
  readonly products: readonly ProductUnit[];
  /**
   * Each tile's eDRAM port clock and digital unit clock (NOTE: written for speed: served directly, one class, not
   * through Server's accessors, whose `this.clock` load sees every kind of server and is megamorphic).
   */
  readonly portClocks: readonly ServerClock[];
  readonly digitalClocks: readonly ServerClock[];
  /** Energy of the product steps served so far, pJ. */
  productEnergyPj: number;
}

/** Records a started job until its row completes (see Unit.inFlight). */
function pushJob(u: Unit, n: number, i: number, pixels: number, start: number): void {
  const f = u.inFlight;
  const at = f.add();
  const d = f.data;
  d[at + JOB_IMAGE] = n;
  d[at + JOB_ROW] = i;
  d[at + JOB_PIXELS] = pixels;
  d[at + JOB_START] = start;
  d[at + JOB_STALL_CAUSE] = u.lastStallCause;
  d[at + JOB_STALL_CYCLES] = u.lastStallCycles;
}

/**
 * A replica's row job: its input vectors' read, then its MVMs (rule 5). The replica holds one row job's input ahead:
 * it is free for its next job's read (EV_COMPUTE_DONE) once this job's reads are done and its MVMs have started, so
 * the next read overlaps these MVMs. The MVMs start when the first vector is in and the crossbars are free; with
 * ADCs shared with other replicas they are booked at that cycle (EV_MVM_START), so sharers take the ADC in the
 * order their MVMs start, not the order their reads were asked for.
 */
export function startMvms(e: JobSite, u: ReplicaUnit, n: number, i: number, pixels: number): void {
  const now = e.env.now;
  const port = e.portClocks[u.tile] as ServerClock;
  const xbar = u.xbar.clock;
  // The crossbars' free cycle: a job read ahead waits for them, and only waits beyond it are stalls.
  const xbarFree = Math.max(now, xbar.freeAt);
  const readStart = port.serve(pixels * u.mvmReadBits, now);
  const readEnd = port.lastEnd;
  const firstIn = readStart + Math.ceil((readEnd - readStart) / pixels);
  const mvmStart = Math.max(firstIn, xbar.freeAt);
  (u.stall[C_EDRAM] as number) += Math.max(0, firstIn - xbarFree);
  u.active = true;
  pushJob(u, n, i, pixels, now);
  u.compute.readEnd = readEnd;
  if (u.compute.shared.length > 0) e.env.scheduleAt(mvmStart, e.hEvent, u.id, EV_MVM_START);
  else reserveMvms(e, u, pixels, mvmStart);
  // Scheduled after EV_MVM_START: at a tie it fires second, so the next job sees these MVMs booked.
  e.env.scheduleAt(Math.max(readEnd, mvmStart), e.hEvent, u.id, EV_COMPUTE_DONE);
}

/** EV_MVM_START: the newest job's MVMs start now on crossbars that share ADCs; books them. */
export function startSharedMvms(e: JobSite, u: ReplicaUnit): void {
  reserveMvms(e, u, u.inFlight.data[u.inFlight.newest() + JOB_PIXELS] as number, e.env.now);
}

/** Books a row job's MVMs from `mvmStart` on the crossbars, ADCs and shift-and-add units; schedules EV_ROW_DONE. */
function reserveMvms(e: JobSite, u: ReplicaUnit, pixels: number, mvmStart: number): void {
  const mvm = u.xbar.mvmCycles;
  const xbar = u.xbar.clock;
  xbar.serve(pixels, mvmStart);
  // ADCs shared with other replicas' crossbars take this job's conversions in turn (sim/compute.ts).
  const firstConversion = mvmStart + (u.compute.fillSweeps > 0 ? u.compute.sweepCycles : 0);
  const mvmEnd = Math.max(xbar.lastEnd, u.compute.readEnd + mvm, reserveSharedAdcs(u.compute, pixels, firstConversion));
  xbar.freeAt = mvmEnd;
  // Rule 5: the shift-and-add units take each converted step in turn; slower than the conversions, they set the
  // pace, else only the last step's additions follow the MVM.
  const finish = reserveShiftAdd(u.compute, pixels, mvmStart, mvmEnd);
  u.busyCycles += pixels * mvm;
  e.env.scheduleAt(finish, e.hEvent, u.id, EV_ROW_DONE);
}

/** A digital layer's step: its input read; schedules EV_DIGITAL_OPS. */
export function startDigital(e: JobSite, u: Unit, layer: SimLayer, n: number, i: number): void {
  const port = e.portClocks[u.tile] as ServerClock;
  const start = port.serve(layer.digitalReadBitsPerStep, e.env.now);
  (u.stall[C_EDRAM] as number) += start - e.env.now;
  u.active = true;
  pushJob(u, n, i, 0, e.env.now);
  e.env.scheduleAt(port.lastEnd, e.hEvent, u.id, EV_DIGITAL_OPS);
}

/**
 * A digital step's input is read: a product of two activations goes to its MAC array (or rewritten crossbars) and
 * schedules EV_PRODUCT_DONE (true: the unit stays busy); anything else queues its ops on the tile's digital unit and
 * schedules EV_ROW_DONE (false: the unit's next read may start).
 */
export function serveDigitalStep(e: JobSite, u: Unit): boolean {
  const layer = u.layer as SimLayer;
  if (layer.productResource >= 0) {
    // Rule 8: the product runs on its MAC array (or rewritten crossbars) first; the digital unit then applies
    // what is fused into its output path (productDone). Waiting for the array counts as a digital stall.
    const array = (e.products[layer.productResource] as ProductUnit).clock;
    const before = array.busyCycles;
    const start = array.serve(layer.productWorkPerStep, e.env.now);
    (u.stall[C_DIGITAL] as number) += start - e.env.now;
    u.busyCycles += array.busyCycles - before;
    e.productEnergyPj += layer.productEnergyPjPerStep;
    // One product row job per layer at a time: the unit stays busy until its row is through the array, so two
    // layers sharing it interleave row by row (an encoder's Q.K^T, whose rows are all ready at once, does not
    // queue its whole image ahead of A.V).
    e.env.scheduleAt(array.lastEnd, e.hEvent, u.id, EV_PRODUCT_DONE);
    return true;
  }
  const unit = e.digitalClocks[u.tile] as ServerClock;
  // The emitting step also applies the activations fused into this layer's output path (same unit, FIFO).
  const step = u.inFlight.data[u.inFlight.newest() + JOB_ROW] as number;
  const before = unit.busyCycles;
  const start = unit.serve(layer.digitalOpsPerStep + (step === layer.steps - 1 || !layer.accumulate ? layer.fusedOpsPerRow : 0), e.env.now);
  (u.stall[C_DIGITAL] as number) += start - e.env.now;
  u.busyCycles += unit.busyCycles - before;
  e.env.scheduleAt(unit.lastEnd, e.hEvent, u.id, EV_ROW_DONE);
  return false;
}

/**
 * A product step is through its array: its own and fused digital ops on the tile's digital unit, then EV_ROW_DONE.
 * False when it has none (the row is done now).
 */
export function serveProductOps(e: JobSite, u: DigitalLayerUnit): boolean {
  const layer = u.layer;
  const ops = layer.digitalOpsPerStep + layer.fusedOpsPerRow;
  if (ops <= 0) return false;
  const unit = e.digitalClocks[u.tile] as ServerClock;
  const before = unit.busyCycles;
  const start = unit.serve(ops, e.env.now);
  (u.stall[C_DIGITAL] as number) += start - e.env.now;
  u.busyCycles += unit.busyCycles - before;
  e.env.scheduleAt(unit.lastEnd, e.hEvent, u.id, EV_ROW_DONE);
  return true;
}

/**
 * Fused activations on a replica's own pixels of row (n, i), on its tile's digital unit, before the piece is sent
 * (rule 5): queued for EV_FUSED_DONE.
 */
export function serveFusedOps(e: JobSite, u: ReplicaUnit, n: number, i: number, pixels: number): void {
  const layer = u.layer;
  const unit = e.digitalClocks[u.tile] as ServerClock;
  const share = layer.kind === 'conv' ? pixels / layer.outCols : 1;
  const opsStart = unit.serve(layer.fusedOpsPerRow * share, e.env.now);
  (u.stall[C_DIGITAL] as number) += opsStart - e.env.now;
  const q = u.fusedQueue;
  const at = q.add();
  q.data[at + FUSED_IMAGE] = n;
  q.data[at + FUSED_ROW] = i;
  q.data[at + FUSED_PIXELS] = pixels;
  e.env.scheduleAt(unit.lastEnd, e.hEvent, u.id, EV_FUSED_DONE);
}
