/**
 * Simulated compute (docs/hardware-model.md rule 5): a replica's crossbars with their DACs and sample-and-hold
 * (one pipeline per replica), and the ADCs, which several replicas may share.
 *
 * An MVM streams S = ceil(abits / dacBits) x rowGroups input steps. Each step reads the crossbars (DACs drive the
 * rows), the sample-and-hold latches the columns, and the ADC converts them while the next step's read proceeds;
 * shift-and-add combines the converted values. A replica's step takes its own sweep, t = (its crossbars on its
 * fullest ADC) x usedCols / rate; the fill sweeps (the first read, the last shift-and-add) add `fill` x t per MVM.
 * An ADC shared with other replicas' crossbars (adc.crossbarsPerAdc > 1) converts their steps too: it is a FIFO
 * server, and a replica's steps wait for it.
 *
 * Granularity: one reservation per row job (pixels x MVMs), not one event per step. For a replica alone on its
 * ADCs the closed form pixels x (S + fill) x t is exact against the step-level events (mvmStepTimeline below,
 * test/sim-compute.test.ts); on a shared ADC a job reserves pixels x S x t of conversions at once, so replicas take
 * the ADC in turns of whole jobs instead of step by step: the same ADC work, so the same throughput, and each job
 * ends no later than the step-interleaved one would have ended the turn.
 */
import type { ArchSpec } from '../arch/types';
import type { LayerCrossbarMapping } from '../arch/mapping';
import { sweepCycles } from '../arch/timing';
import type { Environment } from './kernel/env';
import { Server } from './kernel/resource';

/** One ADC shared by crossbars of several replicas: serves conversion time (cycles) in FIFO order. */
export class SharedAdc extends Server {
  constructor(env: Environment, label: string) {
    super(env, label, { cyclesPerUnit: 1 });
  }
}

/** A replica's share of one shared ADC: the ADC and the cycles one streamed step of this replica needs on it. */
export interface AdcShare {
  adc: SharedAdc;
  stepCycles: number;
}

/** Compute timing of one replica, built from its crossbars' positions. */
export interface ReplicaCompute {
  /** Streamed steps per MVM (input bits x row groups). */
  steps: number;
  /** Fill sweeps per MVM. */
  fillSweeps: number;
  /** The replica's own sweep: its crossbars on its fullest ADC. */
  sweepCycles: number;
  /** Pipeline time of one MVM alone: (steps + fill) x sweep. */
  mvmCycles: number;
  /** ADCs it shares with other replicas (empty without sharing). */
  shared: AdcShare[];
}

/**
 * Builds the ADC groups of a layer's `replicas` replicas: crossbars firstCrossbar.. (a layer's first crossbar sits
 * at a core's start, so groups of adc.crossbarsPerAdc never mix layers), replica j on crossbars
 * [j c, (j + 1) c). Groups touched by one replica only stay inside its own sweep; groups shared by several become
 * SharedAdc servers.
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
  const steps = m.sweepsPerMvm - arch.core.mvmFillSweeps;
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
  return perReplica.map((groups) => {
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
    return { steps, fillSweeps: arch.core.mvmFillSweeps, sweepCycles: own, mvmCycles: (steps + arch.core.mvmFillSweeps) * own, shared };
  });
}

/**
 * Reserves the shared ADCs for a row job of `pixels` MVMs whose crossbar pipeline starts at `start`; returns the
 * cycle its last conversion ends plus the shift-and-add tail (0 when it shares no ADC).
 */
export function reserveSharedAdcs(rc: ReplicaCompute, pixels: number, start: number): number {
  let end = 0;
  for (const s of rc.shared) {
    s.adc.serve(pixels * rc.steps * s.stepCycles, start);
    end = Math.max(end, s.adc.lastEnd);
  }
  // After its last conversion the job still has the last step's shift-and-add (fill sweeps beyond the first read).
  return end > 0 ? end + Math.max(0, rc.fillSweeps - 1) * rc.sweepCycles : 0;
}

/**
 * Step-level events of MVMs on replicas sharing one ADC, for checking the closed forms: replica r runs `mvms[r]`
 * MVMs back to back from cycle 0; each MVM's step s reads (one sweep when there are fill sweeps: the first read is
 * not hidden), holds, converts on the ADC (FIFO by request time, then replica), and the last step's shift-and-add
 * takes (fill - 1) sweeps. Reads overlap the previous step's conversion (sample-and-hold): step s + 1's read ends no
 * earlier than step s's conversion. Returns each replica's finish cycle.
 */
export function mvmStepTimeline(
  mvms: readonly number[],
  steps: number,
  fillSweeps: number,
  ownSweep: readonly number[],
  adcStepCycles: readonly number[],
): number[] {
  const n = mvms.length;
  const left = [...mvms];
  const step = new Array<number>(n).fill(0);
  // Cycle each replica's next conversion may start (its step's read done and S&H loaded).
  const ready = ownSweep.map((t) => (fillSweeps > 0 ? t : 0));
  const finish = new Array<number>(n).fill(0);
  let adcFree = 0;
  for (;;) {
    let pick = -1;
    for (let r = 0; r < n; r++) {
      if ((left[r] ?? 0) <= 0) continue;
      if (pick < 0 || (ready[r] as number) < (ready[pick] as number)) pick = r;
    }
    if (pick < 0) break;
    const t = ownSweep[pick] as number;
    const convStart = Math.max(ready[pick] as number, adcFree);
    const convEnd = convStart + (adcStepCycles[pick] as number);
    adcFree = convEnd;
    // The next step's read ran during this conversion; the S&H takes its values when the conversion ends, and the
    // replica's own pipeline never goes faster than one step per sweep.
    const nextReady = Math.max(convEnd, convStart + t);
    step[pick] = (step[pick] as number) + 1;
    if ((step[pick] as number) === steps) {
      step[pick] = 0;
      left[pick] = (left[pick] as number) - 1;
      const done = nextReady + Math.max(0, fillSweeps - 1) * t;
      finish[pick] = done;
      ready[pick] = done + (fillSweeps > 0 ? t : 0);
    } else {
      ready[pick] = nextReady;
    }
  }
  return finish;
}
