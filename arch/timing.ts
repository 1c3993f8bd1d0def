import type { ArchSpec } from './types';
import { rowGroups } from './adc';

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

/**
 * Sweeps of one MVM: each of the ceil(abits / dacBits) streamed input bits takes one read per row group (an ADC
 * of too few bits cannot resolve all rows at once: arch/adc.ts), plus the pipeline fill.
 * @param rowsActive rows in use on the crossbar @default arch.crossbar.rows
 */
export function mvmSweeps(arch: ArchSpec, abits: number, rowsActive: number = arch.crossbar.rows): number {
  return Math.ceil(abits / arch.dac.bits) * rowGroups(arch, rowsActive) + arch.core.mvmFillSweeps;
}

/**
 * Cycles of one MVM with sample-and-hold overlap: (ceil(a / dacBits) * rowGroups + fill) * t_sweep
 * (DESIGN.md section 6, with rowGroups = 1 whenever the ADC resolves a whole column).
 */
export function mvmCycles(arch: ArchSpec, usedCols: number, abits: number, rowsActive: number = arch.crossbar.rows): number {
  return mvmSweeps(arch, abits, rowsActive) * sweepCycles(arch, usedCols);
}

/** Chip cycles to move `bits` at `bitsPerCycle`. */
export function transferCycles(bits: number, bitsPerCycle: number): number {
  return Math.ceil(bits / bitsPerCycle);
}

/** Off-chip input bandwidth in bits per chip cycle. */
export function offChipBitsPerCycle(arch: ArchSpec): number {
  return (arch.offChip.bandwidthGBps * 8) / arch.clockGHz;
}
