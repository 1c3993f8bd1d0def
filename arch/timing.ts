import type { ArchSpec } from './types';
import { rowGroups } from './adc';

/**
 * Crossbars one ADC serves while a layer runs `replicas` replicas of `crossbarsPerReplica` crossbars: the layer
 * owns whole cores and its replicas fill consecutive crossbars from a core's start, so its crossbars fill the
 * ADC groups (adc.crossbarsPerAdc consecutive crossbars) in order and the fullest group holds min(k, c x r).
 * In steady state every crossbar of the layer converts each sweep, so that group's ADC paces them all.
 */
export function adcSharers(arch: ArchSpec, crossbarsPerReplica: number, replicas = 1): number {
  return Math.max(1, Math.min(arch.adc.crossbarsPerAdc, crossbarsPerReplica * Math.max(1, replicas)));
}

/**
 * Cycles for one crossbar read + conversion of `usedCols` columns (docs/hardware-model.md rule 5):
 * t_sweep = sharers x ceil(usedCols / adcsPerCrossbar) / adcSampleRate, rounded up to whole chip cycles, where
 * `sharers` crossbars take turns on one ADC (adcSharers; 1 without sharing).
 */
export function sweepCycles(arch: ArchSpec, usedCols: number, sharers = 1): number {
  const conversionsPerAdc = Math.ceil(usedCols / arch.adc.perCrossbar) * sharers;
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
 * Cycles of one MVM with sample-and-hold overlap: (ceil(a / dacBits) * rowGroups + fill) * t_sweep(sharers)
 * (docs/hardware-model.md rule 5, with rowGroups = 1 whenever the ADC resolves a whole column).
 */
export function mvmCycles(
  arch: ArchSpec,
  usedCols: number,
  abits: number,
  rowsActive: number = arch.crossbar.rows,
  sharers = 1,
): number {
  return mvmSweeps(arch, abits, rowsActive) * sweepCycles(arch, usedCols, sharers);
}

/** Chip cycles to move `bits` at `bitsPerCycle`. */
export function transferCycles(bits: number, bitsPerCycle: number): number {
  return Math.ceil(bits / bitsPerCycle);
}

/** Off-chip input bandwidth in bits per chip cycle. */
export function offChipBitsPerCycle(arch: ArchSpec): number {
  return (arch.offChip.bandwidthGBps * 8) / arch.clockGHz;
}

/** What the shift-and-add rule reads of a layer's crossbar mapping (arch/mapping.ts LayerCrossbarMapping). */
export interface ShiftAddWork {
  crossbarsPerReplica: number;
  reductionAddsPerMvm: number;
  abits: number;
}

/**
 * Cycles the shift-and-add units of one replica need per MVM (rule 5): `reductionAddsPerMvm` additions on
 * crossbars x shiftAdd.perCrossbar units of shiftAdd.addsPerCycle each. They work behind the ADCs, pipelined with
 * the next MVM.
 */
export function shiftAddCyclesPerMvm(arch: ArchSpec, mapping: ShiftAddWork): number {
  return shiftAddCycles(arch, mapping, mapping.reductionAddsPerMvm);
}

/**
 * Shift-and-add cycles of an MVM's last streamed input bit, its share of the MVM's: what drains after the last MVM
 * of a row (rule 5).
 */
export function shiftAddDrainCycles(arch: ArchSpec, mapping: ShiftAddWork): number {
  return shiftAddCyclesPerMvm(arch, mapping) / Math.ceil(mapping.abits / arch.dac.bits);
}

/**
 * What a recurrent layer's step adds to its MVM before the next step may read h_t (rule 3): the last streamed bit's
 * shift-and-add drain, then the cell ops (`cellOpsPerStep`, arch/digital-ops.ts RECURRENT_CELL_OPS) on the digital unit.
 */
export function recurrentStepExtraCycles(arch: ArchSpec, mapping: ShiftAddWork, cellOpsPerStep: number): number {
  return shiftAddDrainCycles(arch, mapping) + cellOpsPerStep / arch.tile.digital.opsPerCycle;
}

function shiftAddCycles(arch: ArchSpec, mapping: ShiftAddWork, adds: number): number {
  const rate = mapping.crossbarsPerReplica * arch.shiftAdd.perCrossbar * arch.shiftAdd.addsPerCycle;
  return Math.ceil(adds / rate);
}

/** eDRAM accesses that move `bits` in one request: whole accesses of tile.edram.accessBits (rules 5 and 6). */
export function edramAccesses(arch: ArchSpec, bits: number): number {
  return Math.ceil(bits / arch.tile.edram.accessBits);
}
