/**
 * A first-in-first-out queue of fixed-width numeric records (a job's image, row, pixels, ...) for per-unit
 * bookkeeping in the hot loop.
 *
 * NOTE: written for speed: one Float64Array ring per queue, doubled when full, so adding and taking records
 * neither allocates nor calls into the runtime, and a record is written or read field by field in place
 * (`data[at + k]`) instead of through one call per field.
 */
export class RecordFifo {
  /** The ring; a record's fields are `data[at] .. data[at + width - 1]`, `at` from `add` or `take`. */
  data: Float64Array;
  private head = 0;
  private count = 0;
  /** Records the ring holds (NOTE: kept, not divided out of data.length on every add and take). */
  private capacity: number;

  constructor(
    readonly width: number,
    /** Small by default: a typed array of up to 64 bytes lives on the JS heap, a larger one costs an allocation. */
    initialRecords = 2,
  ) {
    if (!Number.isInteger(width) || width < 1) throw new Error(`RecordFifo: width must be an integer >= 1, got ${width}`);
    this.capacity = Math.max(1, initialRecords);
    this.data = new Float64Array(width * this.capacity);
  }

  /** Records queued. */
  get size(): number {
    return this.count;
  }

  /** Appends a record and returns its offset in `data`, to fill in before the next `add`. */
  add(): number {
    if (this.count === this.capacity) this.grow();
    let slot = this.head + this.count++;
    if (slot >= this.capacity) slot -= this.capacity;
    return slot * this.width;
  }

  /** Removes the oldest record and returns its offset in `data`, valid until the next `add`. */
  take(): number {
    if (this.count === 0) empty('take from');
    const at = this.head * this.width;
    this.count--;
    this.head = this.count === 0 || this.head + 1 === this.capacity ? 0 : this.head + 1;
    return at;
  }

  /** Offset of the oldest record, without removing it (the queue must not be empty). */
  oldest(): number {
    if (this.count === 0) empty('no oldest record in');
    return this.head * this.width;
  }

  /** Offset of the newest record (the queue must not be empty). */
  newest(): number {
    if (this.count === 0) empty('no newest record in');
    let slot = this.head + this.count - 1;
    if (slot >= this.capacity) slot -= this.capacity;
    return slot * this.width;
  }

  /** Doubles the ring, unwrapping the records so the oldest comes first. */
  private grow(): void {
    const next = new Float64Array(this.data.length * 2);
    const headAt = this.head * this.width;
    next.set(this.data.subarray(headAt));
    next.set(this.data.subarray(0, headAt), this.data.length - headAt);
    this.data = next;
    this.capacity *= 2;
    this.head = 0;
  }
}

/** NOTE: written for speed: out of line, so add/take stay small enough to inline. */
function empty(what: string): never {
  throw new Error(`RecordFifo: ${what} an empty queue`);
}
