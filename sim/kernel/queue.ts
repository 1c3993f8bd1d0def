import { RecordFifo } from './fifo';

/**
 * The event queue: a binary min-heap ordered by (time, seq), `seq` drawn when an event is scheduled, so
 * equal-time events run first-scheduled-first and runs are repeatable (SimPy's order at one priority).
 *
 * NOTE: written for speed. Entries live in parallel typed arrays (no object per event); the payload is a
 * handler id and two integer arguments that the Environment dispatches on. Entries for the current cycle (the
 * time last popped) go to a FIFO lane instead of the heap: a zero-delay event (a wake-up, a grant) would otherwise
 * sift to the heap's root and back. Each comes after every entry already waiting (seq only grows), so the lane
 * holds entries of one time in increasing order, `pop` takes the smaller of the heap's root and the lane's head,
 * and the order is exactly the heap-only order.
 */
export class EventQueue {
  private times: Float64Array;
  /** Scheduling order (seq) of each entry. */
  private orders: Float64Array;
  private handlers: Int32Array;
  private argsA: Int32Array;
  private argsB: Int32Array;
  private count = 0;
  private nextSeq = 0;
  /** The current-cycle lane: records (order, handler, a, b), all at time `poppedTime`, orders increasing. */
  private readonly lane = new RecordFifo(4, 64);

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.orders = new Float64Array(initialCapacity);
    this.handlers = new Int32Array(initialCapacity);
    this.argsA = new Int32Array(initialCapacity);
    this.argsB = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.count + this.lane.size;
  }

  /** Adds an entry (at equal time, after every entry already there). */
  push(time: number, handler: number, a: number, b: number): void {
    const order = this.nextSeq++;
    const lane = this.lane;
    // A current-cycle entry comes after every entry already waiting (its seq is the largest): it joins the lane.
    if (time === this.poppedTime) {
      const at = lane.add();
      const d = lane.data;
      d[at] = order;
      d[at + 1] = handler;
      d[at + 2] = a;
      d[at + 3] = b;
      return;
    }
    if (this.count === this.times.length) this.grow();
    // Sift up with a hole instead of swaps.
    let i = this.count++;
    const times = this.times;
    const orders = this.orders;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (orders[parent] as number) < order)) break;
      this.move(parent, i);
      i = parent;
    }
    times[i] = time;
    orders[i] = order;
    this.handlers[i] = handler;
    this.argsA[i] = a;
    this.argsB[i] = b;
  }

  /** Time of the earliest entry (Infinity when empty). */
  peekTime(): number {
    if (this.lane.size > 0) return this.poppedTime;
    return this.count > 0 ? (this.times[0] as number) : Infinity;
  }

  /** Removes the earliest entry; its fields are read back through `popped*` (no allocation). */
  pop(): boolean {
    const lane = this.lane;
    if (lane.size > 0) {
      const d = lane.data;
      const head = lane.oldest();
      if (this.count === 0 || (this.times[0] as number) > this.poppedTime || (this.orders[0] as number) > (d[head] as number)) {
        lane.take();
        this.poppedHandler = d[head + 1] as number;
        this.poppedA = d[head + 2] as number;
        this.poppedB = d[head + 3] as number;
        return true;
      }
    }
    if (this.count === 0) return false;
    this.poppedTime = this.times[0] as number;
    this.poppedHandler = this.handlers[0] as number;
    this.poppedA = this.argsA[0] as number;
    this.poppedB = this.argsB[0] as number;
    const last = --this.count;
    if (last === 0) return true;
    const time = this.times[last] as number;
    const order = this.orders[last] as number;
    const handler = this.handlers[last] as number;
    const a = this.argsA[last] as number;
    const b = this.argsB[last] as number;
    const times = this.times;
    const orders = this.orders;
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < last) {
        const ct = times[child] as number;
        const rt = times[right] as number;
        if (rt < ct || (rt === ct && (orders[right] as number) < (orders[child] as number))) child = right;
      }
      const ct = times[child] as number;
      if (time < ct || (time === ct && order < (orders[child] as number))) break;
      this.move(child, i);
      i = child;
    }
    times[i] = time;
    orders[i] = order;
    this.handlers[i] = handler;
    this.argsA[i] = a;
    this.argsB[i] = b;
    return true;
  }

  poppedTime = 0;
  poppedHandler = 0;
  poppedA = 0;
  poppedB = 0;

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.orders[to] = this.orders[from] as number;
    this.handlers[to] = this.handlers[from] as number;
    this.argsA[to] = this.argsA[from] as number;
    this.argsB[to] = this.argsB[from] as number;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const grow64 = (old: Float64Array): Float64Array => {
      const next = new Float64Array(n);
      next.set(old);
      return next;
    };
    const grow32 = (old: Int32Array): Int32Array => {
      const next = new Int32Array(n);
      next.set(old);
      return next;
    };
    this.times = grow64(this.times);
    this.orders = grow64(this.orders);
    this.handlers = grow32(this.handlers);
    this.argsA = grow32(this.argsA);
    this.argsB = grow32(this.argsB);
  }
}
