import { presetArch } from '../arch/presets';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';
import { prepareModel, evaluateModel } from '../optimizer/model';
import { evaluateModelLatencyLater } from '../optimizer/model/evaluate';
import { replicateForPrecisions } from '../optimizer/replication/replicate';
import type { ObjectiveSpec } from '../optimizer/replication/objective';
import { baselineChoices, type PlanChoices } from '../arch/plan';

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
