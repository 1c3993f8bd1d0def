import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { evaluateModelLatencyLater } from '../optimizer/model/evaluate';
import { replicateForPrecisions } from '../optimizer/replication/replicate';
import type { ObjectiveSpec } from '../optimizer/replication/objective';
import { baselineChoices, bitsAt, type PlanChoices } from '../arch/plan';
import { packingLadder } from '../arch/packing-choice';
import { cachedMapping } from '../optimizer/model/context';

/** Mixed bits: 8 at the ends, 3..6 in between (a plan the search would try). */
function mixed(n: number, shift: number): { wbits: number[]; abits: number[] } {
  const bits = (i: number): number => (i === 0 || i === n - 1 ? 8 : 3 + ((i + shift) % 4));
  return { wbits: Array.from({ length: n }, (_, i) => bits(i)), abits: Array.from({ length: n }, (_, i) => bits(i + 1)) };
}

describe('evaluations with the latency left for later (the throughput passes of replication)', () => {
  test('once completed, the figures are evaluateModel\'s; before, only the latency is missing', () => {
    // ResNet-18 on PUMA (one packing) and DeiT-Tiny on xformer (a packing ladder: the latency chooses, so it comes complete).
    for (const [name, archName] of [['resnet18', 'puma'], ['deit-tiny', 'xformer']] as const) {
      const net = resolveNetwork(zooNetwork(name));
      const ctx = prepareModel(presetArch(archName), net);
      const n = net.weightedIndices.length;
      const plans: PlanChoices[] = [baselineChoices(n), { ...mixed(n, 1), replicas: Array.from({ length: n }, (_, i) => (i === 1 ? 2 : 1)) }];
      for (const choices of plans) {
        const full = evaluateModel(ctx, choices);
        const later = evaluateModelLatencyLater(ctx, choices);
        if (archName === 'puma') {
          expect(later.result.latencyCycles).toBeNaN();
          expect({ ...later.result, latencyCycles: full.latencyCycles, latencyS: full.latencyS }).toEqual(full);
        }
        expect(later.withLatency()).toEqual(full);
        expect(later.withLatency()).toBe(later.result);
      }
    }
  });

  test('a plan with two packings at one capacity (a load-aware one and the plain one): the latency waits when one is fastest alone', () => {
    const net = resolveNetwork(zooNetwork('resnet18'));
    const arch = presetArch('isaac');
    const ctx = prepareModel(arch, net);
    const n = net.weightedIndices.length;
    let twoPackings = 0;
    let waited = 0;
    for (let shift = 0; shift < 24; shift++) {
      const choices: PlanChoices = { ...mixed(n, shift), replicas: Array.from({ length: n }, (_, i) => 1 + ((i * 7 + shift) % 5 === 0 ? 1 + (shift % 3) : 0)) };
      const mappings = net.weightedIndices.map((_, pos) => cachedMapping(ctx, pos, bitsAt(choices.wbits, pos), bitsAt(choices.abits, pos)));
      let ladder: number;
      try {
        ladder = packingLadder(arch, net, ctx.flow, mappings, choices.replicas, ctx.placement, choices.productBits).length;
      } catch {
        continue;
      }
      if (ladder < 2) continue;
      twoPackings++;
      const full = evaluateModel(ctx, choices);
      const later = evaluateModelLatencyLater(ctx, choices);
      if (Number.isNaN(later.result.latencyCycles)) {
        waited++;
        expect({ ...later.result, latencyCycles: full.latencyCycles, latencyS: full.latencyS }).toEqual(full);
      }
      expect(later.withLatency()).toEqual(full);
    }
    expect(twoPackings).toBeGreaterThan(0);
    expect(waited).toBeGreaterThan(0);
  });

  test('replication returns the full model of the plan it chose, at each objective', () => {
    const net = resolveNetwork(zooNetwork('resnet18'));
    const ctx = prepareModel(presetArch('puma'), net);
    const n = net.weightedIndices.length;
    const base = evaluateModel(ctx, baselineChoices(n));
    for (const kind of ['throughput', 'latency'] as const) {
      const spec: ObjectiveSpec = { kind, mixWeight: 0.5, refBottleneckCycles: base.bottleneckCycles, refLatencyProxyCycles: base.latencyCycles };
      for (const shift of [0, 1, 2]) {
        const plan = replicateForPrecisions(ctx, mixed(n, shift), base.coresUsed, spec, { refLatencyCycles: base.latencyCycles });
        expect(plan.model.latencyCycles).toBeGreaterThan(0);
        expect(plan.model).toEqual(evaluateModel(ctx, plan.choices));
      }
    }
  });
});
