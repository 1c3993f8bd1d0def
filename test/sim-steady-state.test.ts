import * as path from 'node:path';
import { applySetOverrides } from '../arch/overrides';
import { resolvePlan, validatePlan } from '../arch/plan';
import { presetArch } from '../arch/presets';
import { readJsonFile } from '../io';
import { simulate, steadyState } from '../sim';
import { zoo } from './helpers/model-fixtures';

describe('steady-state interval (hand-made completion streams)', () => {
  test('skips the fill, measures the window, reports the jitter', () => {
    // Fill of 1000 cycles, then one image every 100 cycles, one completion 10 cycles late.
    const done = [1000, 1100, 1200, 1300, 1410, 1500, 1600, 1700];
    const s = steadyState(done, 90, 1000);
    expect([s.windowFirstImage, s.windowLastImage]).toEqual([2, 7]);
    expect(s.measuredIntervalCycles).toBe(100);
    expect(s.intervalCycles).toBe(100);
    expect(s.spread).toBeCloseTo((2 * 10) / 500, 12);
    expect(s.settled).toBe(false); // +-4% jitter over a 5-spacing window
    expect(s.note).toMatch(/jitter by \+-4\.0%.*simulate more images/);
  });

  test('a window faster than the busiest resource is raised to its bound, and says so', () => {
    // Image 0 held back by later ones: completions bunch up at 80 cycles while a resource is busy 100 per image.
    const done = [1000, 1080, 1160, 1240, 1320, 1400, 1480, 1560, 1640];
    const s = steadyState(done, 100, 1000);
    expect(s.measuredIntervalCycles).toBe(80);
    expect(s.intervalCycles).toBe(100);
    expect(s.settled).toBe(true);
    expect(s.note).toMatch(/20\.0% faster than the busiest resource allows/);
  });

  test('one image has no steady state: the latency stands in, flagged', () => {
    const s = steadyState([500], 100, 500);
    expect(s.intervalCycles).toBe(500);
    expect(s.settled).toBe(false);
  });
});

describe('ISAAC VGG-8 optimized plan (optimize --episodes 100, seed 1): the simulated interval never beats its bound', () => {
  const net = zoo('vgg8');
  const file = path.join(__dirname, 'fixtures', 'vgg8-isaac-optimized-plan.json');
  const choices = resolvePlan(validatePlan(readJsonFile(file), file), net, file);

  test('4 and 16 images: never above the busiest resource, within 1% of a 64-image run; 2.56 GS/s ADCs too', async () => {
    for (const arch of [presetArch('isaac'), applySetOverrides(presetArch('isaac'), ['adc.sampleRateGsps=2.56'])]) {
      const long = await simulate(arch, net, choices, { images: 64 });
      for (const images of [4, 16]) {
        const run = await simulate(arch, net, choices, { images });
        expect(run.intervalCycles).toBeGreaterThanOrEqual(run.steadyState.boundIntervalCycles);
        expect(Math.abs(run.throughputImagesPerS / long.throughputImagesPerS - 1)).toBeLessThan(0.01);
      }
      // The old figure, (done[N-1] - done[0]) / (N-1), overstated 4 images by 2.8% (9% and 43% in the window).
      expect(long.intervalCycles).toBeGreaterThanOrEqual(long.steadyState.boundIntervalCycles);
    }
  }, 30_000);
});
