import { runsNote, steadyStateLine } from '../scripts/commands/simulate';
import type { SimResult } from '../sim/results';

/*
 * simulate's header and steady-state line say the same thing about settling: ViT-B/16 on xformer (default images)
 * ran 16 then 64 images, stopped because a 256-image run would exceed 40 million events, and its steady-state line
 * said NOT settled while the header said "runs of 16, 64 images until the interval settled within 1%".
 */
describe('simulate report lines', () => {
  test('the header names the runs, and says so when they stopped unsettled', () => {
    expect(runsNote([16], true)).toBe('');
    expect(runsNote([16, 64], true)).toBe(' (runs of 16, 64 images until the interval settled within 1%)');
    expect(runsNote([16, 64], false)).toBe(" (runs of 16, 64 images; stopped before the interval settled within 1%, see 'steady state')");
    expect(runsNote([16, 64], false)).not.toMatch(/until the interval settled/);
  });

  test('the steady-state line says NOT settled, and why', () => {
    const steadyState = {
      windowFirstImage: 16,
      windowLastImage: 63,
      measuredIntervalCycles: 1474861,
      spread: 0.0215,
      boundIntervalCycles: 1481760,
      settled: false,
      note: 'completions jitter by +-2.2% of the window; simulate more images',
    };
    const line = steadyStateLine({ steadyState } as unknown as SimResult);
    expect(line).toBe('steady state: images 16..63 after the fill, measured 1474861 +- 2.15% cycles/image, busiest resource 1481760; NOT settled: completions jitter by +-2.2% of the window; simulate more images');
  });
});
