/**
 * Contention lives here (SimPy's resources/base.py): one base class with statistics and two kinds of
 * resource built on it. Hardware components (sim/components.ts) are small subclasses with their own
 * service-time and naming hooks, not copies.
 */
import type { Environment } from './env';

export abstract class BaseResource {
  /** Requests served (or granted). */
  abstract readonly requests: number;
  /** Cycles requests spent waiting before service (or grant). */
  abstract readonly waitCycles: number;

  constructor(
    protected readonly env: Environment,
    /** For reports and deadlock messages, e.g. `eDRAM port of tile 3`. */
    readonly label: string,
  ) {}
}

/**
 * A server's service rule: `amount` (bits, flits, ops, MVMs) is counted in units of `quantum` (rounded up;
 * 0 counts the amount itself), and one unit takes `cyclesPerUnit / unitsPerCycle` cycles. A multiplier and a
 * divisor, not one factor, so each hardware rule keeps its exact arithmetic (4 accesses at 3 per cycle is 4/3,
 * not 4 x 0.333...).
 */
export interface ServiceRate {
  /** @default 0 (no rounding) */
  quantum?: number;
  /** @default 1 */
  cyclesPerUnit?: number;
  /** @default 1 */
  unitsPerCycle?: number;
}

/** ServerClock's slots. */
const S_FREE_AT = 0;
const S_LAST_END = 1;
const S_BUSY = 2;
const S_WAIT = 3;
const S_REQUESTS = 4;
const S_AMOUNT = 5;
const S_UNITS = 6;
const S_SLOTS = 7;

/**
 * A server's rule, timing state and counters.
 *
 * NOTE: written for speed: every server keeps them in an object of this one class, so `serve`, shared by all
 * server kinds, reads and writes fields of one hidden class and calls no per-kind hook. Fields or a hook method
 * on the five server subclasses would make those accesses megamorphic (V8 handles a site that sees more than
 * four classes with a slow generic lookup).
 */
export class ServerClock {
  /**
   * The timing state and counters (the S_* slots). NOTE: written for speed: one small typed array (on the JS heap,
   * next to its header) instead of seven number fields, each of which V8 keeps as a separate heap box once it holds
   * a fraction, so `serve` reads and writes one block of memory instead of following seven pointers.
   */
  private readonly s = new Float64Array(S_SLOTS);
  readonly quantum: number;
  readonly cyclesPerUnit: number;
  readonly unitsPerCycle: number;

  constructor(rate: ServiceRate) {
    this.quantum = rate.quantum ?? 0;
    this.cyclesPerUnit = rate.cyclesPerUnit ?? 1;
    this.unitsPerCycle = rate.unitsPerCycle ?? 1;
    if (!(this.quantum >= 0 && this.cyclesPerUnit > 0 && this.unitsPerCycle > 0)) {
      throw new Error(`server: bad service rate ${JSON.stringify(rate)}`);
    }
  }

  /** Cycle the server is free from (exact: fractional when the rate is). */
  get freeAt(): number {
    return this.s[S_FREE_AT] as number;
  }
  set freeAt(cycle: number) {
    this.s[S_FREE_AT] = cycle;
  }
  /** End cycle of the latest request served (rounded up). */
  get lastEnd(): number {
    return this.s[S_LAST_END] as number;
  }
  get busyCycles(): number {
    return this.s[S_BUSY] as number;
  }
  get waitCycles(): number {
    return this.s[S_WAIT] as number;
  }
  get requests(): number {
    return this.s[S_REQUESTS] as number;
  }
  /** Sum of the amounts served, and of their units. */
  get amount(): number {
    return this.s[S_AMOUNT] as number;
  }
  get units(): number {
    return this.s[S_UNITS] as number;
  }

  /** Server.serve's rule (see there), on this clock. */
  serve(amount: number, earliest: number): number {
    const s = this.s;
    const freeAt = s[S_FREE_AT] as number;
    const start = earliest > freeAt ? earliest : freeAt;
    const units = this.quantum > 0 ? Math.ceil(amount / this.quantum) : amount;
    const cycles = (units * this.cyclesPerUnit) / this.unitsPerCycle;
    (s[S_AMOUNT] as number) += amount;
    (s[S_UNITS] as number) += units;
    const end = start + cycles;
    s[S_FREE_AT] = end;
    // Tolerance: sums of fractions (3 x 1/3) must not round up to the next cycle.
    s[S_LAST_END] = Math.ceil(end - 1e-9);
    (s[S_BUSY] as number) += cycles;
    (s[S_WAIT] as number) += start - earliest;
    (s[S_REQUESTS] as number)++;
    return Math.floor(start);
  }

  /**
   * Books `items` requests' worth of work that a caller timed itself (sim/compute.ts: shift-and-add steps): they
   * took `busyCycles`, waited `waitCycles`, and end at `end` (exact; lastEnd rounds it up as serve does).
   * NOTE: serve's booking written again, not shared: serve through a shared private helper measured 2% more per
   * event in the bench's loop (benchSim, 7 alternated pairs: ratio medians 3.88 -> 3.97).
   */
  book(items: number, busyCycles: number, waitCycles: number, end: number): void {
    const s = this.s;
    (s[S_BUSY] as number) += busyCycles;
    (s[S_WAIT] as number) += waitCycles;
    (s[S_AMOUNT] as number) += items;
    (s[S_UNITS] as number) += items;
    (s[S_REQUESTS] as number)++;
    s[S_FREE_AT] = end;
    s[S_LAST_END] = Math.ceil(end - 1e-9);
  }
}

/**
 * A single server with a FIFO queue whose service time is known when a request arrives (a link moving a
 * packet, an eDRAM port moving bits, a digital unit doing ops). Requests arrive in time order, so the FIFO
 * queue is implicit: a request starts when the server frees up.
 *
 * NOTE: written for speed: no queue objects, no events of its own; `serve` returns the start cycle and the
 * caller schedules its own completion at `lastEnd`.
 */
export class Server extends BaseResource {
  /** Rule and timing state, read through the accessors below. */
  readonly clock: ServerClock;

  constructor(env: Environment, label: string, rate: ServiceRate) {
    super(env, label);
    this.clock = new ServerClock(rate);
  }

  /** Cycle the server is free from. */
  get freeAt(): number {
    return this.clock.freeAt;
  }
  set freeAt(cycle: number) {
    this.clock.freeAt = cycle;
  }
  get busyCycles(): number {
    return this.clock.busyCycles;
  }
  /** End cycle of the latest request served. */
  get lastEnd(): number {
    return this.clock.lastEnd;
  }
  get requests(): number {
    return this.clock.requests;
  }
  get waitCycles(): number {
    return this.clock.waitCycles;
  }

  /**
   * Serves `amount` from `earliest` (>= now) on; returns the start cycle (rounded down), and sets `lastEnd` (the
   * end, rounded up). Service times may be fractional (a link moving 3 flits per cycle serves a 4-flit packet in
   * 4/3 cycles): `freeAt` keeps the exact time, so back-to-back small requests share cycles the way the hardware's
   * rate allows, while events still happen at whole cycles.
   */
  serve(amount: number, earliest: number = this.env.now): number {
    return this.clock.serve(amount, earliest);
  }

  /** Busy fraction over `spanCycles`. */
  utilization(spanCycles: number): number {
    return spanCycles > 0 ? Math.min(1, this.busyCycles / spanCycles) : 0;
  }
}

/** A queued request for capacity. */
export interface CapacityRequest {
  amount: number;
  /** Handler scheduled (with a, b) when granted. */
  handler: number;
  a: number;
  b: number;
  /** Cycle the request was made. */
  since: number;
  /** Who asks, for deadlock messages. */
  who: string;
  /** Account the amount is charged to (subclasses may give accounts guarantees). */
  key: number;
  /** What the amount is for within the account (e.g. a row), for subclasses' rules. */
  tag: number;
}

/**
 * A finite capacity (SimPy's Container): `request` takes space now or queues; `release` gives it back and
 * grants queued requests that now fit, in arrival order per account (first fit across accounts, so one
 * blocked account does not stall the others; a subclass may allow first fit within an account too).
 */
export abstract class Container extends BaseResource {
  requests = 0;
  waitCycles = 0;
  used = 0;
  peakUsed = 0;
  /**
   * Queued requests, waiting[0 .. waitingCount - 1] in arrival order; the records past them are spares, reused by
   * the next requests. NOTE: written for speed: no record allocated per queued request and no array per grant (a
   * splice returns one), which in a ResNet-50 run were half of the event loop's allocations.
   */
  private readonly waiting: CapacityRequest[] = [];
  private waitingCount = 0;

  constructor(
    env: Environment,
    label: string,
    readonly capacity: number,
  ) {
    super(env, label);
  }

  /** Hook: may `amount` be granted to account `key` (for `tag`) now? */
  protected fits(amount: number, _key: number, _tag: number): boolean {
    return this.used + amount <= this.capacity;
  }

  /** Hooks: per-account bookkeeping. */
  protected onTake(_amount: number, _key: number, _tag: number): void {}
  protected onRelease(_amount: number, _key: number, _tag: number): void {}

  /** Hook: must an account's requests be granted in their arrival order? @default true */
  protected accountOrder(): boolean {
    return true;
  }

  private blockedBefore(key: number, before: number): boolean {
    if (before === 0 || !this.accountOrder()) return false;
    for (let j = 0; j < before; j++) if ((this.waiting[j] as CapacityRequest).key === key) return true;
    return false;
  }

  /**
   * Takes `amount` now for account `key` and returns true, or queues the request (handler runs when granted)
   * and returns false.
   */
  request(amount: number, handler: number, a: number, b: number, who: string, key = 0, tag = 0): boolean {
    this.requests++;
    if (this.fits(amount, key, tag) && !this.blockedBefore(key, this.waitingCount)) {
      this.take(amount, key, tag);
      return true;
    }
    const req = this.waiting[this.waitingCount];
    if (req === undefined) this.waiting.push({ amount, handler, a, b, since: this.env.now, who, key, tag });
    else {
      req.amount = amount;
      req.handler = handler;
      req.a = a;
      req.b = b;
      req.since = this.env.now;
      req.who = who;
      req.key = key;
      req.tag = tag;
    }
    this.waitingCount++;
    return false;
  }

  release(amount: number, key = 0, tag = 0): void {
    this.used -= amount;
    if (this.used < 1e-9) this.used = 0;
    this.onRelease(amount, key, tag);
    const n = this.waitingCount;
    if (n === 0) return;
    const waiting = this.waiting;
    // Compacts in place: the requests still waiting move down to 0 .. kept - 1 in their order, the granted ones'
    // records past them (so the requests before a waiting one are always waiting[0 .. kept - 1]).
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const req = waiting[i] as CapacityRequest;
      // An account's requests are granted in their own order (unless the subclass says otherwise); other
      // accounts may pass a blocked one.
      if (this.fits(req.amount, req.key, req.tag) && !this.blockedBefore(req.key, kept)) {
        this.take(req.amount, req.key, req.tag);
        this.waitCycles += this.env.now - req.since;
        this.env.schedule(0, req.handler, req.a, req.b);
      } else {
        if (kept !== i) {
          waiting[i] = waiting[kept] as CapacityRequest;
          waiting[kept] = req;
        }
        kept++;
      }
    }
    this.waitingCount = kept;
  }

  /** Requests queued now. */
  get queued(): number {
    return this.waitingCount;
  }

  private take(amount: number, key: number, tag: number): void {
    this.onTake(amount, key, tag);
    this.used += amount;
    if (this.used > this.peakUsed) this.peakUsed = this.used;
  }
}
