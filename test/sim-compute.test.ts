import { applySetOverrides } from '../arch/overrides';
import { evaluateModel, prepareModel } from '../optimizer/model';
import { simulate } from '../sim';
import { SharedAdc, shiftAddEnd, stepEvents, stepOutputCycles } from '../sim/compute';
import { resolveNetwork } from '../workloads/shapes';
import type { Network } from '../workloads/types';
import { uncontendedArch } from './helpers/model-fixtures';

/** The job-level reservations of sim/compute.ts for one replica alone on its ADCs, chained over its jobs. */
function jobLevel(jobs: ReadonlyArray<{ mvms: number; release: number }>, steps: number, fill: number, t: number, a: number) {
  let xbarFree = 0;
  let addFree = 0;
  const first = stepOutputCycles(0, fill, t);
  return jobs.map(({ mvms, release }) => {
    const mvmStart = Math.max(release, xbarFree);
    const mvmEnd = mvmStart + mvms * (steps + fill) * t;
    xbarFree = mvmEnd;
    addFree = shiftAddEnd(addFree, mvms * steps, steps, t, a, mvmStart + first, mvmEnd);
    return { mvmEnd, addEnd: addFree };
  });
}

describe('simulated compute: step-level events against the closed forms', () => {
  test.each([0, 1, 2])('a replica alone on its ADC: p MVMs take p x (S + fill) x t exactly (fill %i)', (fill) => {
    for (const [mvms, steps, t] of [[1, 8, 64], [5, 8, 100], [3, 16, 7]] as const) {
      const [[job]] = stepEvents([{ jobs: [{ mvms, release: 0 }], sweep: t, adcStep: t, addStep: 1 }], steps, fill) as [[{ mvmEnd: number; addEnd: number }]];
      expect(job.mvmEnd).toBe(mvms * (steps + fill) * t);
      // Shift-and-add faster than the conversions: only the last step's additions follow the MVM.
      expect(job.addEnd).toBe(mvms * (steps + fill) * t + 1);
    }
  });

  // Row jobs with gaps and back-to-back, shift-and-add from much faster to much slower than the conversions
  // (shiftAdd.addsPerCycle from ample to 0.02): the closed forms equal the step-level events at every job.
  test.each([
    [0, 8, 100, 3],
    [2, 8, 64, 64],
    [2, 8, 64, 100],
    [2, 8, 64, 72],
    [2, 16, 7, 50],
    [1, 4, 10, 9.5],
    [0, 16, 100, 4000],
    [2, 8, 100, 25000 / 8],
  ])('fill %i, %i steps of %i cycles, %f cycles of additions per step: job-level = step-level', (fill, steps, t, a) => {
    const jobs = [
      { mvms: 3, release: 0 },
      { mvms: 1, release: 10 },
      { mvms: 4, release: 50_000 },
      { mvms: 2, release: 50_001 },
      { mvms: 7, release: 400_000 },
    ];
    const events = stepEvents([{ jobs, sweep: t, adcStep: t, addStep: a }], steps, fill)[0];
    const closed = jobLevel(jobs, steps, fill, t, a);
    expect(closed.map((j) => [j.mvmEnd, Math.round(j.addEnd * 1e6)])).toEqual(events?.map((j) => [j.mvmEnd, Math.round(j.addEnd * 1e6)]));
  });

  test('replicas sharing one ADC: the ADC serialises their conversions; the job-level reservation is within one sweep', () => {
    // Two replicas, 4 MVMs each, 8 steps, own sweep 64, on one ADC. Step-level: the ADC converts 2 x 4 x 8 steps of
    // 64 cycles after the first read (64), idles one sweep where both replicas are between MVMs, and ends with one
    // more pipeline sweep: 64 + 4096 + 64 + 64.
    const rep = { jobs: [{ mvms: 4, release: 0 }], sweep: 64, adcStep: 64, addStep: 1 };
    const events = stepEvents([rep, rep], 8, 2).map((r) => r[0]?.mvmEnd ?? 0);
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

describe('shared ADCs under the read-ahead (rule 5)', () => {
  test.each([
    [2, 2],
    [2, 4],
    [8, 8],
  ])('k=%i, %i replicas: a job read ahead books the shared ADC when its MVMs start, in start order', async (k, r) => {
    // Replicas read their next row job while their crossbars compute; booked at the read, a job would take the ADC
    // ahead of a sharer whose MVMs start earlier. Every booking must be made at its own start cycle, in time order
    // (booked when the read is asked for, k=2 with 4 replicas books out of order: checked when this was written).
    const net = resolveNetwork(oneConv());
    const arch = applySetOverrides(uncontendedArch('puma'), ['adc.sampleRateGsps=1', `adc.crossbarsPerAdc=${k}`]);
    const starts: number[] = [];
    const serve = SharedAdc.prototype.serve;
    const spy = jest.spyOn(SharedAdc.prototype, 'serve').mockImplementation(function (this: SharedAdc, amount: number, earliest?: number) {
      starts.push(earliest ?? Number.NaN);
      return serve.call(this, amount, earliest);
    });
    try {
      await simulate(arch, net, { wbits: [8], abits: [8], replicas: [r] }, { images: 4, loneLatency: false });
    } finally {
      spy.mockRestore();
    }
    // One booking per job per shared ADC, each at the job's first conversion.
    expect(starts.length).toBeGreaterThanOrEqual(8 * 4);
    for (let k = 1; k < starts.length; k++) expect([k, starts[k] as number >= (starts[k - 1] as number)]).toEqual([k, true]);
  });
});
