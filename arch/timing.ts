import type { ArchSpec } from './types';

/**
 * Cycles for one crossbar read + conversion of `usedCols` columns (DESIGN.md section 6):
 * t_sweep = ceil(usedCols / adcsPerCrossbar) / adcSampleRate, rounded up to whole chip cycles.
 */
export function sweepCycles(arch: ArchSpec, usedCols: number): number {
  const conversionsPerAdc = Math.ceil(usedCols / arch.adc.perCrossbar);
  const ns = conversionsPerAdc / arch.adc.sampleRateGsps;
  // Tolerate float noise (e.g. 128 / 1.28 * 1.0 = 100.00000000000001) before rounding up.
  return Math.max(1, Math.ceil(ns * arch.clockGHz - 1e-9));
}

/** Input-bit steps of one MVM: ceil(abits / dacBits) streamed bits plus the pipeline fill. */
export function mvmSweeps(arch: ArchSpec, abits: number): number {
  return Math.ceil(abits / arch.dac.bits) + arch.core.mvmFillSweeps;
}

/** Cycles of one MVM with sample-and-hold overlap: (ceil(a / dacBits) + fill) * t_sweep. */
export function mvmCycles(arch: ArchSpec, usedCols: number, abits: number): number {
  return mvmSweeps(arch, abits) * sweepCycles(arch, usedCols);
}

/** Chip cycles to move `bits` at `bitsPerCycle`. */
export function transferCycles(bits: number, bitsPerCycle: number): number {
  return Math.ceil(bits / bitsPerCycle);
}

/** Off-chip input bandwidth in bits per chip cycle. */
export function offChipBitsPerCycle(arch: ArchSpec): number {
  return (arch.offChip.bandwidthGBps * 8) / arch.clockGHz;
}
