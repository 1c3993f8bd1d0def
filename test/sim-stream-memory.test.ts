import { presetArch } from '../arch/presets';
import { baselineChoices } from '../arch/plan';
import { Engine } from '../sim/engine';
import { collectResults } from '../sim/results';
import { SteadyStateWindow, steadyState, TAILS } from '../sim/steady-state';
import { buildTopology } from '../sim/topology';
import { RECORDED_IMAGES } from '../sim/image-stream';
import { zoo } from './helpers/model-fixtures';
import { simulate } from '../sim';
import { NetworkBuilder } from '../workloads/builder';
import { resolveNetwork } from '../workloads/shapes';

/** The whole-list figure the window replaces: every interior completion's distance from the window's line. */
function bruteForceDeviation(done: number[]): { measured: number; deviation: number } {
  const sorted = [...done].sort((a, b) => a - b);
  const n = sorted.length;
  const first = n >= 3 ? Math.max(1, Math.floor(n * 0.25)) : 0;
  const last = n - 1;
  const at = (k: number): number => sorted[k] ?? 0;
  const measured = (at(last) - at(first)) / (last - first);
  let deviation = 0;
  for (let k = first + 1; k < last; k++) deviation = Math.max(deviation, Math.abs(at(k) - (at(first) + (k - first) * measured)));
  return { measured, deviation };
}

/**
 * A seeded stream: a fill, then completions around a line of `interval` cycles per image, every 7th early (a
 * burst), jittered by up to `jitter` cycles (integers; `walk`: the jitter accumulates instead).
 */
function stream(seed: number, n: number, interval: number, jitter: number, walk = false): number[] {
  let s = seed;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const done: number[] = [];
  let t = 50 * interval;
  for (let k = 0; k < n; k++) {
    const noise = Math.round((rand() - 0.5) * 2 * jitter);
    if (walk) t += interval + noise;
    else t = 50 * interval + k * interval + noise;
    done.push(t - (k % 7 === 3 ? Math.round(interval / 2) : 0));
  }
  return done.sort((a, b) => a - b);
}

describe('steady state from a bounded window', () => {
  const cases = [
    [1, 3, 100, 5, false],
    [2, 40, 1000, 300, false],
    [3, 5000, 12_345, 4000, false],
    [4, 20_000, 9_876_543, 100_000, false],
    [5, 777, 7, 0, false],
    [6, 5000, 5000, 1000, true],
  ] as const;
  test.each(cases)('seed %i, %i images: the whole-list figures from a few hull points', (seed, n, interval, jitter, walk) => {
    const done = stream(seed, n, interval, jitter, walk);
    const window = new SteadyStateWindow(n);
    for (const d of done) window.add(d);
    const s = window.result(1, done[0] ?? 0);
    const ref = bruteForceDeviation(done);
    expect(s.measuredIntervalCycles).toBe(ref.measured);
    const windowCycles = (done[n - 1] ?? 0) - (done[s.windowFirstImage] ?? 0);
    const spread = windowCycles > 0 ? (2 * ref.deviation) / windowCycles : 0;
    expect(Math.abs(s.spread - spread)).toBeLessThanOrEqual(1e-12 * spread);
    expect(steadyState(done, 1, done[0] ?? 0)).toEqual(s);
    // Bounded: a line with jitter keeps a few corners per tail window; a random walk's hulls grow only like its log.
    expect(window.hullPoints).toBeLessThan((walk ? 100 : 30) * TAILS);
  });
});

describe('simulator memory follows the images in flight, not the stream', () => {
  // ResNet-20 on PUMA (8/8 bits, r = 1), and VGG-8 on ISAAC with 2 replicas (fully connected replicas split the stream).
  const cases = [
    { name: 'resnet20', arch: presetArch('puma'), replicas: 1 },
    { name: 'vgg8', arch: presetArch('isaac'), replicas: 2 },
  ];
  test.each(cases)('$name: per-image tables the same size at 24 and 240 images', ({ name, arch, replicas }) => {
    const net = zoo(name);
    const base = baselineChoices(net.weightedIndices.length);
    const choices = { ...base, replicas: base.replicas.map(() => replicas) };
    const topo = buildTopology({ ...arch, chip: { tiles: 400 } }, net, choices);
    const bytes = [24, 240].map((images) => {
      const engine = new Engine(topo, { images });
      engine.start();
      engine.env.run();
      engine.checkDeadlock();
      const result = collectResults(engine);
      expect(result.imageDoneCycles).toHaveLength(images);
      expect(result.imageDoneCycles.every((c) => c > 0)).toBe(true);
      // The recorded completions aside, and the steady-state hulls (a few corners each, bounded above).
      const hulls = engine.stream.steady.hullPoints;
      expect(hulls).toBeLessThan(30 * TAILS);
      return engine.tableBytes() - images * 8 - hulls * 16;
    });
    expect(bytes[1]).toBe(bytes[0]);
  }, 30_000);

  test('a stream longer than RECORDED_IMAGES: completions recorded for the first ones, the figures over all', async () => {
    const b = new NetworkBuilder('tiny', { channels: 1, height: 4, width: 4 });
    b.conv('conv', 4, 1);
    const images = RECORDED_IMAGES + 50;
    const sim = await simulate(presetArch('puma'), resolveNetwork(b.build()), { wbits: [8], abits: [8], replicas: [1] }, { images });
    expect(sim.imageDoneCycles).toHaveLength(RECORDED_IMAGES);
    expect(sim.steadyState.windowLastImage).toBe(images - 1);
    expect(sim.steadyState.settled).toBe(true);
  }, 30_000);
});
