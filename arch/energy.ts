import type { ArchSpec } from './types';
import type { LayerCrossbarMapping } from './mapping';
import { adcCost } from './adc';
import { crossbarCost } from './crossbar-cost';
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
