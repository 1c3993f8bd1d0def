import { presetArch, applySetOverrides } from '../arch';
import { suitePlans } from '../scripts/metamorphic/suite';
import { simulateSettled } from '../sim/settle';
import { resolveNetwork } from '../workloads/shapes';
import { zooNetwork } from '../workloads/zoo';

/*
 * A replica's computed rows wait for their fused activations in a bounded output (sim/engine.ts FUSED_ROWS_HELD):
 * ISAAC MobileNetV2's replicated plan with a 2x ADC rate let features.2's replicas run 22-33 images ahead of the
 * layers sharing tile 1's digital unit (their queued activations starved the later layer), so completions came at
 * 2.37M cycles per image until the input ended, then at 1.0M: +-41.8% jitter at 256 and 1024 images, never settled.
 */
describe('fused activations held in a bounded output', () => {
  test('ISAAC MobileNetV2 replicated, 2x ADC rate: settles at the digital unit bound, no slower than at 1x', async () => {
    const net = resolveNetwork(zooNetwork('mobilenetv2'));
    const plan = suitePlans(presetArch('isaac'), net)[1]!;
    const fast = applySetOverrides(plan.arch, [`adc.sampleRateGsps=${plan.arch.adc.sampleRateGsps * 2}`]);
    const run = await simulateSettled(fast, net, plan.choices, { loneLatency: false });
    expect(run.sim.steadyState.settled).toBe(true);
    expect(run.runs).toEqual([16]);
    // The busiest resource (tile 1's digital unit) sets the pace: measured within the 1% settle tolerance of it.
    const { measuredIntervalCycles, boundIntervalCycles } = run.sim.steadyState;
    expect(Math.abs(measuredIntervalCycles / boundIntervalCycles - 1)).toBeLessThan(0.01);
    const slow = await simulateSettled(plan.arch, net, plan.choices, { loneLatency: false });
    expect(run.sim.throughputImagesPerS).toBeGreaterThanOrEqual(slow.sim.throughputImagesPerS * 0.995);
  }, 60_000);
});
