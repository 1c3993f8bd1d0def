/**
 * The simulation environment (SimPy's Environment): a clock in integer cycles, one event queue, and a table
 * of handlers that components register once. Time jumps from event to event; there is no per-cycle loop.
 * Events at the same cycle run in the order they were scheduled.
 */
import { EventQueue } from './queue';

/** A handler takes the two integer arguments it was scheduled with. */
export type Handler = (a: number, b: number) => void;

export class Environment {
  /** Current cycle. */
  now = 0;
  /** Events processed so far. */
  processed = 0;
  readonly queue = new EventQueue();
  private readonly handlers: Handler[] = [];

  /** Registers a handler; the returned id is what `schedule` takes. */
  register(handler: Handler): number {
    this.handlers.push(handler);
    return this.handlers.length - 1;
  }

  /** Schedules handler `id` with (a, b) at `now + delayCycles` (>= 0: the clock never runs backwards). */
  schedule(delayCycles: number, id: number, a = 0, b = 0): void {
    if (!(delayCycles >= 0)) badDelay(delayCycles);
    this.queue.push(this.now + delayCycles, id, a, b);
  }

  /** Schedules at an absolute cycle (>= now). */
  scheduleAt(time: number, id: number, a = 0, b = 0): void {
    if (!(time >= this.now)) badTime(time, this.now);
    this.queue.push(time, id, a, b);
  }

  /**
   * Processes events in order until the queue empties, or the next event lies beyond `untilCycle`, or after
   * `maxEvents` events. Returns the number of events processed.
   */
  run(untilCycle = Infinity, maxEvents = Infinity): number {
    // NOTE: hot loop, kept flat: pop into fields, dispatch through the handler table.
    const queue = this.queue;
    const handlers = this.handlers;
    let n = 0;
    const bounded = untilCycle !== Infinity;
    while (n < maxEvents) {
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

/** NOTE: written for speed: the throws live out of line, so `schedule` and `scheduleAt` stay small enough to inline. */
function badDelay(delayCycles: number): never {
  throw new Error(`cannot schedule ${delayCycles} cycles from now: a delay must be >= 0`);
}

function badTime(time: number, now: number): never {
  throw new Error(`cannot schedule at cycle ${time}, before now (${now})`);
}
