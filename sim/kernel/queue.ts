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
  /**
   * The current-cycle lane: a ring of entries (order, handler, a, b), all at time `poppedTime`, orders increasing.
   * NOTE: its fields live here, not in a RecordFifo, so push and pop touch them without a call.
   */
  private laneOrders = new Float64Array(64);
  private laneHandlers = new Int32Array(64);
  private laneA = new Int32Array(64);
  private laneB = new Int32Array(64);
  private laneMask = 63;
  private laneHead = 0;
  private laneCount = 0;

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.orders = new Float64Array(initialCapacity);
    this.handlers = new Int32Array(initialCapacity);
    this.argsA = new Int32Array(initialCapacity);
    this.argsB = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.count + this.laneCount;
  }

  /** Adds an entry (at equal time, after every entry already there). */
  push(time: number, handler: number, a: number, b: number): void {
    const order = this.nextSeq++;
    // A current-cycle entry comes after every entry already waiting (its seq is the largest): it joins the lane.
    if (time === this.poppedTime) {
      if (this.laneCount > this.laneMask) this.growLane();
      const at = (this.laneHead + this.laneCount++) & this.laneMask;
      this.laneOrders[at] = order;
      this.laneHandlers[at] = handler;
      this.laneA[at] = a;
      this.laneB[at] = b;
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
    if (this.laneCount > 0) return this.poppedTime;
    return this.count > 0 ? (this.times[0] as number) : Infinity;
  }

  /**
   * Removes the earliest entry; its fields are read back through `popped*` (no allocation).
   * NOTE: written for speed: the lane's pop is kept small enough for V8 to inline into the caller's loop (a
   * zero-delay event then costs no call); the heap's is out of line in popHeap.
   */
  pop(): boolean {
    if (this.laneCount > 0) {
      const head = this.laneHead;
      if (this.count === 0 || (this.times[0] as number) > this.poppedTime || (this.orders[0] as number) > (this.laneOrders[head] as number)) {
        this.poppedHandler = this.laneHandlers[head] as number;
        this.poppedA = this.laneA[head] as number;
        this.poppedB = this.laneB[head] as number;
        this.laneHead = (head + 1) & this.laneMask;
        this.laneCount--;
        return true;
      }
    }
    return this.popHeap();
  }

  /** Removes the heap's root (the lane holds nothing earlier). */
  private popHeap(): boolean {
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

  /** Doubles the lane's ring, the oldest entry first. */
  private growLane(): void {
    const size = 2 * (this.laneMask + 1);
    const orders = new Float64Array(size);
    const handlers = new Int32Array(size);
    const a = new Int32Array(size);
    const b = new Int32Array(size);
    for (let k = 0; k < this.laneCount; k++) {
      const from = (this.laneHead + k) & this.laneMask;
      orders[k] = this.laneOrders[from] as number;
      handlers[k] = this.laneHandlers[from] as number;
      a[k] = this.laneA[from] as number;
      b[k] = this.laneB[from] as number;
    }
    this.laneOrders = orders;
    this.laneHandlers = handlers;
    this.laneA = a;
    this.laneB = b;
    this.laneMask = size - 1;
    this.laneHead = 0;
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
