/**
 * Zeroed typed arrays carved from large blocks, for the many small per-run tables of a simulation (each channel's
 * row states, each eDRAM account's rows).
 *
 * NOTE: written for speed: a typed array of more than 64 bytes gets its own off-heap allocation, about a
 * microsecond each; a ResNet-50 run builds ~900 of them, over half of the engine's construction time. A view of a
 * shared block costs only the view object.
 */
export class Slab<T extends Int32Array | Float64Array | Uint8Array> {
  private block: T;
  private used = 0;

  constructor(
    private readonly make: (length: number) => T,
    private readonly blockLength = 1 << 16,
  ) {
    this.block = make(0);
  }

  /** A zeroed array of `length` elements, viewing a block no other `take` shares. */
  take(length: number): T {
    if (this.used + length > this.block.length) {
      this.block = this.make(Math.max(this.blockLength, length));
      this.used = 0;
    }
    const view = this.block.subarray(this.used, this.used + length) as T;
    this.used += length;
    return view;
  }
}

/** One slab per element type an engine needs. */
export interface Slabs {
  int32: Slab<Int32Array>;
  float64: Slab<Float64Array>;
  uint8: Slab<Uint8Array>;
}

export function newSlabs(): Slabs {
  return {
    int32: new Slab((n) => new Int32Array(n)),
    float64: new Slab((n) => new Float64Array(n)),
    uint8: new Slab((n) => new Uint8Array(n)),
  };
}
