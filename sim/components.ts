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

/** One producer's rows on a tile: its guaranteed row slots and what each row holds. */
interface EdramAccount {
  /** Rows (from the oldest not yet freed, in image-major order) the guarantee covers. */
  slots: number;
  /** Bits held per row (index image * rows + row). */
  held: Float64Array;
  freed: Uint8Array;
  /** Oldest row not yet freed. */
  base: number;
  /** Bits held by rows beyond the guaranteed slots (they live in the tile's unguaranteed space). */
  outBits: number;
}

/**
 * A tile's eDRAM capacity (bits): rows occupy it from reservation until their last reader on the tile is done.
 * Each account (one producer's rows on this tile) is guaranteed `slots` rows counted from its oldest row not yet
 * freed: its readers' widest window plus one row of lookahead (placement's channelBits rule, which makes the
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
   * Opens account `key` with `rows` row indices, guaranteeing `slots` rows of `rowBits` (call before requests); its
   * tables come from the run's `slabs`.
   */
  reserveFor(key: number, rows: number, slots: number, rowBits: number, slabs: Slabs): void {
    const held = slabs.float64.take(rows);
    const freed = slabs.uint8.take(rows);
    this.accounts[key] = { slots, held, freed, base: 0, outBits: 0 };
    this.committed += slots * rowBits;
  }

  /** Bits row `row` of account `key` holds. */
  heldAt(key: number, row: number): number {
    return this.accounts[key]?.held[row] ?? 0;
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
    if (acc === undefined || acc.freed[row] === 1) return;
    const bits = acc.held[row] as number;
    this.release(bits, key, row);
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
    acc.held[row] = (acc.held[row] as number) + amount;
    if (row >= acc.base + acc.slots) {
      acc.outBits += amount;
      this.committed += amount;
    }
  }

  protected override onRelease(amount: number, key: number, row: number): void {
    const acc = this.accounts[key];
    if (acc === undefined) return;
    acc.held[row] = 0;
    acc.freed[row] = 1;
    if (row >= acc.base + acc.slots) {
      acc.outBits -= amount;
      this.committed -= amount;
    }
    // Slide the guaranteed slots past freed rows: rows entering them stop counting against the shared space.
    const oldEnd = acc.base + acc.slots;
    while (acc.base < acc.freed.length && acc.freed[acc.base] === 1) acc.base++;
    const newEnd = Math.min(acc.base + acc.slots, acc.held.length);
    for (let q = oldEnd; q < newEnd; q++) {
      const bits = acc.held[q] as number;
      if (bits > 0 && acc.freed[q] === 0) {
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
