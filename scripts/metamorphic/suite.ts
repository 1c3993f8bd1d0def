/**
 * Metamorphic checks: more of a resource never makes a plan slower. Each relation raises one resource of the
 * architecture (NoC bandwidth, flit width, router latency down, eDRAM capacity and ports, digital ops, ADC rate and
 * count, off-chip bandwidth) and checks, for a network's baseline plan (8/8 bits, r = 1) and its replicated plan
 * (the exact replication of optimize's "replication only" row on the baseline's tiles), that throughput does not
 * drop and latency does not rise by more than TOLERANCE, in the analytical model and (optionally) the simulator.
 */
import type { ArchSpec } from '../../arch/types';
import { baselineChoices, type PlanChoices } from '../../arch/plan';
import { applySetOverrides } from '../../arch/overrides';
import { evaluateModel, prepareModel } from '../../optimizer/model';
import { replicateForPrecisions } from '../../optimizer/replication/replicate';
import { simulateSettled } from '../../sim/settle';
import { DeadlockError } from '../../errors';
import type { ResolvedNetwork } from '../../workloads/types';

export const TOLERANCE = 0.005;

export interface Relation {
  name: string;
  /** `--set` assignments that give the chip more of one resource. */
  sets: (arch: ArchSpec) => string[];
}

/** One relation per resource the issue names; each doubles the resource (or removes a router cycle). */
export const RELATIONS: readonly Relation[] = [
  { name: 'NoC link bandwidth x2', sets: (a) => [`noc.linkFlitsPerCycle=${a.noc.linkFlitsPerCycle * 2}`] },
  { name: 'flit width x2', sets: (a) => [`noc.flitBits=${a.noc.flitBits * 2}`] },
  { name: 'router latency -1 cycle', sets: (a) => [`noc.routerLatencyCycles=${Math.max(0, a.noc.routerLatencyCycles - 1)}`] },
  { name: 'eDRAM capacity x2', sets: (a) => [`tile.edram.capacityKb=${a.tile.edram.capacityKb * 2}`] },
  { name: 'eDRAM ports x2', sets: (a) => [`tile.edram.accessesPerCycle=${a.tile.edram.accessesPerCycle * 2}`] },
  { name: 'digital ops x2', sets: (a) => [`tile.digital.opsPerCycle=${a.tile.digital.opsPerCycle * 2}`] },
  { name: 'ADC sample rate x2', sets: (a) => [`adc.sampleRateGsps=${a.adc.sampleRateGsps * 2}`] },
  { name: 'ADCs per crossbar x2', sets: (a) => [`adc.perCrossbar=${Math.min(a.crossbar.cols, a.adc.perCrossbar * 2)}`] },
  { name: 'off-chip bandwidth x2', sets: (a) => [`offChip.bandwidthGBps=${a.offChip.bandwidthGBps * 2}`] },
];

export interface Figures {
  throughputImagesPerS: number;
  latencyCycles: number;
  /** Simulated: the steady-state throughput's relative spread (sim/steady-state.ts) and whether it settled. */
  spread?: number;
  settled?: boolean;
}

export interface Violation {
  network: string;
  plan: string;
  relation: string;
  side: 'model' | 'simulator';
  before: Figures;
  after: Figures;
  /** after / before - 1 */
  throughputChange: number;
  latencyChange: number;
  /** Set when a run failed instead (a simulator deadlock): the first line of its error. */
  error?: string;
}

/** The two plans the suite checks for a network on `arch` (whose chip.tiles is the plan's chip). */
export function suitePlans(arch: ArchSpec, net: ResolvedNetwork): Array<{ name: string; arch: ArchSpec; choices: PlanChoices }> {
  const n = net.weightedIndices.length;
  const baseline = baselineChoices(n);
  // The baseline's tiles on a chip large enough for it (VGG-16 needs 360 of ISAAC's 168), as reproduce does.
  const roomy: ArchSpec = { ...arch, chip: { ...arch.chip, tiles: Math.max(arch.chip.tiles, 4096) } };
  const base = evaluateModel(prepareModel(roomy, net), baseline);
  // As optimize does: every variant on a chip of the baseline's tiles (iso-area).
  const chip: ArchSpec = { ...arch, chip: { ...arch.chip, tiles: base.tilesUsed } };
  const ctx = prepareModel(chip, net);
  const spec = { kind: 'throughput' as const, mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: 1 };
  const replicated = replicateForPrecisions(ctx, { wbits: baseline.wbits, abits: baseline.abits }, base.tilesUsed * arch.tile.cores, spec, {
    refLatencyCycles: base.latencyCycles,
  });
  return [
    { name: 'baseline', arch: chip, choices: baseline },
    { name: 'replication only', arch: chip, choices: replicated.choices },
  ];
}

/** Model figures, or simulated ones: `images` per stream, or as many as the interval needs to settle (sim/settle.ts). */
async function figures(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices, side: 'model' | 'simulator', images: number | undefined): Promise<Figures> {
  if (side === 'model') {
    const m = evaluateModel(prepareModel(arch, net), choices);
    return { throughputImagesPerS: m.throughputImagesPerS, latencyCycles: m.latencyCycles };
  }
  // latencyCycles is one image's alone (sim/simulate.ts; in a stream image 0 also waits for later images).
  const { sim: stream } = await simulateSettled(arch, net, choices, { images });
  return { throughputImagesPerS: stream.throughputImagesPerS, latencyCycles: stream.latencyCycles, spread: stream.steadyState.spread, settled: stream.steadyState.settled };
}

/** Runs `relations` on both plans of `net`; returns every violation (an empty list when the chip behaves). */
export async function checkNetwork(
  arch: ArchSpec,
  net: ResolvedNetwork,
  options: { sides: ReadonlyArray<'model' | 'simulator'>; relations?: readonly Relation[]; images?: number | undefined },
): Promise<{ checks: number; violations: Violation[] }> {
  const violations: Violation[] = [];
  let checks = 0;
  const none: Figures = { throughputImagesPerS: 0, latencyCycles: 0 };
  for (const plan of suitePlans(arch, net)) {
    for (const side of options.sides) {
      const failed = (relation: string, error: unknown): Violation => ({
        network: net.network.name, plan: plan.name, relation, side, before: none, after: none, throughputChange: 0, latencyChange: 0,
        error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
      });
      let before: Figures;
      try {
        before = await figures(plan.arch, net, plan.choices, side, options.images);
      } catch (error) {
        // A plan that runs in the model but deadlocks in the simulator is a defect of its own: reported, not skipped.
        if (!(error instanceof DeadlockError)) throw error;
        checks++;
        violations.push(failed('(the plan itself)', error));
        continue;
      }
      for (const relation of options.relations ?? RELATIONS) {
        const more = applySetOverrides(plan.arch, relation.sets(plan.arch));
        let after: Figures;
        checks++;
        try {
          after = await figures(more, net, plan.choices, side, options.images);
        } catch (error) {
          if (!(error instanceof DeadlockError)) throw error;
          violations.push(failed(relation.name, error));
          continue;
        }
        const throughputChange = after.throughputImagesPerS / before.throughputImagesPerS - 1;
        const latencyChange = after.latencyCycles / before.latencyCycles - 1;
        if (throughputChange < -TOLERANCE || latencyChange > TOLERANCE) {
          violations.push({ network: net.network.name, plan: plan.name, relation: relation.name, side, before, after, throughputChange, latencyChange });
        }
      }
    }
  }
  return { checks, violations };
}

export function describeViolation(v: Violation): string {
  if (v.error !== undefined) return `${v.network} ${v.plan} (${v.side}): ${v.relation}: ${v.error}`;
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
  // A simulated throughput is a measurement: say how far it could be off (the two runs' spreads added).
  const spread = (v.before.spread ?? 0) + (v.after.spread ?? 0);
  const unsettled = v.before.settled === false || v.after.settled === false ? ', a run NOT settled' : '';
  const measured = v.side === 'simulator' ? ` (throughput spread +-${(spread * 100).toFixed(2)}%${unsettled}${-v.throughputChange <= spread && v.latencyChange <= TOLERANCE ? ': within it' : ''})` : '';
  return `${v.network} ${v.plan} (${v.side}): ${v.relation}: throughput ${pct(v.throughputChange)}, latency ${pct(v.latencyChange)}${measured}`;
}
