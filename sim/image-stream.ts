/**
 * The images of a run as they stream through: per image in flight, the cycle its first input row entered and its
 * sink jobs still to finish (a ring of slots, doubled only when more images are in flight than it holds), and per
 * finished image what the results need (image 0's latency, the summed latencies, the steady-state window, and the
 * completion cycles of the first RECORDED_IMAGES images). Memory follows the images in flight, not the stream.
 */
import { imageSetHas, type ImageSet } from './units';
import { SteadyStateWindow } from './steady-state';

/** Images whose completion cycles a run keeps for its report (SimResult.imageDoneCycles); later ones are only counted. */
export const RECORDED_IMAGES = 10_000;

/** A layer whose rows finish images: the images its unit works on and its jobs per image. */
export interface SinkJobs {
  images: ImageSet;
  jobs: number;
}

export class ImageStream {
  /** Images finished so far. */
  done = 0;
  /** Image 0: first input row in to last output row out (-1 until it is done). */
  firstLatencyCycles = -1;
  /** Sum over finished images of (done - first input row start). */
  latencySumCycles = 0;
  readonly steady: SteadyStateWindow;
  /** Completion cycle of images 0..min(images, RECORDED_IMAGES)-1 (-1 while not done). */
  readonly recorded: Float64Array;
  /** Ring over images lo..hi-1: image n in slot n & mask. */
  private start: Float64Array;
  private left: Int32Array;
  private finishedAt: Float64Array;
  private mask: number;
  private lo = 0;
  private hi = 0;

  constructor(
    readonly images: number,
    private readonly sinks: readonly SinkJobs[],
    slots = 8,
  ) {
    this.steady = new SteadyStateWindow(images);
    this.recorded = new Float64Array(Math.min(images, RECORDED_IMAGES)).fill(-1);
    this.start = new Float64Array(slots);
    this.left = new Int32Array(slots);
    this.finishedAt = new Float64Array(slots);
    this.mask = slots - 1;
  }

  /** Image n's first input row starts crossing the off-chip link at `cycle`. */
  started(n: number, cycle: number): void {
    const s = this.slot(n);
    this.start[s] = cycle;
    this.steady.started(n, cycle);
    if ((this.finishedAt[s] as number) >= 0) this.retire(n);
  }

  /** One sink job of image n is done at `cycle`; returns true when it was the image's last. */
  sinkJobDone(n: number, cycle: number): boolean {
    const s = this.slot(n);
    if (--(this.left[s] as number) !== 0) return false;
    this.finishedAt[s] = cycle;
    this.done++;
    this.steady.add(cycle);
    if (n < this.recorded.length) this.recorded[n] = cycle;
    if ((this.start[s] as number) >= 0) this.retire(n);
    return true;
  }

  /** Bytes of the ring, the recorded completions and the steady-state hulls. */
  get tableBytes(): number {
    return this.start.byteLength + this.left.byteLength + this.finishedAt.byteLength + this.recorded.byteLength + this.steady.hullPoints * 16;
  }

  /** Image n is finished and started: count its latency; retire every finished image from the oldest on. */
  private retire(n: number): void {
    const s = n & this.mask;
    const latency = (this.finishedAt[s] as number) - Math.max(0, this.start[s] as number);
    this.latencySumCycles += latency;
    if (n === 0) this.firstLatencyCycles = latency;
    this.finishedAt[s] = -2; // counted
    while (this.lo < this.hi && this.finishedAt[this.lo & this.mask] === -2) this.lo++;
  }

  private slot(n: number): number {
    if (n < this.hi) return n & this.mask;
    if (n < this.lo) throw new Error(`sim: image ${n} touched after it finished`);
    while (n - this.lo > this.mask) this.grow();
    for (let m = this.hi; m <= n; m++) {
      const s = m & this.mask;
      let jobs = 0;
      for (const k of this.sinks) if (imageSetHas(k.images, m)) jobs += k.jobs;
      this.start[s] = -1;
      this.left[s] = jobs;
      this.finishedAt[s] = -1;
    }
    this.hi = n + 1;
    return n & this.mask;
  }

  private grow(): void {
    const size = 2 * (this.mask + 1);
    const start = new Float64Array(size);
    const left = new Int32Array(size);
    const finishedAt = new Float64Array(size);
    for (let m = this.lo; m < this.hi; m++) {
      const from = m & this.mask;
      const to = m & (size - 1);
      start[to] = this.start[from] as number;
      left[to] = this.left[from] as number;
      finishedAt[to] = this.finishedAt[from] as number;
    }
    this.start = start;
    this.left = left;
    this.finishedAt = finishedAt;
    this.mask = size - 1;
  }
}
