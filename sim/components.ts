/**
 * Hardware components as small subclasses of the kernel's resources: each adds only its service-time rule
 * (from the architecture spec) and its counters.
 */
import type { ArchSpec } from '../arch/types';
import { offChipBitsPerCycle } from '../arch/timing';
import type { Environment } from './kernel/env';
import { Container, Server } from './kernel/resource';
import type { Slabs } from './kernel/slab';

/** A tile's eDRAM port: `accessBits` per access, `accessesPerCycle` accesses per cycle, reads and writes alike. */
export class EdramPort extends Server {
  constructor(
    env: Environment,
    readonly tile: number,
    accessBits: number,
    accessesPerCycle: number,
  ) {
    super(env, `eDRAM port of tile ${tile}`, { quantum: accessBits, unitsPerCycle: accessesPerCycle });
  }
  get accesses(): number {
    return this.clock.units;
  }
  get bits(): number {
    return this.clock.amount;
  }
}

/**
 * One producer's rows on a tile: its guaranteed row slots and what each row holds. Row r (image-major index) lives
 * in ring slot (head + r - base) & mask while base <= r < base + mask + 1: the ring spans the rows from the oldest
 * not yet freed to the newest taken, so its size follows the rows in flight, not the stream (it doubles when they
 * outgrow it). Rows below base are all freed.
 */
interface EdramAccount {
  /** Rows (from the oldest not yet freed, in image-major order) the guarantee covers. */
  slots: number;
  /** Row indices in all (rows x images). */
  rows: number;
  /** Per ring slot: bits held by its row, and whether the row is freed. */
  held: Float64Array;
  freed: Uint8Array;
  mask: number;
  /** Ring slot of row `base`. */
  head: number;
  /** Oldest row not yet freed. */
  base: number;
  /** Bits held by rows beyond the guaranteed slots (they live in the tile's unguaranteed space). */
  outBits: number;
}

/** Ring slot of row `row` (base <= row), doubling the ring when the row lies beyond it. */
function accountSlot(acc: EdramAccount, row: number): number {
  const offset = row - acc.base;
  if (offset > acc.mask) growAccount(acc, offset);
  return (acc.head + offset) & acc.mask;
}

/** Doubles the ring until it reaches `offset` rows past base (the oldest row first in the new ring). */
function growAccount(acc: EdramAccount, offset: number): void {
  let size = acc.mask + 1;
  while (offset >= size) size *= 2;
  const held = new Float64Array(size);
  const freed = new Uint8Array(size);
  for (let k = 0; k <= acc.mask; k++) {
    const from = (acc.head + k) & acc.mask;
    held[k] = acc.held[from] as number;
    freed[k] = acc.freed[from] as number;
  }
  acc.held = held;
  acc.freed = freed;
  acc.mask = size - 1;
  acc.head = 0;
}

/** The smallest power of two >= n (n >= 1). */
function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * A tile's eDRAM capacity (bits): rows occupy it from reservation until their last reader on the tile is done.
 * Each account (one producer's rows on this tile) is guaranteed `slots` rows counted from its oldest row not yet
 * freed: its readers' widest window plus the lookahead (placement's channelBits rule, which makes the
 * guarantees fit the tile). Pieces of those rows always fit; pieces of later rows (a fast replica or the off-chip
 * input running ahead) only take space nobody is guaranteed. So a producer running ahead cannot starve the rows
 * the pipeline needs next, which a real chip avoids with credit-based flow control, and partial rows from fast
 * replicas cannot crowd out the pieces that complete the oldest row. When the guarantees alone exceed the
 * capacity, or the readers on a tile drift further apart than the windows (a residual branch waiting for the
 * main path), the pipeline may still deadlock: that is reported, not hidden.
 */
export class EdramBuffer extends Container {
  private readonly accounts: EdramAccount[] = [];
  /** Guaranteed bits of all accounts plus the bits held beyond them: space used or promised. */
  private committed = 0;

  constructor(
    env: Environment,
    readonly tile: number,
    capacityBits: number,
  ) {
    super(env, `eDRAM of tile ${tile}`, capacityBits);
  }

  /**
   * Opens account `key` with `rows` row indices (rows x images), guaranteeing `slots` rows of `rowBits` (call before
   * requests). Its ring starts with room for the guarantee and a row beyond it, carved from the run's `slabs`.
   */
  reserveFor(key: number, rows: number, slots: number, rowBits: number, slabs: Slabs): void {
    const size = powerOfTwoAtLeast(Math.max(4, slots + 1));
    this.accounts[key] = { slots, rows, held: slabs.float64.take(size), freed: slabs.uint8.take(size), mask: size - 1, head: 0, base: 0, outBits: 0 };
    this.committed += slots * rowBits;
  }

  /** Bytes of the accounts' row rings (they follow the rows in flight, not the stream). */
  get tableBytes(): number {
    let bytes = 0;
    for (const acc of this.accounts) if (acc !== undefined) bytes += acc.held.byteLength + acc.freed.byteLength;
    return bytes;
  }

  /** Bits account `key` holds in all. */
  heldBy(key: number): number {
    let bits = 0;
    for (const b of this.accounts[key]?.held ?? []) bits += b;
    return bits;
  }

  /** Frees everything row `row` of account `key` holds (its last reader on the tile is done with it). */
  freeRow(key: number, row: number): void {
    const acc = this.accounts[key];
    if (acc === undefined || row < acc.base) return;
    const slot = accountSlot(acc, row);
    if (acc.freed[slot] === 1) return;
    this.release(acc.held[slot] as number, key, row);
  }

  protected override accountOrder(): boolean {
    return false;
  }

  protected override fits(amount: number, key: number, row: number): boolean {
    if (this.used + amount > this.capacity) return false;
    const acc = this.accounts[key];
    if (acc === undefined || row < acc.base + acc.slots) return true;
    return this.committed + amount <= this.capacity;
  }

  protected override onTake(amount: number, key: number, row: number): void {
    const acc = this.accounts[key];
    if (acc === undefined) return;
    const slot = accountSlot(acc, row);
    acc.held[slot] = (acc.held[slot] as number) + amount;
    if (row >= acc.base + acc.slots) {
      acc.outBits += amount;
      this.committed += amount;
    }
  }

  protected override onRelease(amount: number, key: number, row: number): void {
    const acc = this.accounts[key];
    if (acc === undefined) return;
    const slot = accountSlot(acc, row);
    acc.held[slot] = 0;
    acc.freed[slot] = 1;
    if (row >= acc.base + acc.slots) {
      acc.outBits -= amount;
      this.committed -= amount;
    }
    // Slide the guaranteed slots past freed rows (their ring slots are cleared for the rows to come): rows entering
    // them stop counting against the shared space.
    const oldEnd = acc.base + acc.slots;
    while (acc.base < acc.rows && acc.freed[acc.head] === 1) {
      acc.freed[acc.head] = 0;
      acc.held[acc.head] = 0;
      acc.head = (acc.head + 1) & acc.mask;
      acc.base++;
    }
    const newEnd = Math.min(acc.base + acc.slots, acc.rows);
    // Rows below the new base are freed (they hold nothing).
    for (let q = Math.max(oldEnd, acc.base); q < newEnd; q++) {
      const s = accountSlot(acc, q);
      const bits = acc.held[s] as number;
      if (bits > 0 && acc.freed[s] === 0) {
        acc.outBits -= bits;
        this.committed -= bits;
      }
    }
  }
}

/** A tile's digital unit (pooling, add, activation): one FIFO shared by every layer on the tile. */
export class DigitalUnit extends Server {
  constructor(
    env: Environment,
    readonly tile: number,
    opsPerCycle: number,
  ) {
    super(env, `digital unit of tile ${tile}`, { unitsPerCycle: opsPerCycle });
  }
  get ops(): number {
    return this.clock.amount;
  }
}

/**
 * A MAC array for products of two activations (shared by its tile group) or a layer's rewritten crossbars
 * (docs/hardware-model.md rule 8): FIFO, work in MAC slots (or cycles) at its rate.
 */
export class ProductUnit extends Server {
  constructor(env: Environment, label: string, unitsPerCycle: number) {
    super(env, label, { unitsPerCycle });
  }
}

/** A NoC link (tile injection, router-to-router, or tile ejection): one packet train at a time, FIFO. */
export class NocLink extends Server {
  constructor(env: Environment, label: string, flitsPerCycle: number) {
    super(env, label, { unitsPerCycle: flitsPerCycle });
  }
  get flits(): number {
    return this.clock.amount;
  }
}

/** The off-chip input link into router 0. */
export class OffChipLink extends Server {
  constructor(env: Environment, arch: ArchSpec) {
    super(env, 'off-chip input link', { unitsPerCycle: offChipBitsPerCycle(arch) });
  }
  get bits(): number {
    return this.clock.amount;
  }
}

/**
 * A replica's crossbar group with its ADC bank (`adc.perCrossbar` ADCs per crossbar) and shift-and-add
 * units. Owned by one replica, so it never queues; it times MVMs and counts conversions and adds.
 */
export class CrossbarGroup extends Server {
  constructor(
    env: Environment,
    label: string,
    /** Cycles of one MVM (mapping.mvmCycles: streamed bits + fill sweeps, each one ADC sweep). */
    readonly mvmCycles: number,
  ) {
    super(env, label, { cyclesPerUnit: mvmCycles });
  }
  get mvms(): number {
    return this.clock.amount;
  }
}
