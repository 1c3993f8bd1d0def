/**
 * Steady-state image interval from a simulated stream: the mean spacing of completions in a window after the
 * pipeline has filled, its spread, and never below what the busiest resource allows.
 */

/** Share of the completions skipped as the pipeline's fill (at least the first image when there are 3+). */
export const FILL_SHARE = 0.25;
/** A window's completions must lie within this of its straight line for the figure to count as settled. */
export const SETTLE_TOLERANCE = 0.01;
/**
 * A settled window at most this far above its busiest resource's bound needs no longer run to confirm it (sim/settle.ts),
 * and may end a fill (the bottleneck is saturated: no later regime is faster). The zoo's plans that run at their bound
 * measure 0.00-0.22% above it (sim/results.ts: the bound is the busiest resource's busy cycles per image over the
 * whole stream, fill included, so a saturated bottleneck reads a little above it).
 */
export const AT_BOUND_TOLERANCE = SETTLE_TOLERANCE / 4;

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
  /** At least two spacings in the window, spread within SETTLE_TOLERANCE, and no drift (SteadyStateWindow). */
  settled: boolean;
  /** Why the figure is not a settled measurement ('' when it is). */
  note: string;
}

/**
 * Nested tails of the stream the window is chosen among: the last 3/4 of the completions (after FILL_SHARE), then
 * the last half of that, and so on, TAILS windows at most, each with at least MIN_TAIL_SPACINGS spacings.
 */
export const TAILS = 4;
const MIN_TAIL_SPACINGS = 2;
/** A window whose last half runs this much faster or slower than the whole is still leaving its fill. */
export const DRIFT_TOLERANCE = SETTLE_TOLERANCE / 4;

/**
 * One tail window: its first completion's index and cycle, the cycle image `first` entered the chip, and its
 * interior upper and lower hulls (flat pairs).
 */
interface Tail {
  first: number;
  firstCycle: number;
  firstStart: number;
  upper: number[];
  lower: number[];
}

/** A tail's figures once the stream is done: `accumulating`, how much faster images entered than they left. */
interface TailFigures {
  first: number;
  measured: number;
  spread: number;
  accumulating: number;
}

/**
 * The steady state of a stream of `images` completions, measured as they happen in constant memory: completions
 * arrive in time order (the k-th is the k-th smallest), the window's ends are known from the image count, and the
 * largest deviation from the window's straight line is found among the window's upper and lower convex hulls
 * (for any slope, the interior completion furthest above or below a line is a hull vertex), so only the hulls are
 * kept. For a near-straight or periodic stream they hold a handful of points; the figures are those of a scan of
 * the whole list up to rounding (test/sim-stream-memory.test.ts compares them with such a scan).
 *
 * The fill can outlast the first quarter: a stream whose buffers fill slowly runs a slower regime until they are
 * full (xformer DeiT-Tiny with 1024 KB tiles: 210,900 cycles per image up to image ~155, then 207,800; images
 * 64..255 measured 209,268 within 0.7%, straight enough, 0.7% slow). So the window is the longest of the nested
 * tails (last 3/4, its last half, ...) that is straight, runs at the pace of its own last half, within
 * DRIFT_TOLERANCE or twice that half's spread (the jitter a half-window's slope may carry), and lets images in as
 * fast as they leave, within SETTLE_TOLERANCE: while they enter faster the pipeline is still filling its buffers, unless
 * the window runs at its busiest resource's bound (within AT_BOUND_TOLERANCE)
 * (the same DeiT-Tiny stream at 64 images: images 16..63 left every 210,972 cycles within 0.07%, a 16-image run
 * agreed, but they entered 3.6% faster, images in flight 20 -> 21, the fill not over). A stream with no such tail is
 * not settled, and reports its latest straight tail (or, when none is straight, the longest).
 */
export class SteadyStateWindow {
  /** Completions seen. */
  private seen = 0;
  private readonly last: number;
  private lastCycle = 0;
  private lastStart = 0;
  /** Whether entries were reported (a list of completions alone has none: then no fill check). */
  private entries = false;
  private readonly tails: Tail[] = [];

  constructor(readonly images: number) {
    this.last = images - 1;
    let first = images >= 3 ? Math.max(1, Math.floor(images * FILL_SHARE)) : 0;
    this.tails.push({ first, firstCycle: 0, firstStart: 0, upper: [], lower: [] });
    for (;;) {
      first = Math.floor((first + this.last) / 2);
      if (this.tails.length >= TAILS || this.last - first < MIN_TAIL_SPACINGS) break;
      this.tails.push({ first, firstCycle: 0, firstStart: 0, upper: [], lower: [] });
    }
  }

  /** The next completion (cycles never decrease). */
  add(cycle: number): void {
    const k = this.seen++;
    if (k === this.last) this.lastCycle = cycle;
    for (const t of this.tails) {
      if (k === t.first) t.firstCycle = cycle;
      if (k > t.first && k < this.last) {
        pushHull(t.upper, k, cycle, 1);
        pushHull(t.lower, k, cycle, -1);
      }
    }
  }

  /** Image n entered the chip (its first input row) at `cycle`. */
  started(n: number, cycle: number): void {
    this.entries = true;
    if (n === this.last) this.lastStart = cycle;
    for (const t of this.tails) if (n === t.first) t.firstStart = cycle;
  }

  /** Points the hulls hold (the window's memory). */
  get hullPoints(): number {
    let points = 0;
    for (const t of this.tails) points += (t.upper.length + t.lower.length) / 2;
    return points;
  }

  /** One tail's mean spacing and spread (2 x its largest interior deviation from its line over its cycles). */
  private figures(t: Tail): TailFigures {
    const measured = (this.lastCycle - t.firstCycle) / (this.last - t.first);
    let deviation = 0;
    for (const hull of [t.upper, t.lower]) {
      for (let j = 0; j < hull.length; j += 2) {
        const k = hull[j] as number;
        deviation = Math.max(deviation, Math.abs((hull[j + 1] as number) - (t.firstCycle + (k - t.first) * measured)));
      }
    }
    const windowCycles = this.lastCycle - t.firstCycle;
    // Images enter in order, so the window's k-th completion and image k's entry bound the same images.
    const entered = (this.lastStart - t.firstStart) / (this.last - t.first);
    return {
      first: t.first,
      measured,
      spread: windowCycles > 0 ? (2 * deviation) / windowCycles : 0,
      accumulating: this.entries && measured > 0 ? 1 - entered / measured : 0,
    };
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
    const last = this.last;
    const tails = this.tails.map((t) => this.figures(t));
    // The longest straight tail at its last half's pace. None: the latest straight tail checked (drifting), or when
    // no tail is straight the longest (jitter averages out over it).
    // (A lone tail, in a stream too short to halve, has no drift to check.)
    let chosen = tails[0] as TailFigures;
    let drift = 0;
    let filling = false;
    for (let i = 0; i < tails.length; i++) {
      const tail = tails[i] as TailFigures;
      const half = tails[i + 1];
      if (half === undefined && i > 0) break;
      if (tail.spread > SETTLE_TOLERANCE) continue;
      chosen = tail;
      drift = half === undefined ? 0 : half.measured / tail.measured - 1;
      if (half !== undefined && Math.abs(drift) <= Math.max(DRIFT_TOLERANCE, 2 * half.spread)) drift = 0;
      filling = tail.accumulating > SETTLE_TOLERANCE && tail.measured > boundCycles * (1 + AT_BOUND_TOLERANCE);
      if (drift === 0 && !filling) break;
    }
    const { first, measured, spread } = chosen;
    const capped = measured < boundCycles;
    const interval = Math.max(measured, boundCycles);
    const spacings = last - first;
    const settled = spacings >= 2 && spread <= SETTLE_TOLERANCE && drift === 0 && !filling;
    const notes: string[] = [];
    const pct = (x: number): string => `${(Math.abs(x) * 100).toFixed(1)}%`;
    if (spacings < 2) notes.push(`only ${spacings} spacing after the fill`);
    else if (spread > SETTLE_TOLERANCE) notes.push(`completions jitter by +-${(spread * 100).toFixed(1)}% of the window`);
    else {
      if (drift !== 0) notes.push(`the window's last half ran ${pct(drift)} ${drift < 0 ? 'faster' : 'slower'} than the window: the stream is still leaving its fill`);
      if (filling) notes.push(`images entered ${pct(chosen.accumulating)} faster than they left: the pipeline is still filling`);
    }
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
 * `boundCycles` the busiest resource's busy cycles per image; `latencyCycles` stands in for one image;
 * `entered[n]`, when given, the cycle image n entered the chip.
 */
export function steadyState(done: readonly number[], boundCycles: number, latencyCycles: number, entered?: readonly number[]): SteadyState {
  const window = new SteadyStateWindow(done.length);
  entered?.forEach((cycle, n) => window.started(n, cycle));
  for (const cycle of [...done].sort((a, b) => a - b)) window.add(cycle);
  return window.result(boundCycles, latencyCycles);
}
