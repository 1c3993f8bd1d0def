/**
 * Simulated compute (docs/hardware-model.md rule 5): a replica's DACs, crossbars and sample-and-hold (its read
 * pipeline), the ADCs (its own, or shared with other replicas' crossbars) and its shift-and-add units, as
 * resources whose reservations give each row job's times.
 *
 * An MVM streams S = ceil(abits / dacBits) x rowGroups input steps. Each step the DACs drive one slice of the input
 * bits onto the rows, the crossbars are read, the sample-and-hold latches the columns, and the ADCs convert them
 * while the next step's read proceeds (sample-and-hold overlap); the shift-and-add units then add the converted
 * values into the outputs. A step takes the replica's own sweep t = (its crossbars on its fullest ADC) x usedCols /
 * rate; the fill sweeps (the first read, the last pipeline stage) add `fill` x t per MVM. Each converted step is a
 * work item of a = shiftAddCyclesPerMvm / S cycles on the replica's shift-and-add units (a FIFO after the ADCs' output
 * registers): when they are slower than the conversions, they set the pace; when faster, only the last step's
 * additions follow the MVM. An ADC shared with other replicas' crossbars (adc.crossbarsPerAdc > 1) converts their
 * steps too: a FIFO server, and a replica's steps wait for it.
 *
 * Granularity: one reservation per row job (pixels x S steps), not one event per step. For a replica alone on its
 * ADCs the closed forms (crossbars: pixels x (S + fill) x t; shift-and-add: shiftAddEnd) are exact against the
 * step-level events of stepEvents below (test/sim-compute.test.ts); on a shared ADC a job reserves pixels x S x t of
 * conversions at once, so replicas take the ADC in turns of whole jobs instead of step by step: the same ADC work,
 * so the same throughput, and each job ends no later than the step-interleaved one would have ended the turn.
 */
import type { ArchSpec } from '../arch/types';
import type { LayerCrossbarMapping } from '../arch/mapping';
import { shiftAddCyclesPerMvm, sweepCycles } from '../arch/timing';
import type { Environment } from './kernel/env';
import { Server } from './kernel/resource';

/** One ADC shared by crossbars of several replicas: serves conversion time (cycles) in FIFO order. */
export class SharedAdc extends Server {
  constructor(env: Environment, label: string) {
    super(env, label, { cyclesPerUnit: 1 });
  }
}

/**
 * A replica's shift-and-add units (all of its crossbars', working as one): a FIFO of converted
 * steps, `stepCycles` each, in the order the ADCs deliver them.
 */
export class ShiftAddUnits extends Server {
  constructor(
    env: Environment,
    label: string,
    /** Cycles of one step's additions (shiftAddCyclesPerMvm / S). */
    readonly stepCycles: number,
  ) {
    super(env, label, { cyclesPerUnit: 1 });
  }

  /**
   * Adds a row job's `items` converted steps, the first ready at `first`, the last at `last`, `spacing` apart within
   * an MVM of `steps` steps; returns (and sets `lastEnd` to) the cycle the last addition ends.
   */
  addSteps(items: number, steps: number, spacing: number, first: number, last: number): number {
    const c = this.clock;
    const end = shiftAddEnd(c.freeAt, items, steps, spacing, this.stepCycles, first, last);
    const work = items * this.stepCycles;
    c.book(items, work, Math.max(0, end - work - first), end);
    return c.lastEnd;
  }
}

/**
 * When a FIFO server of `a` cycles per item, free from `freeAt`, finishes n items that arrive as MVMs of `steps`
 * items `spacing` apart, the first at `first` and the last at `last` (items of MVM p at base_p + s x spacing, base_p
 * rising by a whole MVM). A FIFO's last departure is max over items k of (arrival_k + (n - k) a), and max(freeAt +
 * n a); the arrival pattern is linear in the MVM index and in the step index, so the maximum sits at a corner: the
 * first or last MVM, its first or last step (the first MVM's last step never wins: MVMs follow each other at least
 * steps x spacing apart).
 */
export function shiftAddEnd(freeAt: number, n: number, steps: number, spacing: number, a: number, first: number, last: number): number {
  return Math.max(freeAt + n * a, first + n * a, last - (steps - 1) * spacing + steps * a, last + a);
}

/** A replica's share of one shared ADC: the ADC and the cycles one streamed step of this replica needs on it. */
export interface AdcShare {
  adc: SharedAdc;
  stepCycles: number;
}

/** Compute components and timing of one replica, built from its crossbars' positions. */
export interface ReplicaCompute {
  /** Streamed steps per MVM (DAC input slices x row groups). */
  steps: number;
  /** Fill sweeps per MVM. */
  fillSweeps: number;
  /** The replica's own sweep: its crossbars on its fullest ADC. */
  sweepCycles: number;
  /** Pipeline time of one MVM alone: (steps + fill) x sweep. */
  mvmCycles: number;
  /** From an MVM's start to its first step's values reaching the shift-and-add units. */
  firstOutputCycles: number;
  /** ADCs it shares with other replicas (empty without sharing). */
  shared: AdcShare[];
  shiftAdd: ShiftAddUnits;
  /** When the input read of the job whose MVMs are booked next ends (sim/row-jobs.ts: its last MVM follows it). */
  readEnd: number;
}

/**
 * From an MVM's start until step s's converted values reach the shift-and-add units: the first read (one sweep
 * when there are fill sweeps), s + 1 conversions, and the fill's later pipeline stages (fill - 1 sweeps). The
 * last step's values arrive as the MVM's pipeline time ends.
 */
export function stepOutputCycles(s: number, fillSweeps: number, sweep: number): number {
  return (fillSweeps > 0 ? sweep : 0) + (s + 1) * sweep + Math.max(0, fillSweeps - 1) * sweep;
}

/**
 * Builds the compute of a layer's `replicas` replicas: crossbars firstCrossbar.. (a layer's first crossbar sits at
 * a core's start, so groups of adc.crossbarsPerAdc never mix layers), replica j on crossbars [j c, (j + 1) c).
 * Groups touched by one replica only stay inside its own sweep; groups shared by several become SharedAdc servers.
 */
export function buildReplicaCompute(
  env: Environment,
  arch: ArchSpec,
  m: LayerCrossbarMapping,
  layerName: string,
  replicas: number,
  firstCrossbar: number,
): ReplicaCompute[] {
  const k = arch.adc.crossbarsPerAdc;
  const c = m.crossbarsPerReplica;
  const fill = arch.core.mvmFillSweeps;
  const steps = m.sweepsPerMvm - fill;
  const addStep = shiftAddCyclesPerMvm(arch, m) / steps;
  // Crossbars of each replica on each group, and the replicas on each group.
  const perReplica: Array<Map<number, number>> = [];
  const users = new Map<number, number>();
  for (let j = 0; j < replicas; j++) {
    const groups = new Map<number, number>();
    for (let x = 0; x < c; x++) {
      const g = Math.floor((firstCrossbar + j * c + x) / k);
      groups.set(g, (groups.get(g) ?? 0) + 1);
    }
    for (const g of groups.keys()) users.set(g, (users.get(g) ?? 0) + 1);
    perReplica.push(groups);
  }
  const adcs = new Map<number, SharedAdc>();
  return perReplica.map((groups, j) => {
    let own = 0;
    const shared: AdcShare[] = [];
    for (const [g, n] of groups) {
      const t = sweepCycles(arch, m.usedColsPerCrossbar, n);
      own = Math.max(own, t);
      if ((users.get(g) ?? 0) > 1) {
        let adc = adcs.get(g);
        if (adc === undefined) adcs.set(g, (adc = new SharedAdc(env, `ADC ${g - Math.floor(firstCrossbar / k)} of ${layerName}`)));
        shared.push({ adc, stepCycles: t });
      }
    }
    return {
      steps,
      fillSweeps: fill,
      sweepCycles: own,
      mvmCycles: (steps + fill) * own,
      firstOutputCycles: stepOutputCycles(0, fill, own),
      shared,
      shiftAdd: new ShiftAddUnits(env, `shift-and-add of ${layerName} replica ${j}`, addStep),
      readEnd: 0,
    };
  });
}

/**
 * Reserves the shared ADCs for a row job of `pixels` MVMs whose crossbar pipeline starts at `start`; returns the
 * cycle its last conversion ends plus the pipeline's later fill stages (0 when it shares no ADC).
 */
export function reserveSharedAdcs(rc: ReplicaCompute, pixels: number, start: number): number {
  let end = 0;
  for (const s of rc.shared) {
    s.adc.serve(pixels * rc.steps * s.stepCycles, start);
    end = Math.max(end, s.adc.lastEnd);
  }
  return end > 0 ? end + Math.max(0, rc.fillSweeps - 1) * rc.sweepCycles : 0;
}

/**
 * Reserves the shift-and-add units for a row job of `pixels` MVMs whose crossbar pipeline ran from `mvmStart` to
 * `mvmEnd`; returns the cycle the job's last addition ends (the row's values are complete).
 */
export function reserveShiftAdd(rc: ReplicaCompute, pixels: number, mvmStart: number, mvmEnd: number): number {
  return rc.shiftAdd.addSteps(pixels * rc.steps, rc.steps, rc.sweepCycles, mvmStart + rc.firstOutputCycles, mvmEnd);
}

/** One replica's row jobs for stepEvents: MVM counts, and the cycle each job may start at the earliest. */
export interface StepReplica {
  jobs: ReadonlyArray<{ mvms: number; release: number }>;
  /** Its own sweep (read; conversion on its own ADCs). */
  sweep: number;
  /** Cycles one of its steps takes on the ADC its crossbars share (its own sweep without sharing). */
  adcStep: number;
  /** Cycles of one step's additions on its shift-and-add units. */
  addStep: number;
}

/**
 * Step-level events of replicas whose conversions share one ADC (one replica: its own ADCs), for checking the
 * closed forms. A job starts at its release or when the replica's previous job leaves the crossbars. Each MVM's
 * step: the DACs drive the step's input slice and the crossbars are read (one sweep, before the first step only
 * when there are fill sweeps: later reads overlap the conversions), the sample-and-hold latches the columns, the
 * ADC converts them (FIFO by ready time, then replica); the next step's read runs during this conversion and is
 * latched when it ends, and the pipeline never goes faster than one step per sweep. Each step's values reach the
 * replica's shift-and-add units (FIFO) fill - 1 sweeps after its conversion; the MVM leaves the crossbars then too.
 * Returns per replica per job: the cycle it left the crossbars, and the cycle its last addition ended.
 */
export function stepEvents(replicas: readonly StepReplica[], steps: number, fillSweeps: number): Array<Array<{ mvmEnd: number; addEnd: number }>> {
  const n = replicas.length;
  const out = replicas.map(() => [] as Array<{ mvmEnd: number; addEnd: number }>);
  const job = new Array<number>(n).fill(0);
  const mvmLeft = replicas.map((r) => r.jobs[0]?.mvms ?? 0);
  const step = new Array<number>(n).fill(0);
  const ready = replicas.map((r) => (r.jobs[0]?.release ?? 0) + (fillSweeps > 0 ? r.sweep : 0));
  const addFree = new Array<number>(n).fill(0);
  const tail = Math.max(0, fillSweeps - 1);
  let adcFree = 0;
  for (;;) {
    let pick = -1;
    for (let r = 0; r < n; r++) {
      if ((job[r] as number) >= (replicas[r] as StepReplica).jobs.length) continue;
      if (pick < 0 || (ready[r] as number) < (ready[pick] as number)) pick = r;
    }
    if (pick < 0) break;
    const rep = replicas[pick] as StepReplica;
    const t = rep.sweep;
    const convStart = Math.max(ready[pick] as number, adcFree);
    const convEnd = convStart + rep.adcStep;
    adcFree = convEnd;
    const addStart = Math.max(convEnd + tail * t, addFree[pick] as number);
    addFree[pick] = addStart + rep.addStep;
    const nextReady = Math.max(convEnd, convStart + t);
    step[pick] = (step[pick] as number) + 1;
    if ((step[pick] as number) < steps) {
      ready[pick] = nextReady;
      continue;
    }
    step[pick] = 0;
    const done = nextReady + tail * t;
    mvmLeft[pick] = (mvmLeft[pick] as number) - 1;
    if ((mvmLeft[pick] as number) > 0) {
      ready[pick] = done + (fillSweeps > 0 ? t : 0);
      continue;
    }
    (out[pick] as Array<{ mvmEnd: number; addEnd: number }>).push({ mvmEnd: done, addEnd: addFree[pick] as number });
    job[pick] = (job[pick] as number) + 1;
    const next = rep.jobs[job[pick] as number];
    if (next !== undefined) {
      mvmLeft[pick] = next.mvms;
      ready[pick] = Math.max(next.release, done) + (fillSweeps > 0 ? t : 0);
    }
  }
  return out;
}
