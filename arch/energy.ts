import type { ArchSpec } from './types';
import type { LayerCrossbarMapping } from './mapping';
import { adcCost } from './adc';
import { crossbarCost } from './crossbar-cost';
import { edramCost } from './edram';
import { sweepCycles } from './timing';

/** Dynamic energy of one image by component, pJ (the analytical model's and the simulator's report). */
export interface EnergyBreakdownPj {
  crossbar: number;
  adc: number;
  dac: number;
  sampleHold: number;
  shiftAdd: number;
  edram: number;
  noc: number;
  digital: number;
  /** Products of two activations off the digital unit: MAC arrays, or rewritten crossbars' writes and reads. */
  attention: number;
  offChip: number;
  total: number;
}

/** Dynamic energy of one MVM of a layer replica, by crossbar-side component, pJ (mW x ns = pJ). */
export interface MvmEnergyPj {
  crossbar: number;
  adc: number;
  dac: number;
  sampleHold: number;
  shiftAdd: number;
}

/**
 * Energy of one MVM (one output pixel) on a replica: every crossbar is powered for each of its sweeps, every
 * converted value costs one ADC conversion and one shift-and-add, each used row's DAC drives each streamed bit,
 * each used column's sample-and-hold holds each sweep. Shared by the analytical model and the simulator.
 */
export function mvmEnergyPj(arch: ArchSpec, m: LayerCrossbarMapping): MvmEnergyPj {
  // One read and its conversions, not the wait for a shared ADC: the held values cost no array or DAC power.
  const sweepNs = sweepCycles(arch, m.usedColsPerCrossbar) / arch.clockGHz;
  const streamedBits = Math.ceil(m.abits / arch.dac.bits);
  return {
    crossbar: m.crossbarsPerReplica * m.sweepsPerMvm * sweepNs * crossbarCost(arch).powerMw,
    adc: m.conversionsPerMvm * adcCost(arch).energyPjPerConversion,
    dac: m.crossbarsPerReplica * m.rowsActivePerCrossbar * streamedBits * sweepNs * arch.dac.powerMw,
    sampleHold: m.crossbarsPerReplica * m.usedColsPerCrossbar * m.sweepsPerMvm * sweepNs * arch.sampleHold.powerMw,
    shiftAdd: m.reductionAddsPerMvm * arch.shiftAdd.energyPjPerAdd,
  };
}

/** An energy breakdown with every component at 0 (the one place that lists the components). */
export function zeroEnergyPj(): EnergyBreakdownPj {
  return { crossbar: 0, adc: 0, dac: 0, sampleHold: 0, shiftAdd: 0, edram: 0, noc: 0, digital: 0, attention: 0, offChip: 0, total: 0 };
}

/** Adds `mvms` MVMs of `per` (mvmEnergyPj) to the crossbar-side components of `e`. */
export function addMvmEnergyPj(e: EnergyBreakdownPj, mvms: number, per: MvmEnergyPj): void {
  e.crossbar += mvms * per.crossbar;
  e.adc += mvms * per.adc;
  e.dac += mvms * per.dac;
  e.sampleHold += mvms * per.sampleHold;
  e.shiftAdd += mvms * per.shiftAdd;
}

/** Sum of the components (in one fixed order, so the model's and the simulator's totals round alike). */
export function energyTotalPj(e: EnergyBreakdownPj): number {
  return e.crossbar + e.adc + e.dac + e.sampleHold + e.shiftAdd + e.edram + e.noc + e.digital + e.attention + e.offChip;
}

/** Energy of `accesses` eDRAM accesses (reads and writes alike, each at the capacity's access energy, edram.ts). */
export function edramEnergyPj(arch: ArchSpec, accesses: number): number {
  return accesses * edramCost(arch).energyPjPerAccess;
}

/** Energy of `flitHops` flit-router traversals: the router's energy per flit, scaled from its rated flit width. */
export function nocEnergyPj(arch: ArchSpec, flitHops: number): number {
  return flitHops * arch.noc.router.energyPjPerFlit * (arch.noc.flitBits / arch.noc.router.energyFlitBits);
}

/** Energy of `ops` element ops on the tiles' digital units. */
export function digitalEnergyPj(arch: ArchSpec, ops: number): number {
  return ops * arch.tile.digital.energyPjPerOp;
}

/** Energy of `bits` entering through the off-chip link. */
export function offChipEnergyPj(arch: ArchSpec, bits: number): number {
  return bits * arch.offChip.energyPjPerBit;
}
