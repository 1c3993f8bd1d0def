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
    return Math.ceil(accesses / this.accessesPerCycle);
  }
}

/** A tile's eDRAM capacity (bits): rows occupy it from reservation until their last consumer is done. */
export class EdramBuffer extends Container {
  constructor(
    env: Environment,
    readonly tile: number,
    capacityBits: number,
  ) {
    super(env, `eDRAM of tile ${tile}`, capacityBits);
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
    return Math.ceil(ops / this.opsPerCycle);
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
    return Math.ceil(flits / this.flitsPerCycle);
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
    return Math.ceil(bits / this.bitsPerCycle);
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
