import type { ArchSpec } from './types';
import { recurrentGates, type ConvLayer, type FcLayer, type ResolvedLayer, type ResolvedNetwork } from '../workloads/types';
import { adcSharers, mvmCycles, mvmSweeps, sweepCycles } from './timing';
import { rowGroups } from './adc';

/**
 * How one weighted layer sits on crossbars at given precisions (docs/hardware-model.md rule 1). Pure data; replication
 * multiplies `crossbarsPerReplica` but does not change any other field.
 */
export interface LayerCrossbarMapping {
  /** Index into ResolvedNetwork.layers. */
  layerIndex: number;
  name: string;
  wbits: number;
  abits: number;
  /** Rows of the (per-group) weight matrix: K*K*Cin/groups, or input features of an fc layer. */
  rowsNeeded: number;
  rowTiles: number;
  /** ceil(wbits / cellBits). */
  bitSlices: number;
  /** Columns of the (per-group) weight matrix after slicing (x2 when weights are differential). */
  colsNeeded: number;
  colTiles: number;
  /** Grouped/depthwise convs: groups packed block-diagonally into one crossbar (1 for dense layers). */
  groupsPerCrossbar: number;
  crossbarsPerReplica: number;
  /** Most columns any one of its crossbars converts per read (sets the ADC sweep time). */
  usedColsPerCrossbar: number;
  /** Output pixels per image: Hout*Wout (1 for fc). */
  outputPixels: number;
  /** Rows in use on its fullest crossbar (sets the reads per input bit when the ADC limits row parallelism). */
  rowsActivePerCrossbar: number;
  /** Crossbar reads (ADC sweeps) of one MVM, pipeline fill included. */
  sweepsPerMvm: number;
  /** Crossbars of one replica on its fullest shared ADC (adcSharers at one replica; 1 without sharing). */
  adcSharers: number;
  /** Cycles of one sweep (one replica alone on its ADCs). */
  sweepCycles: number;
  /**
   * Cycles of one MVM on this layer's crossbars, one replica alone on its ADCs: sweepsPerMvm x sweepCycles.
   * With ADC sharing more replicas may fill a group: replicaMvmCycles gives the time at a replica count.
   */
  mvmCycles: number;
  /** ADC conversions one MVM costs across the whole replica (streamed input bits x used columns). */
  conversionsPerMvm: number;
  /** Shift-and-add operations of one MVM (one per converted value: bit slices, input bits and row tiles). */
  reductionAddsPerMvm: number;
}

function isWeighted(layer: ResolvedLayer['layer']): layer is ConvLayer | FcLayer {
  return layer.kind === 'conv' || layer.kind === 'fc';
}

/**
 * Elements of the input vector one MVM of a weighted layer reads: a conv's window (kernel x input channels), a
 * recurrent layer's step input and previous hidden state, an fc layer's whole input.
 */
export function mvmInputElements(resolved: ResolvedLayer): number {
  const layer = resolved.layer;
  const inShape = resolved.inShapes[0];
  if (inShape === undefined) return 0;
  if (layer.kind === 'conv') {
    if (layer.recurrent) return inShape.channels + layer.outChannels;
    return layer.kernel[0] * layer.kernel[1] * inShape.channels;
  }
  if (layer.kind === 'fc') return inShape.channels * inShape.height * inShape.width;
  return 0;
}

/**
 * Elements of one MVM input vector of a layer, and of its input tensor (0 without an input: no eDRAM accesses), as
 * placement's port load counts them (arch/placement-load.ts portAccesses). Per network: the placement scratch keeps
 * them by layer index (its walk reads them for every layer it places).
 */
export function mvmPortElements(resolved: ResolvedLayer | undefined): number {
  return resolved === undefined || resolved.inShapes[0] === undefined ? 0 : mvmInputElements(resolved);
}

export function inputPortElements(resolved: ResolvedLayer | undefined): number {
  const input = resolved?.inShapes[0];
  return input === undefined ? 0 : input.channels * input.height * input.width;
}

/** Crossbar mapping of the weighted layer `resolved` at `wbits`/`abits`. */
export function mapLayer(arch: ArchSpec, resolved: ResolvedLayer, wbits: number, abits: number): LayerCrossbarMapping {
  const layer = resolved.layer;
  if (!isWeighted(layer)) throw new Error(`mapLayer: layer '${layer.name}' of kind '${layer.kind}' has no weights`);
  const inShape = resolved.inShapes[0];
  if (inShape === undefined) throw new Error(`mapLayer: layer '${layer.name}' has no input shape`);
  const { rows: xbarRows, cols: xbarCols, cellBits, differentialWeights } = arch.crossbar;
  const bitSlices = Math.ceil(wbits / cellBits);
  const signFactor = differentialWeights ? 2 : 1;

  let groups = 1;
  let rowsNeeded: number;
  let outPerGroup: number;
  let outputPixels: number;
  if (layer.kind === 'conv' && layer.recurrent) {
    // [x_t; h_{t-1}] in, every gate of every direction out (docs/hardware-model.md rule 5).
    rowsNeeded = mvmInputElements(resolved);
    outPerGroup = recurrentGates(layer.recurrent.cell) * layer.outChannels;
    outputPixels = resolved.outShape.height;
  } else if (layer.kind === 'conv') {
    groups = layer.groups;
    rowsNeeded = layer.kernel[0] * layer.kernel[1] * (inShape.channels / groups);
    outPerGroup = layer.outChannels / groups;
    outputPixels = resolved.outShape.height * resolved.outShape.width;
  } else {
    rowsNeeded = inShape.channels * inShape.height * inShape.width;
    outPerGroup = layer.outFeatures;
    outputPixels = 1;
  }
  const colsNeeded = outPerGroup * bitSlices * signFactor;
  const rowTiles = Math.ceil(rowsNeeded / xbarRows);
  const colTiles = Math.ceil(colsNeeded / xbarCols);

  let groupsPerCrossbar = 1;
  let crossbarsPerReplica: number;
  let usedColsPerCrossbar: number;
  const packable = groups > 1 ? Math.min(Math.floor(xbarRows / rowsNeeded), Math.floor(xbarCols / colsNeeded)) : 0;
  if (packable >= 1) {
    // Depthwise/grouped: small per-group blocks sit block-diagonally, several groups per crossbar.
    groupsPerCrossbar = Math.min(packable, groups);
    crossbarsPerReplica = Math.ceil(groups / groupsPerCrossbar);
    usedColsPerCrossbar = groupsPerCrossbar * colsNeeded;
  } else {
    crossbarsPerReplica = groups * rowTiles * colTiles;
    usedColsPerCrossbar = Math.min(colsNeeded, xbarCols);
  }
  const streamedBits = Math.ceil(abits / arch.dac.bits);
  const sharers = adcSharers(arch, crossbarsPerReplica);
  const totalCols = groups * colsNeeded;
  const effectiveRowTiles = groupsPerCrossbar > 1 ? 1 : rowTiles;
  // Rows in use on the fullest crossbar (packed groups stack their rows), and the reads per streamed bit summed
  // over the row tiles (the last tile may be shorter and need fewer reads when the ADC limits row parallelism).
  const rowsActivePerCrossbar = groupsPerCrossbar > 1 ? groupsPerCrossbar * rowsNeeded : Math.min(rowsNeeded, xbarRows);
  let readsOverRowTiles = 0;
  for (let t = 0; t < effectiveRowTiles; t++) {
    const rows = groupsPerCrossbar > 1 ? rowsActivePerCrossbar : Math.min(xbarRows, rowsNeeded - t * xbarRows);
    readsOverRowTiles += rowGroups(arch, rows);
  }
  return {
    layerIndex: resolved.index,
    name: layer.name,
    wbits,
    abits,
    rowsNeeded,
    rowTiles: effectiveRowTiles,
    bitSlices,
    colsNeeded,
    colTiles: groupsPerCrossbar > 1 ? 1 : colTiles,
    groupsPerCrossbar,
    crossbarsPerReplica,
    usedColsPerCrossbar,
    outputPixels,
    rowsActivePerCrossbar,
    sweepsPerMvm: mvmSweeps(arch, abits, rowsActivePerCrossbar),
    adcSharers: sharers,
    sweepCycles: sweepCycles(arch, usedColsPerCrossbar, sharers),
    mvmCycles: mvmCycles(arch, usedColsPerCrossbar, abits, rowsActivePerCrossbar, sharers),
    conversionsPerMvm: streamedBits * totalCols * readsOverRowTiles,
    // Every converted column value is shifted and added into its output accumulator once.
    reductionAddsPerMvm: streamedBits * totalCols * readsOverRowTiles,
  };
}

/**
 * Steady-state cycles per MVM of a layer running `replicas` replicas: with shared ADCs, replicas whose crossbars
 * meet in one ADC group take turns on it (adcSharers), so each MVM's streamed steps wait for the others'
 * conversions; the fill sweeps (first read, last shift-and-add) overlap them. The larger of the replica's own
 * pipeline (mapping.mvmCycles) and the group's conversions per MVM round: max((S + fill) t, S t(sharers)).
 */
export function replicaMvmCycles(arch: ArchSpec, m: LayerCrossbarMapping, replicas: number): number {
  const sharers = adcSharers(arch, m.crossbarsPerReplica, replicas);
  if (sharers === m.adcSharers) return m.mvmCycles;
  const steps = m.sweepsPerMvm - arch.core.mvmFillSweeps;
  return Math.max(m.mvmCycles, steps * sweepCycles(arch, m.usedColsPerCrossbar, sharers));
}

/** Maps every weighted layer; `wbits`/`abits` are in ResolvedNetwork.weightedIndices order. */
export function mapNetwork(
  arch: ArchSpec,
  net: ResolvedNetwork,
  wbits: readonly number[],
  abits: readonly number[],
): LayerCrossbarMapping[] {
  return net.weightedIndices.map((layerIndex, i) => {
    const resolved = net.layers[layerIndex];
    const w = wbits[i];
    const a = abits[i];
    if (resolved === undefined || w === undefined || a === undefined) {
      throw new Error(`mapNetwork: missing layer or bits for weighted layer ${i}`);
    }
    return mapLayer(arch, resolved, w, a);
  });
}
