/**
 * Steady-state image interval from a simulated stream: the mean spacing of completions in a window after the
 * pipeline has filled, its spread, and never below what the busiest resource allows.
 */

/** Share of the completions skipped as the pipeline's fill (at least the first image when there are 3+). */
const FILL_SHARE = 0.25;
/** Window halves must agree within this for the figure to count as settled. */
export const SETTLE_TOLERANCE = 0.01;

export interface SteadyState {
  /** First and last image (index) whose completions bound the measured window. */
  windowFirstImage: number;
  windowLastImage: number;
  /** Mean spacing of completions in the window. */
  measuredIntervalCycles: number;
  /** The busiest resource's busy cycles per image: no stream can complete images faster. */
  boundIntervalCycles: number;
  /** Reported interval: the measured one, raised to the bound when the window came out faster. */
  intervalCycles: number;
  /**
   * Relative uncertainty of the measured interval: completions jitter around a straight line (bursts from
   * replicas finishing together), the jitter does not accumulate, so the window's ends may each be off the line by
   * the largest interior deviation D: spread = 2 D / (window cycles). It shrinks as 1 / images.
   */
  spread: number;
  /** At least two spacings in the window and spread within SETTLE_TOLERANCE. */
  settled: boolean;
  /** Why the figure is not a settled measurement ('' when it is). */
  note: string;
}

/**
 * The steady state of a stream of `images` completions, measured as they happen in constant memory: completions
 * arrive in time order (the k-th is the k-th smallest), the window's ends are known from the image count, and the
 * largest deviation from the window's straight line is found among the window's upper and lower convex hulls
 * (for any slope, the interior completion furthest above or below a line is a hull vertex), so only the hulls are
 * kept. For a near-straight or periodic stream they hold a handful of points; the figures are those of a scan of
 * the whole list up to rounding (test/sim-stream-memory.test.ts compares them with such a scan).
 */
export class SteadyStateWindow {
  /** Completions seen. */
  private seen = 0;
  private readonly first: number;
  private readonly last: number;
  private firstCycle = 0;
  private lastCycle = 0;
  /** Interior points (k, cycle) of the window's upper and lower hulls, flat pairs. */
  private readonly upper: number[] = [];
  private readonly lower: number[] = [];

  constructor(readonly images: number) {
    this.first = images >= 3 ? Math.max(1, Math.floor(images * FILL_SHARE)) : 0;
    this.last = images - 1;
  }

  /** The next completion (cycles never decrease). */
  add(cycle: number): void {
    const k = this.seen++;
    if (k === this.first) this.firstCycle = cycle;
    if (k === this.last) this.lastCycle = cycle;
    if (k > this.first && k < this.last) {
      pushHull(this.upper, k, cycle, 1);
      pushHull(this.lower, k, cycle, -1);
    }
  }

  /** Points the hulls hold (the window's memory). */
  get hullPoints(): number {
    return (this.upper.length + this.lower.length) / 2;
  }

  /** The figures once every completion is in: `boundCycles` the busiest resource's cycles per image. */
  result(boundCycles: number, latencyCycles: number): SteadyState {
    const n = this.images;
    if (n < 2) {
      const interval = Math.max(latencyCycles, boundCycles);
      return {
        windowFirstImage: 0,
        windowLastImage: Math.max(0, n - 1),
        measuredIntervalCycles: latencyCycles,
        boundIntervalCycles: boundCycles,
        intervalCycles: interval,
        spread: 0,
        settled: false,
        note: 'one image: no steady state, the interval is its latency; simulate more images',
      };
    }
    const first = this.first;
    const last = this.last;
    const measured = (this.lastCycle - this.firstCycle) / (last - first);
    let deviation = 0;
    for (const hull of [this.upper, this.lower]) {
      for (let j = 0; j < hull.length; j += 2) {
        const k = hull[j] as number;
        deviation = Math.max(deviation, Math.abs((hull[j + 1] as number) - (this.firstCycle + (k - first) * measured)));
      }
    }
    const windowCycles = this.lastCycle - this.firstCycle;
    const spread = windowCycles > 0 ? (2 * deviation) / windowCycles : 0;
    const capped = measured < boundCycles;
    const interval = Math.max(measured, boundCycles);
    const spacings = last - first;
    const settled = spacings >= 2 && spread <= SETTLE_TOLERANCE;
    const notes: string[] = [];
    if (spacings < 2) notes.push(`only ${spacings} spacing after the fill`);
    else if (spread > SETTLE_TOLERANCE) notes.push(`completions jitter by +-${(spread * 100).toFixed(1)}% of the window`);
    if (capped) notes.push(`the window ran ${(((boundCycles - measured) / boundCycles) * 100).toFixed(1)}% faster than the busiest resource allows, so the interval is that resource's`);
    const note = settled && !capped ? '' : `${notes.join('; ')}${settled ? '' : '; simulate more images'}`;
    return {
      windowFirstImage: first,
      windowLastImage: last,
      measuredIntervalCycles: measured,
      boundIntervalCycles: boundCycles,
      intervalCycles: interval,
      spread,
      settled,
      note,
    };
  }
}

/**
 * Appends (x, y) to a monotone-chain hull (x increasing): `side` 1 keeps the upper hull, -1 the lower. A point on
 * or inside the chain (within rounding: cycle products can exceed 2^53) is dropped, so a periodic stream keeps only
 * its hull's corners. The largest deviation is at a corner; points on an edge tie with its corners (equal up to
 * the rounding of the same expression at another k).
 */
function pushHull(h: number[], x: number, y: number, side: number): void {
  while (h.length >= 4) {
    const ox = h[h.length - 4] as number;
    const oy = h[h.length - 3] as number;
    const ax = h[h.length - 2] as number;
    const ay = h[h.length - 1] as number;
    const left = (ax - ox) * (y - oy);
    const right = (ay - oy) * (x - ox);
    // Cross product (a - o) x (p - o): positive when a lies below the segment o-p.
    const cross = (left - right) * side;
    if (cross < -1e-15 * (Math.abs(left) + Math.abs(right))) break;
    h.length -= 2;
  }
  h.push(x, y);
}

/**
 * `done[n]` is the cycle image n left the last layer (non-decreasing in practice, but not assumed);
 * `boundCycles` the busiest resource's busy cycles per image; `latencyCycles` stands in for one image.
 */
export function steadyState(done: readonly number[], boundCycles: number, latencyCycles: number): SteadyState {
  const window = new SteadyStateWindow(done.length);
  for (const cycle of [...done].sort((a, b) => a - b)) window.add(cycle);
  return window.result(boundCycles, latencyCycles);
}
