import type { ArchSpec, ComponentCost } from './types';

/*
 * ADC resolution as a design choice: its cost follows the published curve, and it limits how many rows one
 * crossbar read may activate.
 */

/**
 * Published 32 nm SAR ADC figures by resolution (ISAAC, Shafiee et al. ISCA 2016, as carried in Accelergy's
 * component library): energy per conversion (pJ) and area (um2).
 */
const ADC_CURVE: ReadonlyArray<{ bits: number; energyPj: number; areaUm2: number }> = [
  { bits: 4, energyPj: 0.79, areaUm2: 361 },
  { bits: 6, energyPj: 1.2, areaUm2: 627 },
  { bits: 8, energyPj: 1.67, areaUm2: 1200 },
  { bits: 10, energyPj: 2.38, areaUm2: 3002 },
];

/** Curve value at `bits`: linear between published points, geometric beyond the ends. */
function curveAt(bits: number, key: 'energyPj' | 'areaUm2'): number {
  const first = ADC_CURVE[0]!;
  const last = ADC_CURVE[ADC_CURVE.length - 1]!;
  if (bits <= first.bits) {
    const next = ADC_CURVE[1]!;
    return first[key] * (first[key] / next[key]) ** ((first.bits - bits) / (next.bits - first.bits));
  }
  if (bits >= last.bits) {
    const prev = ADC_CURVE[ADC_CURVE.length - 2]!;
    return last[key] * (last[key] / prev[key]) ** ((bits - last.bits) / (last.bits - prev.bits));
  }
  for (let k = 1; k < ADC_CURVE.length; k++) {
    const lo = ADC_CURVE[k - 1]!;
    const hi = ADC_CURVE[k]!;
    if (bits <= hi.bits) return lo[key] + ((hi[key] - lo[key]) * (bits - lo.bits)) / (hi.bits - lo.bits);
  }
  return last[key];
}

/**
 * Cost of one ADC at `adc.bits`: the spec's figures are quoted at `adc.costBits`; other resolutions scale them
 * by the published curve (energy and power by its energy ratio, area by its area ratio).
 */
export function adcCost(arch: ArchSpec): ComponentCost & { energyPjPerConversion: number } {
  const { bits, costBits } = arch.adc;
  const energyRatio = curveAt(bits, 'energyPj') / curveAt(costBits, 'energyPj');
  const areaRatio = curveAt(bits, 'areaUm2') / curveAt(costBits, 'areaUm2');
  return {
    energyPjPerConversion: arch.adc.energyPjPerConversion * energyRatio,
    powerMw: arch.adc.powerMw * energyRatio,
    areaMm2: arch.adc.areaMm2 * areaRatio,
  };
}

/**
 * Rows one crossbar read may activate so the ADC resolves every column sum: rows x (2^cellBits - 1) x
 * (2^dacBits - 1) / 2 + 1 levels must fit in 2^adcBits (the /2 is ISAAC's flipped-weight encoding, which saves
 * one bit: a 128-row, 2-bit-cell, 1-bit-DAC crossbar needs exactly 8 bits). Fewer ADC bits mean more reads.
 */
export function rowsPerRead(arch: ArchSpec): number {
  const perRow = ((2 ** arch.crossbar.cellBits - 1) * (2 ** arch.dac.bits - 1)) / 2;
  const rows = Math.floor((2 ** arch.adc.bits - 1) / perRow);
  return Math.max(1, Math.min(arch.crossbar.rows, rows));
}

/** Reads per streamed input bit for a crossbar with `rowsActive` rows in use. */
export function rowGroups(arch: ArchSpec, rowsActive: number): number {
  return Math.ceil(Math.min(rowsActive, arch.crossbar.rows) / rowsPerRead(arch));
}
