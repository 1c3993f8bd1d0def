import type { ArchSpec, ComponentCost } from './types';

/**
 * Cost of one crossbar array at the spec's size: area and power are quoted at costRows x costCols and scale with
 * the cell count, as PUMA's xbar_area_dict / xbar_pow_dict tabulate them (32x32: 1.5625e-6 mm2, 0.01875 mW ...
 * 256x256: 1e-4 mm2, 1.2 mW; the same at 2, 4 and 6 bits per cell, so cell bits change how many arrays a layer
 * needs, not the cost of one).
 */
export function crossbarCost(arch: ArchSpec): ComponentCost {
  const { rows, cols, costRows, costCols, areaMm2, powerMw } = arch.crossbar;
  const scale = (rows * cols) / (costRows * costCols);
  return { areaMm2: areaMm2 * scale, powerMw: powerMw * scale };
}

/** ADCs on a chip per crossbar: perCrossbar, or one per crossbarsPerAdc crossbars when shared. */
export function adcsPerCrossbar(arch: ArchSpec): number {
  return arch.adc.perCrossbar / arch.adc.crossbarsPerAdc;
}
