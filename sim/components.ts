/**
 * Hardware components as small subclasses of the kernel's resources: each adds only its service-time rule
 * (from the architecture spec) and its counters.
 */
import type { ArchSpec } from '../arch/types';
import { offChipBitsPerCycle } from '../arch/timing';
import type { Environment } from './kernel/env';
import { Container, Server } from './kernel/resource';

/** A tile's eDRAM port: `accessBits` per access, `accessesPerCycle` accesses per cycle, reads and writes alike. */
export class EdramPort extends Server {
  accesses = 0;
  bits = 0;
  constructor(
    env: Environment,
    readonly tile: number,
    private readonly accessBits: number,
    private readonly accessesPerCycle: number,
  ) {
    super(env, `eDRAM port of tile ${tile}`);
  }
  protected serviceCycles(bits: number): number {
    const accesses = Math.ceil(bits / this.accessBits);
    this.accesses += accesses;
    this.bits += bits;
    return accesses / this.accessesPerCycle;
  }
}

/**
 * A tile's eDRAM capacity (bits): rows occupy it from reservation until their last consumer is done.
 * Each account (one producer's rows on this tile) is guaranteed room for its consumers' line-buffer window,
 * and may use the rest only while it leaves the other accounts' guarantees free: a producer running ahead
 * (the off-chip input streaming image after image) then cannot starve the rows the pipeline needs next,
 * which a real chip avoids with credit-based flow control. When the guarantees alone exceed the capacity,
 * the tile is too small for the pipeline and it may deadlock (reported, not hidden).
 */
export class EdramBuffer extends Container {
  private readonly guarantee: number[] = [];
  private readonly usedBy: number[] = [];
  /** Sum over accounts of max(used, guarantee): space used or promised. */
  private committed = 0;

  constructor(
    env: Environment,
    readonly tile: number,
    capacityBits: number,
  ) {
    super(env, `eDRAM of tile ${tile}`, capacityBits);
  }

  /** Guarantees `bits` to account `key` (call before any request). */
  reserveFor(key: number, bits: number): void {
    this.guarantee[key] = bits;
    this.usedBy[key] = 0;
    this.committed += bits;
  }

  /** Bits currently held by account `key`. */
  heldBy(key: number): number {
    return this.usedBy[key] ?? 0;
  }

  protected override fits(amount: number, key: number): boolean {
    if (this.used + amount > this.capacity) return false;
    const g = this.guarantee[key] ?? 0;
    const u = this.usedBy[key] ?? 0;
    if (u + amount <= g) return true;
    const after = this.committed - Math.max(u, g) + Math.max(u + amount, g);
    return after <= this.capacity;
  }

  protected override onTake(amount: number, key: number): void {
    const g = this.guarantee[key] ?? 0;
    const u = this.usedBy[key] ?? 0;
    this.committed += Math.max(u + amount, g) - Math.max(u, g);
    this.usedBy[key] = u + amount;
  }

  protected override onRelease(amount: number, key: number): void {
    const g = this.guarantee[key] ?? 0;
    const u = this.usedBy[key] ?? 0;
    const next = Math.max(0, u - amount);
    this.committed += Math.max(next, g) - Math.max(u, g);
    this.usedBy[key] = next;
  }
}

/** A tile's digital unit (pooling, add, activation): one FIFO shared by every layer on the tile. */
export class DigitalUnit extends Server {
  ops = 0;
  constructor(
    env: Environment,
    readonly tile: number,
    private readonly opsPerCycle: number,
  ) {
    super(env, `digital unit of tile ${tile}`);
  }
  protected serviceCycles(ops: number): number {
    this.ops += ops;
    return ops / this.opsPerCycle;
  }
}

/** A NoC link (tile injection, router-to-router, or tile ejection): one packet train at a time, FIFO. */
export class NocLink extends Server {
  flits = 0;
  constructor(
    env: Environment,
    label: string,
    private readonly flitsPerCycle: number,
  ) {
    super(env, label);
  }
  protected serviceCycles(flits: number): number {
    this.flits += flits;
    return flits / this.flitsPerCycle;
  }
}

/** The off-chip input link into router 0. */
export class OffChipLink extends Server {
  bits = 0;
  private readonly bitsPerCycle: number;
  constructor(env: Environment, arch: ArchSpec) {
    super(env, 'off-chip input link');
    this.bitsPerCycle = offChipBitsPerCycle(arch);
  }
  protected serviceCycles(bits: number): number {
    this.bits += bits;
    return bits / this.bitsPerCycle;
  }
}

/**
 * A replica's crossbar group with its ADC bank (`adc.perCrossbar` ADCs per crossbar) and shift-and-add
 * units. Owned by one replica, so it never queues; it times MVMs and counts conversions and adds.
 */
export class CrossbarGroup extends Server {
  mvms = 0;
  constructor(
    env: Environment,
    label: string,
    /** Cycles of one MVM (mapping.mvmCycles: streamed bits + fill sweeps, each one ADC sweep). */
    readonly mvmCycles: number,
  ) {
    super(env, label);
  }
  protected serviceCycles(mvms: number): number {
    this.mvms += mvms;
    return mvms * this.mvmCycles;
  }
}

/** Cycles the shift-and-add units of one replica need per MVM (pipelined behind the next MVM). */
export function shiftAddCyclesPerMvm(arch: ArchSpec, crossbars: number, addsPerMvm: number): number {
  const rate = crossbars * arch.shiftAdd.perCrossbar * arch.shiftAdd.addsPerCycle;
  return Math.ceil(addsPerMvm / rate);
}
