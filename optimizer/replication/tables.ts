import { bitsAt } from '../../arch/plan';
import { cachedMapping } from '../model/context';
import type { ModelContext, ModelResult } from '../model/types';
import { DIGITAL, EDRAM, hasStage, MESH_LINK, NOC_IN, NOC_OUT, OFF_CHIP, STAGE, STAGE_WIDTH, termOf, type StageTable } from '../model/stage-table';
import { adcSharers, shiftAddCyclesPerMvm } from '../../arch/timing';
import { replicaMvmCycles, type LayerCrossbarMapping } from '../../arch/mapping';
import type { ArchSpec } from '../../arch/types';

/**
 * What replication needs to know of one weighted layer at fixed precisions (docs/hardware-model.md rule 7):
 *   T(r) = max(ceil(P / r) * perMvmCycles, floorCycles)   (conv)
 *   T(r) = max(perMvmCycles / r, floorCycles)             (fc: replicas take turns across images)
 *   cores(r) = ceil(crossbarsPerReplica * r / crossbarsPerCore)   (arch/chip-cores.ts layerCores)
 * `perMvmCycles` is the slower of the MVM and its shift-and-add (both scale with ceil(P/r), rule 7), at the
 * replica count from which the layer's fullest shared ADC group is full (the largest value; without ADC sharing
 * the only one); `perMvmCyclesByReplicas[r]` holds the smaller values below that count.
 * `floorCycles` collects the layer's non-compute terms (NoC in/out, mesh link, eDRAM, digital, off-chip)
 * taken from one full-model evaluation, i.e. at the placement of THAT evaluation: replication moves layers
 * between tiles and changes them, which is why every final plan is re-evaluated by the full model.
 */
export interface LayerTable {
  /** Weighted position (ResolvedNetwork.weightedIndices order). */
  pos: number;
  name: string;
  isFc: boolean;
  /** Output pixels per image (1 for fc). */
  pixels: number;
  /** A recurrent layer: its steps are serial (step t needs step t-1), so only r = 1 is useful. */
  serial?: boolean;
  perMvmCycles: number;
  /** perMvmCycles at r replicas while r is below the count that fills an ADC group (index 0 unused). */
  perMvmCyclesByReplicas?: number[];
  crossbarsPerReplica: number;
  floorCycles: number;
  /** Latency proxy weight: rows of lag this layer adds, as a share of its stage time (K_h / H_out, <= 1). */
  latencyWeight: number;
}

/** Everything replication needs for one precision assignment. */
export interface ReplicationTables {
  layers: LayerTable[];
  /** Largest stage time of the non-weighted layers (digital, pooling): no replication lowers it. */
  globalFloorCycles: number;
  crossbarsPerCore: number;
}

/** Stage time of a layer at r replicas (same formula as the full model's compute/shift-add terms). */
export function stageCycles(t: LayerTable, r: number): number {
  const perMvm = t.perMvmCyclesByReplicas?.[r] ?? t.perMvmCycles;
  const compute = t.isFc ? perMvm / r : Math.ceil(t.pixels / r) * perMvm;
  return Math.max(compute, t.floorCycles);
}

export function coresFor(t: LayerTable, r: number, crossbarsPerCore: number): number {
  return Math.ceil((t.crossbarsPerReplica * r) / crossbarsPerCore);
}

/**
 * Tables for precisions (wbits, abits), with floors from `floorsFrom` (a full evaluation of the same precisions,
 * at whatever replication it had). Without `floorsFrom`, floors are 0 (compute-only, for tests and bounds).
 */
export function buildTables(
  ctx: ModelContext,
  wbits: readonly number[],
  abits: readonly number[],
  floorsFrom?: ModelResult,
): ReplicationTables {
  const layers: LayerTable[] = ctx.net.weightedIndices.map((_, pos) => layerTable(ctx, pos, bitsAt(wbits, pos), bitsAt(abits, pos), floorsFrom));
  return { layers, globalFloorCycles: globalFloorCycles(ctx, floorsFrom), crossbarsPerCore: ctx.arch.core.crossbars };
}

/**
 * The stage table of the evaluation the floors come from. ModelResult.stageTable is not enumerable (it stays out of
 * JSON and thread copies), so a spread or structuredClone copy has none: reading floors from one is a bug, refused
 * rather than read as zero floors.
 * @throws TypeError for such a copy
 */
function floorTable(floorsFrom: ModelResult): StageTable {
  const table: StageTable | undefined = floorsFrom.stageTable;
  if (table === undefined) throw new TypeError('floorsFrom has no stageTable (a spread/cloned ModelResult): pass the result evaluateModel returned');
  return table;
}

/** A weighted layer's non-compute terms in an evaluation (LayerTable.floorCycles; 0 without one). */
export function layerFloorCycles(floorsFrom: ModelResult | undefined, layerIndex: number): number {
  if (floorsFrom === undefined) return 0;
  const table = floorTable(floorsFrom);
  if (!hasStage(table, layerIndex)) return 0;
  const o = layerIndex * STAGE_WIDTH;
  return Math.max(table[o + NOC_IN] as number, table[o + NOC_OUT] as number, table[o + MESH_LINK] as number, table[o + EDRAM] as number, table[o + DIGITAL] as number, table[o + OFF_CHIP] as number);
}

/** Largest stage time of the non-weighted layers in an evaluation (ReplicationTables.globalFloorCycles; 0 without one). */
export function globalFloorCycles(ctx: ModelContext, floorsFrom: ModelResult | undefined): number {
  let floor = 0;
  if (floorsFrom === undefined) return floor;
  const table = floorTable(floorsFrom);
  for (const l of ctx.layers) {
    if (l.weightedPos >= 0) continue;
    floor = Math.max(floor, hasStage(table, l.index) ? termOf(table, l.index, STAGE) : 0);
  }
  return floor;
}

/** Weighted layer `pos`'s table at its own bits (it reads no other layer's bits), floors as in buildTables. */
/** A mapping's MVM times by replica count (LayerTable.perMvmCycles and perMvmCyclesByReplicas) on `arch`. */
interface MvmTimes {
  arch: ArchSpec;
  perMvmCycles: number;
  perMvmCyclesByReplicas: number[];
}

/**
 * MVM times per mapping: they depend on the layer's bits alone, and replication builds a table per pass (ResNet-50's
 * optimize: ~6,000 tables of 54 layers). NOTE: the tables share the array, which no one writes.
 */
const mvmTimesOf = new WeakMap<LayerCrossbarMapping, MvmTimes>();

function mvmTimes(arch: ArchSpec, mapping: LayerCrossbarMapping): MvmTimes {
  const known = mvmTimesOf.get(mapping);
  if (known !== undefined && known.arch === arch) return known;
  const addCycles = shiftAddCyclesPerMvm(arch, mapping);
  // Replica counts at which an ADC group is not yet full (none without sharing).
  const fullAt = Math.ceil(arch.adc.crossbarsPerAdc / mapping.crossbarsPerReplica);
  const perMvmCycles = Math.max(replicaMvmCycles(arch, mapping, fullAt), addCycles);
  const perMvmCyclesByReplicas: number[] = [];
  for (let r = 1; r < fullAt && adcSharers(arch, mapping.crossbarsPerReplica, r) < arch.adc.crossbarsPerAdc; r++) {
    perMvmCyclesByReplicas[r] = Math.max(replicaMvmCycles(arch, mapping, r), addCycles);
  }
  const times = { arch, perMvmCycles, perMvmCyclesByReplicas };
  mvmTimesOf.set(mapping, times);
  return times;
}

/** A layer table's fields that do not depend on the floors (LayerTable less floorCycles), per mapping and context. */
interface StaticTable {
  ctx: ModelContext;
  layerIndex: number;
  name: string;
  isFc: boolean;
  pixels: number;
  serial: boolean;
  perMvmCycles: number;
  perMvmCyclesByReplicas: number[];
  crossbarsPerReplica: number;
  latencyWeight: number;
}

/**
 * NOTE: written for speed: a mapping is of one weighted position of one context (cachedMapping), and replication
 * builds ~420,000 layer tables per ResNet-50 optimize, which differ from the last one of the same bits in the floor alone.
 */
const staticTables = new WeakMap<LayerCrossbarMapping, StaticTable>();

function staticTable(ctx: ModelContext, layerIndex: number, mapping: LayerCrossbarMapping): StaticTable {
  const known = staticTables.get(mapping);
  if (known !== undefined && known.ctx === ctx && known.layerIndex === layerIndex) return known;
  const stat = ctx.layers[layerIndex];
  const isFc = stat?.kind === 'fc';
  const { perMvmCycles, perMvmCyclesByReplicas } = mvmTimes(ctx.arch, mapping);
  const layer = stat?.resolved.layer;
  const kernelRows = layer?.kind === 'conv' ? layer.kernel[0] : 1;
  const outRows = Math.max(1, stat?.outRows ?? 1);
  const table: StaticTable = {
    ctx,
    layerIndex,
    name: mapping.name,
    isFc,
    pixels: mapping.outputPixels,
    serial: layer?.kind === 'conv' && Boolean(layer.recurrent),
    perMvmCycles,
    perMvmCyclesByReplicas,
    crossbarsPerReplica: mapping.crossbarsPerReplica,
    latencyWeight: isFc ? 1 : Math.min(1, kernelRows / outRows),
  };
  staticTables.set(mapping, table);
  return table;
}

export function layerTable(ctx: ModelContext, pos: number, wbits: number, abits: number, floorsFrom?: ModelResult): LayerTable {
  const layerIndex = ctx.net.weightedIndices[pos] ?? -1;
  const t = staticTable(ctx, layerIndex, cachedMapping(ctx, pos, wbits, abits));
  const floorCycles = layerFloorCycles(floorsFrom, layerIndex);
  // The fields in the order they always had (serial only on a recurrent layer).
  if (t.serial) {
    return { pos, name: t.name, isFc: t.isFc, pixels: t.pixels, serial: true, perMvmCycles: t.perMvmCycles, perMvmCyclesByReplicas: t.perMvmCyclesByReplicas, crossbarsPerReplica: t.crossbarsPerReplica, floorCycles, latencyWeight: t.latencyWeight };
  }
  return { pos, name: t.name, isFc: t.isFc, pixels: t.pixels, perMvmCycles: t.perMvmCycles, perMvmCyclesByReplicas: t.perMvmCyclesByReplicas, crossbarsPerReplica: t.crossbarsPerReplica, floorCycles, latencyWeight: t.latencyWeight };
}
