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

  test('a fill that outlasts the first quarter: the window moves to the tail that runs at its own last half\'s pace', () => {
    // 1000 cycles of fill, 110 cycles per image up to image 150 (buffers still filling), then 100 per image: the last
    // 3/4 (images 64..255) lie within 1% of their line but run 3.7% slow; its last half (159..255) is the steady state.
    const done: number[] = [];
    for (let k = 0; k < 256; k++) done.push(1000 + 110 * Math.min(k, 150) + 100 * Math.max(0, k - 150));
    const s = steadyState(done, 90, 1000);
    expect([s.windowFirstImage, s.windowLastImage]).toEqual([159, 255]);
    expect(s.measuredIntervalCycles).toBe(100);
    expect(s.settled).toBe(true);
    // Images 64..255 alone would read (86 x 110 + 105 x 100) / 191 = 104.5 cycles, 0.69% within their line.
    const whole = ((done[255] ?? 0) - (done[64] ?? 0)) / 191;
    expect(whole).toBeCloseTo(104.5, 1);
  });

  test('a stream still slowing down in every tail is not settled, and says so', () => {
    // The pace slows steadily, 100 cycles per image plus 0.05 per image more each image: every tail's last half runs
    // slower than the tail (by 0.5-3%, beyond DRIFT_TOLERANCE and the halves' zero jitter).
    const done: number[] = [];
    for (let k = 0; k < 256; k++) done.push(1000 + 100 * k + 0.025 * k * k);
    const s = steadyState(done, 90, 1000);
    expect(s.settled).toBe(false);
    expect(s.note).toMatch(/last half ran [0-9.]+% slower than the window: the stream is still leaving its fill; simulate more images/);
    // The latest straight tail checked: the pace nearest the end of the stream.
    expect(s.windowFirstImage).toBeGreaterThan(64);
  });

  test('images entering faster than they leave: the pipeline is still filling, not settled', () => {
    // Completions every 100 cycles, straight; images enter every 97 (3% faster: one more image in flight every 33).
    const done = Array.from({ length: 64 }, (_, k) => 5000 + 100 * k);
    const entered = Array.from({ length: 64 }, (_, k) => 97 * k);
    const s = steadyState(done, 90, 5000, entered);
    expect(s.settled).toBe(false);
    expect(s.note).toMatch(/images entered 3\.0% faster than they left: the pipeline is still filling; simulate more images/);
    expect(s.measuredIntervalCycles).toBe(100);
    // Once entries keep pace with completions (buffers full), the same completions are a steady state.
    const full = steadyState(done, 90, 5000, Array.from({ length: 64 }, (_, k) => 100 * k));
    expect(full.settled).toBe(true);
    expect([full.windowFirstImage, full.measuredIntervalCycles]).toEqual([16, 100]);
    // At the busiest resource's bound the bottleneck is saturated: no later regime is faster, the fill may go on.
    expect(steadyState(done, 100, 5000, entered).settled).toBe(true);
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
