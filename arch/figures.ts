import type { ResolvedNetwork } from '../workloads/types';
import type { ArchSpec } from './types';
import type { LayerCrossbarMapping } from './mapping';
import type { Placement } from './placement';
import type { Dataflow } from './dataflow';
import { adcCost } from './adc';
import { adcsPerCrossbar, crossbarCost } from './crossbar-cost';
import { edramCost } from './edram';
import { digitalEnergyPj, mvmEnergyPj } from './energy';
import { chipAreaMm2, chipPowerMw, crossbarUnitAreaMm2, peakOpsPerSecond } from './area';
import { productWork } from './attention';
import { storedTensorBits } from './dataflow';

/*
 * Physical figures a user can check, per layer and per component (as MNSIM 2.0 reports them): the area a layer
 * occupies, its dynamic energy per image and the average power that makes at a throughput. Pure; shared by
 * `analyze` (model throughput) and `simulate` (simulated throughput and MVM counts).
 */

export const AREA_PARTS = ['crossbar', 'adc', 'dac', 'sampleHold', 'shiftAdd', 'corePeripherals', 'tileShare', 'attention'] as const;
export const ENERGY_PARTS = ['crossbar', 'adc', 'dac', 'sampleHold', 'shiftAdd', 'digital', 'attention'] as const;
export type AreaPart = (typeof AREA_PARTS)[number];
export type EnergyPart = (typeof ENERGY_PARTS)[number];

export interface LayerPhysical {
  name: string;
  kind: string;
  /**
   * The whole cores the layer owns (every crossbar unit in them, used or not, and the core peripherals) and
   * `tileShare`: those cores' share of their tiles' eDRAM, digital units, MAC arrays, peripherals and router. A
   * digital layer owns no cores (its tile is counted with the weighted layers on it); a product of two activations
   * on rewritten crossbars owns them (`attention`: they sit outside the tiles' cores, rule 8).
   */
  areaMm2: Record<AreaPart, number> & { total: number };
  /**
   * Dynamic energy per image: the layer's MVMs by crossbar-side component, its digital element ops, and a product
   * of two activations' work on MAC arrays or rewritten crossbars (`attention`: MACs x passes, or cell writes and
   * MVMs; arch/attention.ts productWork).
   */
  energyPj: Record<EnergyPart, number> & { total: number };
  /** energyPj x images per second: the layer's average dynamic power at the given throughput. */
  powerMw: Record<EnergyPart, number> & { total: number };
  /** Operations per image (2 per multiply-accumulate). */
  opsPerImage: number;
  /** Crossbar cells a product on rewritten crossbars programs per image, and the energy of it (in energyPj.attention). */
  rewrite: { cellsPerImage: number; energyPj: number };
}

export interface ChipPhysical {
  /** Chip of the plan's tiles, off-chip interface included (the area the plan is charged for). */
  areaMm2: number;
  /** Area no layer owns: empty cores in used tiles and the off-chip interface. */
  unassignedAreaMm2: number;
  /** Dynamic energy per image outside the layers' MVMs, digital ops and attention products: eDRAM, NoC, off-chip. */
  dataMovementEnergyPj: number;
  /** Peak efficiency of the chip of the plan's tiles, every crossbar busy, every component at peak power. */
  peak16Bit: { gopsPerMm2: number; gopsPerW: number };
  /** The same at the plan's precisions: each layer's crossbars at its own bits, weighted by its crossbars. */
  peakAtPlan: { gopsPerMm2: number; gopsPerW: number; wbits: number; abits: number };
  /**
   * What this network achieves, on the peak figures' bases (so never above peakAtPlan): its crossbar ops (the
   * weighted layers' MVMs, the ops the peak counts; products of two activations run outside the crossbars and are
   * in no peak) per image x images/s over the chip's area and over its peak power; and its dynamic energy per op
   * of all its ops (the energy the work takes, not comparable with a peak power).
   */
  achieved: { gopsPerMm2: number; gopsPerW: number; dynamicPjPerOp: number };
  /**
   * Products on crossbars rewritten per input (rule 8), when the plan has any: cells programmed and their energy per
   * image, and the wear: every such cell is programmed once per input, so the chip lasts `enduranceWrites` inputs,
   * `lifetimeS` seconds at the given throughput.
   */
  rewrite?: { cellsPerImage: number; energyPj: number; shareOfLayerEnergy: number; enduranceWrites: number; lifetimeInputs: number; lifetimeS: number };
}

function zero<K extends string>(keys: readonly K[]): Record<K, number> & { total: number } {
  const out: Record<string, number> = { total: 0 };
  for (const k of keys) out[k] = 0;
  return out as Record<K, number> & { total: number };
}

function withTotal<K extends string>(parts: Record<K, number> & { total: number }, keys: readonly K[]): void {
  parts.total = keys.reduce((sum, k) => sum + parts[k], 0);
}

/**
 * Per-layer figures of a plan. `mvmsPerImage` by weighted position (default: every output pixel is one MVM);
 * `imagesPerS` sets the power.
 */
export function layerPhysicalFigures(
  arch: ArchSpec,
  net: ResolvedNetwork,
  flow: Dataflow,
  mappings: readonly LayerCrossbarMapping[],
  placement: Placement,
  imagesPerS: number,
  mvmsPerImage?: readonly number[],
): LayerPhysical[] {
  const xbar = crossbarCost(arch);
  const adc = adcCost(arch);
  const perUnit: Record<'crossbar' | 'adc' | 'dac' | 'sampleHold' | 'shiftAdd', number> = {
    crossbar: xbar.areaMm2,
    adc: adcsPerCrossbar(arch) * adc.areaMm2,
    dac: arch.crossbar.rows * arch.dac.areaMm2,
    sampleHold: arch.crossbar.cols * arch.sampleHold.areaMm2,
    shiftAdd: arch.shiftAdd.perCrossbar * arch.shiftAdd.areaMm2,
  };
  const tileRest =
    edramCost(arch).areaMm2 + arch.tile.digital.areaMm2 + arch.attention.macArray.perTile * arch.attention.macArray.areaMm2 +
    arch.tile.peripherals.areaMm2 + arch.noc.router.areaMm2 / arch.noc.concentration;
  // Rule 2's stored-tensor bits: the plan's operand bits (weighted layers' abits, products' own bits).
  const abits = placement.operandBits;
  const out: LayerPhysical[] = [];
  for (const resolved of net.layers) {
    const lf = flow.layers[resolved.index];
    const pos = net.weightedIndices.indexOf(resolved.index);
    const work =
      resolved.layer.kind === 'matmul' && lf !== undefined
        ? productWork(arch, resolved, storedTensorBits(flow, lf.dataInputs[0]?.producer ?? -1, abits), storedTensorBits(flow, lf.dataInputs[1]?.producer ?? lf.dataInputs[0]?.producer ?? -1, abits))
        : undefined;
    if (pos < 0 && work === undefined && (lf === undefined || lf.digitalOps === 0)) continue;
    const area = zero(AREA_PARTS);
    const energy = zero(ENERGY_PARTS);
    let ops = 0;
    const rewrite = { cellsPerImage: work?.cellsWrittenPerImage ?? 0, energyPj: work?.writeEnergyPj ?? 0 };
    if (pos >= 0) {
      const m = mappings[pos];
      const cores = placement.weighted[pos]?.cores ?? 0;
      if (m !== undefined) {
        const units = cores * arch.core.crossbars;
        for (const k of ['crossbar', 'adc', 'dac', 'sampleHold', 'shiftAdd'] as const) area[k] = units * perUnit[k];
        area.corePeripherals = cores * arch.core.peripherals.areaMm2;
        area.tileShare = (cores / arch.tile.cores) * tileRest;
        const mvms = mvmsPerImage?.[pos] ?? m.outputPixels;
        const per = mvmEnergyPj(arch, m);
        for (const k of ['crossbar', 'adc', 'dac', 'sampleHold', 'shiftAdd'] as const) energy[k] = mvms * per[k];
        ops = 2 * resolved.macs;
      }
    }
    energy.digital = digitalEnergyPj(arch, lf?.digitalOps ?? 0);
    if (resolved.layer.kind === 'matmul') ops = 2 * resolved.macs;
    if (work !== undefined) {
      energy.attention = work.energyPj;
      area.attention = work.crossbars * crossbarUnitAreaMm2(arch);
    }
    withTotal(area, AREA_PARTS);
    withTotal(energy, ENERGY_PARTS);
    const power = zero(ENERGY_PARTS);
    // pJ per image x images/s = pW; 1e-9 to mW.
    for (const k of ENERGY_PARTS) power[k] = energy[k] * imagesPerS * 1e-9;
    withTotal(power, ENERGY_PARTS);
    out.push({ name: resolved.layer.name, kind: resolved.layer.kind, areaMm2: area, energyPj: energy, powerMw: power, opsPerImage: ops, rewrite });
  }
  return out;
}

/**
 * Chip-level figures of a plan on `tiles` tiles: peak efficiency at 16 bits (ISAAC's and PUMA's convention) and at
 * the plan's precisions, and what the network achieves at `imagesPerS` with `energyPerImagePj`.
 */
export function chipPhysicalFigures(
  arch: ArchSpec,
  layers: readonly LayerPhysical[],
  mappings: readonly LayerCrossbarMapping[],
  replicas: readonly number[],
  tiles: number,
  imagesPerS: number,
  energyPerImagePj: number,
): ChipPhysical {
  const chip: ArchSpec = { ...arch, chip: { ...arch.chip, tiles } };
  // Crossbars rewritten per input sit outside the tiles' cores: their area adds to the chip's (as the model's does).
  const area = chipAreaMm2(chip) + layers.reduce((sum, l) => sum + l.areaMm2.attention, 0);
  const watts = chipPowerMw(chip) / 1000;
  const peak16 = peakOpsPerSecond(chip, 16);
  // Plan precisions: each layer's crossbars at its bits, weighted by how many crossbars it uses.
  let weight = 0;
  let peakPlan = 0;
  let wSum = 0;
  let aSum = 0;
  mappings.forEach((m, pos) => {
    const n = m.crossbarsPerReplica * (replicas[pos] ?? 1);
    weight += n;
    peakPlan += n * peakOpsPerSecond(chip, m.wbits, m.abits);
    wSum += n * m.wbits;
    aSum += n * m.abits;
  });
  const peakAtPlan = weight > 0 ? peakPlan / weight : 0;
  const assigned = layers.reduce((sum, l) => sum + l.areaMm2.total, 0);
  const compute = layers.reduce((sum, l) => sum + l.energyPj.total, 0);
  const ops = layers.reduce((sum, l) => sum + l.opsPerImage, 0);
  const crossbarOps = layers.reduce((sum, l) => sum + (l.kind === 'matmul' ? 0 : l.opsPerImage), 0);
  const cellsWritten = layers.reduce((sum, l) => sum + l.rewrite.cellsPerImage, 0);
  const writeEnergyPj = layers.reduce((sum, l) => sum + l.rewrite.energyPj, 0);
  const endurance = arch.attention.rewrite.enduranceWrites;
  return {
    areaMm2: area,
    unassignedAreaMm2: Math.max(0, area - assigned),
    dataMovementEnergyPj: Math.max(0, energyPerImagePj - compute),
    peak16Bit: { gopsPerMm2: peak16 / 1e9 / area, gopsPerW: peak16 / 1e9 / watts },
    peakAtPlan: {
      gopsPerMm2: peakAtPlan / 1e9 / area,
      gopsPerW: peakAtPlan / 1e9 / watts,
      wbits: weight > 0 ? wSum / weight : 0,
      abits: weight > 0 ? aSum / weight : 0,
    },
    achieved: {
      gopsPerMm2: (crossbarOps * imagesPerS) / 1e9 / area,
      gopsPerW: (crossbarOps * imagesPerS) / 1e9 / watts,
      dynamicPjPerOp: ops > 0 ? energyPerImagePj / ops : 0,
    },
    ...(cellsWritten > 0
      ? {
          rewrite: {
            cellsPerImage: cellsWritten,
            energyPj: writeEnergyPj,
            shareOfLayerEnergy: compute > 0 ? writeEnergyPj / compute : 0,
            enduranceWrites: endurance,
            lifetimeInputs: endurance,
            lifetimeS: imagesPerS > 0 ? endurance / imagesPerS : 0,
          },
        }
      : {}),
  };
}
