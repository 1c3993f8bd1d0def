import type { ArchSpec } from '../../arch/types';
import type { Layer, ResolvedLayer, ResolvedNetwork } from '../../workloads/types';
import { mapLayer, type LayerCrossbarMapping } from '../../arch/mapping';
import { meshSize } from '../../arch/placement';

/** What the analytical model knows of one network layer that does not depend on the plan. */
export interface LayerStatic {
  index: number;
  name: string;
  kind: Layer['kind'];
  /** Position among weighted layers, or -1. */
  weightedPos: number;
  /** Producer layer indices (-1 = network input). */
  inputs: number[];
  /** Elements per input tensor (one entry per input). */
  inputElements: number[];
  consumers: number[];
  outRows: number;
  outCols: number;
  outChannels: number;
  /** For each output row, the row of each input it needs (line-buffer rule); same table for every input. */
  needRow: Int32Array;
  /** Digital element operations per image (pool, eltwise, activation); 0 for weighted and free layers. */
  digitalOps: number;
  /** Concat and pass layers forward data at no cost. */
  free: boolean;
  /** Rows of input vector one MVM reads from eDRAM (weighted layers). */
  mvmInputElements: number;
  /** Producers whose data this layer reads, looking through free layers (-1 = network input). */
  dataInputs: number[];
  /** First row of this layer in the row scratch buffer. */
  rowOffset: number;
  /**
   * Row-scratch offset holding this layer's row finish times: its own, or, for a free layer with one input and
   * the same rows (batchnorm, dropout, identity), its producer's (NOTE: aliasing skips ~half the rows of a ResNet).
   */
  rowSource: number;
  /** True when rowSource aliases a producer (the recurrence skips the layer). */
  aliased: boolean;
  /** rowSource of each input (-1 = network input). */
  inputRowSources: Int32Array;
  resolved: ResolvedLayer;
}

export interface ModelContext {
  arch: ArchSpec;
  net: ResolvedNetwork;
  layers: LayerStatic[];
  /** For each layer's output tensor (and the input, at index layers.length), weighted readers' positions. */
  tensorReaders: number[][];
  meshWidth: number;
  /** Cache of crossbar mappings by weighted position and bits. */
  mappingCache: Map<number, LayerCrossbarMapping>[];
  /** Scratch for per-row finish times of one evaluation (NOTE: reused to keep the inner loop allocation-free). */
  rowScratch: Float64Array;
  /** Layers nobody consumes (network outputs). */
  sinks: number[];
  /** Non-free layers reading each producer's data, at index producer + 1 (0 = network input). */
  dataConsumers: number[][];
}

/** Rows of the input a layer's output row i needs (DESIGN.md section 6 / docs/hardware-model.md rule 4). */
function needRowTable(resolved: ResolvedLayer): Int32Array {
  const layer = resolved.layer;
  const outRows = resolved.outShape.height;
  const inRows = resolved.inShapes[0]?.height ?? 1;
  const table = new Int32Array(outRows);
  for (let i = 0; i < outRows; i++) {
    let need: number;
    if (layer.kind === 'fc' || (layer.kind === 'pool' && layer.global)) need = inRows - 1;
    else if (layer.kind === 'conv') need = i * layer.stride[0] - layer.pad[0] + (layer.kernel[0] - 1) * layer.dilation[0];
    else if (layer.kind === 'pool') need = i * layer.stride[0] - layer.pad[0] + layer.kernel[0] - 1;
    else if (layer.kind === 'pass' && layer.fn === 'flatten') need = inRows - 1;
    else need = i;
    table[i] = Math.max(0, Math.min(inRows - 1, need));
  }
  return table;
}

function digitalOpsOf(resolved: ResolvedLayer): number {
  const layer = resolved.layer;
  const out = resolved.outShape;
  const outElements = out.channels * out.height * out.width;
  switch (layer.kind) {
    case 'pool': {
      const input = resolved.inShapes[0];
      if (layer.global && input !== undefined) return input.channels * input.height * input.width;
      return outElements * layer.kernel[0] * layer.kernel[1];
    }
    case 'eltwise':
      return outElements * Math.max(1, resolved.inShapes.length - 1);
    case 'activation':
      return outElements;
    default:
      return 0;
  }
}

/** One-time precomputation for a network on an architecture; evaluations then only read it. */
export function prepareModel(arch: ArchSpec, net: ResolvedNetwork): ModelContext {
  const weightedPosOf = new Map<number, number>();
  net.weightedIndices.forEach((layerIndex, pos) => weightedPosOf.set(layerIndex, pos));
  const consumers: number[][] = net.layers.map(() => []);
  const inputConsumers: number[] = [];
  for (const resolved of net.layers) {
    for (const producer of resolved.inputIndices) {
      if (producer < 0) inputConsumers.push(resolved.index);
      else consumers[producer]?.push(resolved.index);
    }
  }
  let rowCursor = 0;
  const layers: LayerStatic[] = net.layers.map((resolved) => {
    const layer = resolved.layer;
    const weighted = layer.kind === 'conv' || layer.kind === 'fc';
    const inShape = resolved.inShapes[0];
    let mvmInputElements = 0;
    if (layer.kind === 'conv' && inShape) mvmInputElements = layer.kernel[0] * layer.kernel[1] * inShape.channels;
    else if (layer.kind === 'fc' && inShape) mvmInputElements = inShape.channels * inShape.height * inShape.width;
    return {
      index: resolved.index,
      name: layer.name,
      kind: layer.kind,
      weightedPos: weighted ? (weightedPosOf.get(resolved.index) ?? -1) : -1,
      inputs: [...resolved.inputIndices],
      inputElements: resolved.inShapes.map((s) => s.channels * s.height * s.width),
      consumers: consumers[resolved.index] ?? [],
      outRows: resolved.outShape.height,
      outCols: resolved.outShape.width,
      outChannels: resolved.outShape.channels,
      needRow: needRowTable(resolved),
      digitalOps: digitalOpsOf(resolved),
      free: layer.kind === 'concat' || layer.kind === 'pass',
      mvmInputElements,
      dataInputs: [],
      rowOffset: (rowCursor += resolved.outShape.height) - resolved.outShape.height,
      rowSource: 0,
      aliased: false,
      inputRowSources: new Int32Array(0),
      resolved,
    };
  });
  for (const l of layers) {
    const only = l.inputs.length === 1 ? l.inputs[0] : undefined;
    const producer = only === undefined || only < 0 ? undefined : layers[only];
    l.aliased = l.free && producer !== undefined && producer.outRows === l.outRows && l.needRow.every((row, i) => row === i);
    l.rowSource = l.aliased && producer !== undefined ? producer.rowSource : l.rowOffset;
    l.inputRowSources = Int32Array.from(l.inputs, (p) => (p < 0 ? -1 : (layers[p]?.rowSource ?? 0)));
  }
  for (const l of layers) {
    const sources = new Set<number>();
    for (const p of l.inputs) {
      const producer = p < 0 ? undefined : layers[p];
      if (producer?.free) for (const q of producer.dataInputs) sources.add(q);
      else sources.add(p);
    }
    l.dataInputs = [...sources];
  }
  // Weighted readers of each tensor, looking through digital layers (reverse topological order).
  const tensorReaders: number[][] = net.layers.map(() => []);
  const readersOfLayerInput = (consumer: number): number[] => {
    const c = layers[consumer];
    if (c === undefined) return [];
    return c.weightedPos >= 0 ? [c.weightedPos] : (tensorReaders[consumer] ?? []);
  };
  for (let k = net.layers.length - 1; k >= 0; k--) {
    const set = new Set<number>();
    for (const c of consumers[k] ?? []) for (const w of readersOfLayerInput(c)) set.add(w);
    tensorReaders[k] = [...set];
  }
  const inputSet = new Set<number>();
  for (const c of inputConsumers) for (const w of readersOfLayerInput(c)) inputSet.add(w);
  tensorReaders.push([...inputSet]);
  return {
    arch,
    net,
    layers,
    tensorReaders,
    meshWidth: meshSize(arch).width,
    mappingCache: net.weightedIndices.map(() => new Map()),
    rowScratch: new Float64Array(rowCursor),
    sinks: layers.filter((l) => l.consumers.length === 0).map((l) => l.index),
    dataConsumers: dataConsumersOf(layers),
  };
}

function dataConsumersOf(layers: LayerStatic[]): number[][] {
  const result: number[][] = [[], ...layers.map(() => [])];
  for (const l of layers) {
    if (l.free) continue;
    for (const p of l.dataInputs) result[p + 1]?.push(l.index);
  }
  return result;
}

/** Crossbar mapping of weighted layer `pos` at (w, a) bits, memoised: the search asks for the same ones often. */
export function cachedMapping(ctx: ModelContext, pos: number, wbits: number, abits: number): LayerCrossbarMapping {
  const cache = ctx.mappingCache[pos];
  const layerIndex = ctx.net.weightedIndices[pos];
  const resolved = layerIndex === undefined ? undefined : ctx.net.layers[layerIndex];
  if (cache === undefined || resolved === undefined) throw new Error(`cachedMapping: no weighted layer ${pos}`);
  const key = wbits * 64 + abits;
  let mapping = cache.get(key);
  if (mapping === undefined) {
    mapping = mapLayer(ctx.arch, resolved, wbits, abits);
    cache.set(key, mapping);
  }
  return mapping;
}

/** Bits per element of layer k's output tensor (k = -1: the network input): largest abits of its weighted readers. */
export function tensorBits(ctx: ModelContext, k: number, abits: readonly number[]): number {
  const readers = ctx.tensorReaders[k < 0 ? ctx.layers.length : k] ?? [];
  let bits = 0;
  for (const pos of readers) bits = Math.max(bits, abits[pos] ?? 0);
  return bits > 0 ? bits : 8;
}
