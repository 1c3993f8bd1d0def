import type { ArchSpec, ComponentCost } from './types';

/*
 * eDRAM capacity as a design choice: a tile buffer's area, power and access energy follow `tile.edram.capacityKb`,
 * so a sweep over capacity shows what extra eDRAM costs as well as what it buys.
 */

/**
 * Published 32 nm eDRAM figures by capacity (256-bit access): PUMA, Aayush-Ankit/puma-simulator
 * include/constants.py edram_area_dict, edram_pow_dyn_dict (access energy / 2 cycles) and edram_pow_leak_dict.
 * Its '8' KB entry repeats the 64 KB one (a placeholder, not a figure), so two points carry the curve.
 */
const SMALL = { capacityKb: 64, areaMm2: 0.086, energyPj: 17.2, leakMw: 0.46 };
const LARGE = { capacityKb: 128, areaMm2: 0.121, energyPj: 25.35, leakMw: 0.77 };
/** PUMA's access rate behind its dynamic power: one access per 2 cycles at 1 GHz (edram_lat_dict). */
const PUBLISHED_ACCESSES_PER_NS = 0.5;

/** Area and leakage grow with the cells; the periphery stays: a + b x capacity through the two points. */
function affine(capacityKb: number, key: 'areaMm2' | 'leakMw'): number {
  const perKb = (LARGE[key] - SMALL[key]) / (LARGE.capacityKb - SMALL.capacityKb);
  return SMALL[key] + perKb * (capacityKb - SMALL.capacityKb);
}

/**
 * An access drives longer bit and word lines in a larger array: energy follows a power of capacity through the
 * two points (exponent log2(25.35 / 17.2) = 0.56, near the square root a wire length of a square array gives).
 */
function accessEnergy(capacityKb: number): number {
  const exponent = Math.log(LARGE.energyPj / SMALL.energyPj) / Math.log(LARGE.capacityKb / SMALL.capacityKb);
  return SMALL.energyPj * (capacityKb / SMALL.capacityKb) ** exponent;
}

/** An always-active instance, as PUMA counts it: access power at its published rate plus leakage. */
function activePower(capacityKb: number): number {
  return accessEnergy(capacityKb) * PUBLISHED_ACCESSES_PER_NS + affine(capacityKb, 'leakMw');
}

/** Cost of one tile's eDRAM at `tile.edram.capacityKb`. */
export interface EdramCost extends ComponentCost {
  energyPjPerAccess: number;
}

/**
 * Cost of one tile's eDRAM at its capacity: the spec's areaMm2, powerMw and energyPjPerAccess are quoted at
 * `costCapacityKb`; another capacity scales each by the published curve's ratio between the two capacities (area
 * by the area line, access energy by the energy power law, power by PUMA's access power plus leakage). The one
 * place capacity enters cost: area.ts, figures.ts and energy.ts read it.
 */
export function edramCost(arch: ArchSpec): EdramCost {
  const { capacityKb, costCapacityKb, areaMm2, powerMw, energyPjPerAccess } = arch.tile.edram;
  if (capacityKb === costCapacityKb) return { areaMm2, powerMw, energyPjPerAccess };
  return {
    areaMm2: areaMm2 * (affine(capacityKb, 'areaMm2') / affine(costCapacityKb, 'areaMm2')),
    powerMw: powerMw * (activePower(capacityKb) / activePower(costCapacityKb)),
    energyPjPerAccess: energyPjPerAccess * (accessEnergy(capacityKb) / accessEnergy(costCapacityKb)),
  };
}

/** Bits one tile's eDRAM holds (tile.edram.capacityKb, 1 KB = 1024 bytes), which line buffers and row slots fill. */
export function edramCapacityBits(arch: ArchSpec): number {
  return arch.tile.edram.capacityKb * 8192;
}
