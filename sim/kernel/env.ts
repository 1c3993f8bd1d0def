/**
 * The simulation environment (SimPy's Environment): a clock in integer cycles, one event queue, and a table
 * of handlers that components register once. Time jumps from event to event; there is no per-cycle loop.
 */
import { EventQueue } from './queue';

/** Named priorities: at the same cycle, lower runs first (control events before ordinary work). */
export const Priority = {
  /** Control: start, stop, interrupts. */
  urgent: 0,
  /** Ordinary component events. */
  normal: 1,
  /** Bookkeeping that must see the cycle's work done (statistics, progress). */
  late: 2,
} as const;
export type PriorityName = keyof typeof Priority;
/** Priority.normal as a plain constant: a default parameter reading `Priority.normal` costs two loads per call. */
const NORMAL = Priority.normal;

/** A handler takes the two integer arguments it was scheduled with. */
export type Handler = (a: number, b: number) => void;

export type EventState = 'pending' | 'triggered' | 'processed';

/**
 * A one-shot event with explicit state, for control flow that wants callbacks (SimPy's Event). Triggering
 * twice throws; a callback's exception propagates out of `run` (never swallowed).
 */
export class SimEvent {
  state: EventState = 'pending';
  value: unknown = undefined;
  private callbacks: Array<(ev: SimEvent) => void> = [];

  constructor(
    private readonly env: Environment,
    readonly name: string,
  ) {}

  /** Adds a callback run when the event is processed (immediately scheduled if already processed). */
  then(callback: (ev: SimEvent) => void): this {
    if (this.state === 'processed') throw new Error(`event '${this.name}' was already processed`);
    this.callbacks.push(callback);
    return this;
  }

  /** Triggers the event `delayCycles` from now; it is processed when the clock reaches it. */
  succeed(value?: unknown, delayCycles = 0, priority: number = Priority.normal): this {
    if (this.state !== 'pending') throw new Error(`event '${this.name}' triggered twice (state ${this.state})`);
    this.state = 'triggered';
    this.value = value;
    this.env.scheduleEvent(this, delayCycles, priority);
    return this;
  }

  /** Called by the environment. */
  process(): void {
    this.state = 'processed';
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const cb of callbacks) cb(this);
  }
}

export class Environment {
  /** Current cycle. */
  now = 0;
  /** Events processed so far. */
  processed = 0;
  readonly queue = new EventQueue();
  private readonly handlers: Handler[] = [];
  private readonly liveEvents: Array<SimEvent | undefined> = [];
  private readonly freeEventSlots: number[] = [];
  private readonly eventHandler: number;
  private stopped = false;

  constructor() {
    this.eventHandler = this.register((slot) => {
      const ev = this.liveEvents[slot];
      this.liveEvents[slot] = undefined;
      this.freeEventSlots.push(slot);
      ev?.process();
    });
  }

  /** Registers a handler; the returned id is what `schedule` takes. */
  register(handler: Handler): number {
    this.handlers.push(handler);
    return this.handlers.length - 1;
  }

  /** Schedules handler `id` with (a, b) at `now + delayCycles` (integer, >= 0). */
  schedule(delayCycles: number, id: number, a = 0, b = 0, priority: number = NORMAL): void {
    this.queue.push(this.now + delayCycles, priority, id, a, b);
  }

  /** Schedules at an absolute cycle (>= now). */
  scheduleAt(time: number, id: number, a = 0, b = 0, priority: number = NORMAL): void {
    if (time < this.now) throw new Error(`cannot schedule at cycle ${time}, before now (${this.now})`);
    this.queue.push(time, priority, id, a, b);
  }

  event(name: string): SimEvent {
    return new SimEvent(this, name);
  }

  /** A timeout: an event that succeeds `delayCycles` from now. */
  timeout(delayCycles: number, name = 'timeout'): SimEvent {
    return new SimEvent(this, name).succeed(undefined, delayCycles);
  }

  scheduleEvent(ev: SimEvent, delayCycles: number, priority: number): void {
    const slot = this.freeEventSlots.pop() ?? this.liveEvents.length;
    this.liveEvents[slot] = ev;
    this.schedule(delayCycles, this.eventHandler, slot, 0, priority);
  }

  /** Stops `run` after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Processes events in order until the queue empties, `stop` is called, or the next event lies beyond
   * `untilCycle`, or after `maxEvents` events. Returns the number of events processed.
   */
  run(untilCycle = Infinity, maxEvents = Infinity): number {
    // NOTE: hot loop, kept flat: pop into fields, dispatch through the handler table.
    const queue = this.queue;
    const handlers = this.handlers;
    let n = 0;
    this.stopped = false;
    const bounded = untilCycle !== Infinity;
    while (!this.stopped && n < maxEvents) {
      if (bounded && queue.peekTime() > untilCycle) break;
      if (!queue.pop()) break;
      this.now = queue.poppedTime;
      (handlers[queue.poppedHandler] as Handler)(queue.poppedA, queue.poppedB);
      n++;
    }
    this.processed += n;
    return n;
  }
}
