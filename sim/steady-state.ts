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
 * `done[n]` is the cycle image n left the last layer (non-decreasing in practice, but not assumed);
 * `boundCycles` the busiest resource's busy cycles per image; `latencyCycles` stands in for one image.
 */
export function steadyState(done: readonly number[], boundCycles: number, latencyCycles: number): SteadyState {
  const n = done.length;
  const sorted = [...done].sort((a, b) => a - b);
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
  const first = n >= 3 ? Math.max(1, Math.floor(n * FILL_SHARE)) : 0;
  const last = n - 1;
  const at = (k: number): number => sorted[k] ?? 0;
  const measured = (at(last) - at(first)) / (last - first);
  let deviation = 0;
  for (let k = first + 1; k < last; k++) deviation = Math.max(deviation, Math.abs(at(k) - (at(first) + (k - first) * measured)));
  const windowCycles = at(last) - at(first);
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
