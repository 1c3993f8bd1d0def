/**
 * A first-in-first-out queue of numbers for per-unit bookkeeping in the hot loop.
 *
 * NOTE: written for speed: one array reused for the whole run (rewound when it empties), so taking and adding
 * entries neither allocates (as `splice` does) nor changes the array's length (a runtime call).
 */
export class NumberFifo {
  private readonly items: number[] = [];
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(value: number): void {
    if (this.tail < this.items.length) this.items[this.tail] = value;
    else this.items.push(value);
    this.tail++;
  }

  /** Removes and returns the oldest entry (the queue must not be empty). */
  shift(): number {
    if (this.head === this.tail) throw new Error('NumberFifo: shift from an empty queue');
    const value = this.items[this.head++] as number;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
    return value;
  }

  /** The entry `back` places from the newest (1: the newest), without removing it. */
  peekBack(back: number): number {
    if (back < 1 || back > this.tail - this.head) throw new Error(`NumberFifo: no entry ${back} from the back`);
    return this.items[this.tail - back] as number;
  }
}
