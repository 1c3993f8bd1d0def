import { applySetOverrides } from '../arch/overrides';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { mvmStepTimeline } from '../sim/compute';
import { resolveNetwork } from '../workloads/shapes';
import type { Network } from '../workloads/types';
import { uncontendedArch } from './helpers/model-fixtures';

describe('simulated compute: step-level events against the closed forms', () => {
  test.each([0, 1, 2])('a replica alone on its ADC: p MVMs take p x (S + fill) x t exactly (fill %i)', (fill) => {
    for (const [mvms, steps, t] of [[1, 8, 64], [5, 8, 100], [3, 16, 7]] as const) {
      expect(mvmStepTimeline([mvms], steps, fill, [t], [t])).toEqual([mvms * (steps + fill) * t]);
    }
  });

  test('replicas sharing one ADC: the ADC serialises their conversions; the job-level reservation is within one sweep', () => {
    // Two replicas, 4 MVMs each, 8 steps, own sweep 64, on one ADC. Step-level: the ADC converts 2 x 4 x 8 steps of
    // 64 cycles after the first read (64), idles one sweep where both replicas are between MVMs, and ends with one
    // shift-and-add sweep: 64 + 4096 + 64 + 64.
    const events = mvmStepTimeline([4, 4], 8, 2, [64, 64], [64, 64]);
    expect(Math.max(...events)).toBe(64 + 2 * 4 * 8 * 64 + 64 + 64);
    // Job-level (sim/compute.ts reserveSharedAdcs): the second job's conversions follow the first's, no idle sweep:
    // one sweep (1.5%) earlier than the step-level makespan.
    const firstJobEnd = 64 + 4 * 8 * 64;
    const secondJobEnd = firstJobEnd + 4 * 8 * 64;
    expect(Math.max(...events) - (secondJobEnd + 64)).toBe(64);
    // Alone, each would take 4 x 10 x 64 = 2560; sharing: 4224 for both, not 2 x 2560 (fills overlap).
    expect(Math.max(...events)).toBeLessThan(2 * 4 * 10 * 64);
  });
});

/* The hand-worked layer of test/arch-adc-sharing.test.ts (one 64-column crossbar per replica, 64 pixels). */
function oneConv(): Network {
  return {
    name: 'one-conv',
    input: { channels: 8, height: 8, width: 8 },
    layers: [{ kind: 'conv', name: 'c', inputs: ['input'], outChannels: 16, kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], dilation: [1, 1], groups: 1, bias: false }],
  };
}

describe('simulated ADC sharing against the model (uncontended chip)', () => {
  const net = resolveNetwork(oneConv());
  test.each([
    [1, 2],
    [2, 2],
    [2, 4],
    [8, 8],
  ])('k=%i crossbars per ADC, %i replicas: simulated interval within 3%% of the model stage', async (k, r) => {
    const arch = applySetOverrides(uncontendedArch('puma'), ['adc.sampleRateGsps=1', `adc.crossbarsPerAdc=${k}`]);
    const choices = { wbits: [8], abits: [8], replicas: [r] };
    const model = evaluateModel(prepareModel(arch, net), choices);
    const sim = await simulate(arch, net, choices, { images: 8 });
    expect(Math.abs(sim.intervalCycles / model.bottleneckCycles - 1)).toBeLessThan(0.03);
    if (k > 1) expect(sim.bottleneck.kind).toBe('shared-adc');
  });
});
