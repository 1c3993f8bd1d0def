import { mvmCycles, mvmSweeps, sweepCycles } from './timing';
import { adcCost, rowsPerRead } from './adc';
import { adcsPerCrossbar, crossbarCost } from './crossbar-cost';
import { edramCost } from './edram';
import type { ArchSpec, ComponentCost } from './types';

/*
 * Pure area and peak-power roll-up of an ArchSpec, and peak throughput, so the presets can be checked against
 * the published ISAAC / PUMA figures. Power here is every component active at once (how ISAAC's Table II and
 * PUMA's peak GOPS/s/W count it); the simulator's energy comes from per-action energies instead.
 */

type CostKey = keyof ComponentCost;

/** How many instances of each component one chip of `tiles` tiles holds, with each instance's cost. */
export interface InventoryLine {
  component: string;
  count: number;
  cost: ComponentCost;
}

export function componentInventory(arch: ArchSpec, tiles: number = arch.chip.tiles): InventoryLine[] {
  const cores = tiles * arch.tile.cores;
  const crossbars = cores * arch.core.crossbars;
  return [
    { component: 'crossbar', count: crossbars, cost: crossbarCost(arch) },
    { component: 'adc', count: crossbars * adcsPerCrossbar(arch), cost: adcCost(arch) },
    { component: 'dac', count: crossbars * arch.crossbar.rows, cost: arch.dac },
    { component: 'sampleHold', count: crossbars * arch.crossbar.cols, cost: arch.sampleHold },
    { component: 'shiftAdd', count: crossbars * arch.shiftAdd.perCrossbar, cost: arch.shiftAdd },
    { component: 'corePeripherals', count: cores, cost: arch.core.peripherals },
    { component: 'edram', count: tiles, cost: edramCost(arch) },
    { component: 'digital', count: tiles, cost: arch.tile.digital },
    // Attention MAC arrays: perTile per tile (a fraction when a group of tiles shares one; 0 when there are none).
    { component: 'attentionMac', count: tiles * arch.attention.macArray.perTile, cost: arch.attention.macArray },
    { component: 'tilePeripherals', count: tiles, cost: arch.tile.peripherals },
    // Each tile carries its share of a router (1 / concentration), as ISAAC's Table II counts it.
    { component: 'router', count: tiles / arch.noc.concentration, cost: arch.noc.router },
    { component: 'offChip', count: 1, cost: arch.offChip },
  ];
}

function breakdown(arch: ArchSpec, tiles: number, key: CostKey): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of componentInventory(arch, tiles)) out[line.component] = line.count * line.cost[key];
  return out;
}

function total(parts: Record<string, number>): number {
  return Object.values(parts).reduce((sum, value) => sum + value, 0);
}

function crossbarUnit(arch: ArchSpec, key: CostKey): number {
  return (
    crossbarCost(arch)[key] +
    adcsPerCrossbar(arch) * adcCost(arch)[key] +
    arch.crossbar.rows * arch.dac[key] +
    arch.crossbar.cols * arch.sampleHold[key] +
    arch.shiftAdd.perCrossbar * arch.shiftAdd[key]
  );
}

function core(arch: ArchSpec, key: CostKey): number {
  return arch.core.crossbars * crossbarUnit(arch, key) + arch.core.peripherals[key];
}

function tile(arch: ArchSpec, key: CostKey): number {
  return (
    arch.tile.cores * core(arch, key) +
    edramCost(arch)[key] +
    arch.tile.digital[key] +
    arch.attention.macArray.perTile * arch.attention.macArray[key] +
    arch.tile.peripherals[key] +
    arch.noc.router[key] / arch.noc.concentration
  );
}

/** One crossbar with its ADCs (its share of a shared one), a DAC per row, a sample-and-hold per column and its shift-and-add units. */
export function crossbarUnitAreaMm2(arch: ArchSpec): number {
  return crossbarUnit(arch, 'areaMm2');
}

/** A core: its crossbar units plus its peripherals (registers, memories, control). */
export function coreAreaMm2(arch: ArchSpec): number {
  return core(arch, 'areaMm2');
}

/** A tile: its cores, eDRAM, digital units, peripherals and its share (1 / concentration) of a router. */
export function tileAreaMm2(arch: ArchSpec): number {
  return tile(arch, 'areaMm2');
}

/** A chip of `tiles` tiles plus the off-chip interface (ISAAC's 85.4 mm2 includes its HyperTransport links). */
export function chipAreaMm2(arch: ArchSpec, tiles: number = arch.chip.tiles): number {
  return tiles * tileAreaMm2(arch) + arch.offChip.areaMm2;
}

/** Chip area by component; the values sum to chipAreaMm2(arch, tiles). */
export function areaBreakdownMm2(arch: ArchSpec, tiles: number = arch.chip.tiles): Record<string, number> {
  return breakdown(arch, tiles, 'areaMm2');
}

export function corePowerMw(arch: ArchSpec): number {
  return core(arch, 'powerMw');
}

export function tilePowerMw(arch: ArchSpec): number {
  return tile(arch, 'powerMw');
}

/** Peak power with every component active, including the off-chip interface. */
export function chipPowerMw(arch: ArchSpec, tiles: number = arch.chip.tiles): number {
  return tiles * tilePowerMw(arch) + arch.offChip.powerMw;
}

export function powerBreakdownMw(arch: ArchSpec, tiles: number = arch.chip.tiles): Record<string, number> {
  return breakdown(arch, tiles, 'powerMw');
}

/** Sum of a breakdown (for callers that built one). */
export function breakdownTotal(parts: Record<string, number>): number {
  return total(parts);
}

/**
 * Peak operations per second with every crossbar busy: 2 ops per multiply-accumulate, `bits`-bit weights and
 * inputs (ISAAC and PUMA both quote peak figures for 16-bit fixed point). A crossbar holds
 * rows x cols / ceil(bits / cellBits) weights (half that with differential columns); an MVM takes
 * timing.mvmCycles(arch, cols, abits) cycles, and when crossbars share an ADC each waits for the group's conversions:
 * max(its own MVM, S x the group's sweep), as the timing rule charges replicas on a shared ADC
 * (mapping.replicaMvmCycles). The peak is the best MAC rate a crossbar reaches under that rule: every row and
 * column in use, unless whole-cycle rounding or row groups make a partly used crossbar faster per MAC, so no
 * layer's achieved rate can exceed it. `bits` are the weights' bits, `abits` the inputs' (streamed
 * ceil(abits / dacBits) times).
 * @default bits 16, abits = bits
 */
export function peakOpsPerSecond(arch: ArchSpec, bits = 16, abits: number = bits): number {
  const slices = Math.ceil(bits / arch.crossbar.cellBits) * (arch.crossbar.differentialWeights ? 2 : 1);
  const outputs = Math.floor(arch.crossbar.cols / slices);
  const crossbars = arch.chip.tiles * arch.tile.cores * arch.core.crossbars;
  const k = arch.adc.crossbarsPerAdc;
  const perRead = rowsPerRead(arch);
  const rowChoices = [arch.crossbar.rows];
  for (let g = 1; g * perRead < arch.crossbar.rows; g++) rowChoices.push(g * perRead);
  let macsPerCycle = 0;
  for (const rows of rowChoices) {
    for (let o = 1; o <= outputs; o++) {
      const cols = o * slices;
      const steps = mvmSweeps(arch, abits, rows) - arch.core.mvmFillSweeps;
      const cycles = Math.max(mvmCycles(arch, cols, abits, rows, 1), k > 1 ? steps * sweepCycles(arch, cols, k) : 0);
      macsPerCycle = Math.max(macsPerCycle, (rows * o) / cycles);
    }
  }
  return 2 * macsPerCycle * crossbars * arch.clockGHz * 1e9;
}

/** Peak GOPS per mm2 of the whole chip (chipAreaMm2), at `bits`-bit precision. */
export function peakGopsPerMm2(arch: ArchSpec, bits = 16): number {
  return peakOpsPerSecond(arch, bits) / 1e9 / chipAreaMm2(arch);
}

/** Peak GOPS per W of the whole chip at peak power (chipPowerMw), at `bits`-bit precision. */
export function peakGopsPerW(arch: ArchSpec, bits = 16): number {
  return peakOpsPerSecond(arch, bits) / 1e9 / (chipPowerMw(arch) / 1000);
}
