/**
 * The static structure the simulator plays out (docs/hardware-model.md rules 1-4, 6): which units compute
 * what, where their data comes from and goes to, and how many pieces make up each row. Pure function of
 * (arch, network, choices); no timing state.
 */
import type { ArchSpec } from '../arch/types';
import type { PlanChoices } from '../arch/plan';
import { mapNetwork, type LayerCrossbarMapping } from '../arch/mapping';
import { placeNetwork, type Placement } from '../arch/placement';
import { analyzeDataflow } from '../arch/dataflow';
import type { ResolvedLayer, ResolvedNetwork } from '../workloads/types';

/** A producer of rows: a non-free layer, or the network input (index -1). */
export interface SimProducer {
  /** Layer index, -1 for the network input. */
  index: number;
  name: string;
  rows: number;
  /** Bits of one whole output row (rule 2 precision). */
  rowBits: number;
  /** Tiles its rows are sent to (union of the tiles of its non-free data consumers). */
  destTiles: number[];
  /** Pieces one row of it arrives in at each destination tile (replicas with pixels in that row). */
  piecesPerRow: Int32Array;
}

/** One consumer-side input: which producer, and per output row the last and first producer row needed. */
export interface SimInput {
  producer: number;
  /** Producer row output row i needs up to (line-buffer rule, composed through free layers). */
  need: Int32Array;
  /** Lowest producer row output row i still needs (rows below it may be freed after row i-1). */
  low: Int32Array;
}

export type UnitKind = 'replica' | 'digital';

export interface SimLayer {
  index: number;
  name: string;
  kind: ResolvedLayer['layer']['kind'];
  weightedPos: number;
  outRows: number;
  outCols: number;
  outChannels: number;
  inputs: SimInput[];
  mapping?: LayerCrossbarMapping;
  replicas: number;
  /** Digital element ops per output row (pool, eltwise, activation), 0 for weighted layers. */
  digitalOpsPerRow: number;
  /** eDRAM bits a digital layer reads per output row. */
  digitalReadBitsPerRow: number;
  /** eDRAM bits one MVM reads (input vector). */
  mvmReadBits: number;
  /** Replica tiles (weighted) or the single host tile. */
  unitTiles: number[];
  /** No layer consumes it: its rows finish images. */
  sink: boolean;
}

export interface SimTopology {
  arch: ArchSpec;
  net: ResolvedNetwork;
  mappings: LayerCrossbarMapping[];
  placement: Placement;
  /** Non-free layers only, in network order. */
  layers: SimLayer[];
  /** By layer index + 1 (slot 0: the network input); undefined for free layers. */
  producers: Array<SimProducer | undefined>;
  /** Bits per element of each tensor, by layer index + 1 (slot 0: network input). */
  tensorBits: number[];
}

const isFree = (r: ResolvedLayer): boolean => r.layer.kind === 'concat' || r.layer.kind === 'pass';
const isWeighted = (r: ResolvedLayer): boolean => r.layer.kind === 'conv' || r.layer.kind === 'fc';

/** Own-input need and low tables of a layer (rule 4), relative to its direct inputs. */
function ownTables(r: ResolvedLayer): { need: Int32Array; low: Int32Array } {
  const layer = r.layer;
  const outRows = r.outShape.height;
  const inRows = r.inShapes[0]?.height ?? 1;
  const need = new Int32Array(outRows);
  const low = new Int32Array(outRows);
  for (let i = 0; i < outRows; i++) {
    let hi: number;
    let lo: number;
    if (layer.kind === 'fc' || (layer.kind === 'pool' && layer.global) || (layer.kind === 'pass' && layer.fn === 'flatten')) {
      hi = inRows - 1;
      lo = 0;
    } else if (layer.kind === 'conv') {
      lo = i * layer.stride[0] - layer.pad[0];
      hi = lo + (layer.kernel[0] - 1) * layer.dilation[0];
    } else if (layer.kind === 'pool') {
      lo = i * layer.stride[0] - layer.pad[0];
      hi = lo + layer.kernel[0] - 1;
    } else {
      hi = i;
      lo = i;
    }
    need[i] = Math.max(0, Math.min(inRows - 1, hi));
    low[i] = Math.max(0, Math.min(inRows - 1, lo));
  }
  return { need, low };
}

/** Bits per element of every tensor (rule 2): the largest abits of its weighted readers, through digital layers. */
function tensorBitsTable(net: ResolvedNetwork, consumers: number[][], inputConsumers: number[], abits: readonly number[]): number[] {
  const posOf = new Map<number, number>();
  net.weightedIndices.forEach((li, pos) => posOf.set(li, pos));
  const readerBits: number[] = new Array<number>(net.layers.length).fill(0);
  const viaConsumer = (c: number): number => {
    const pos = posOf.get(c);
    return pos !== undefined ? (abits[pos] ?? 8) : (readerBits[c] ?? 0);
  };
  for (let k = net.layers.length - 1; k >= 0; k--) {
    let bits = 0;
    for (const c of consumers[k] ?? []) bits = Math.max(bits, viaConsumer(c));
    readerBits[k] = bits;
  }
  let inputBits = 0;
  for (const c of inputConsumers) inputBits = Math.max(inputBits, viaConsumer(c));
  return [inputBits || 8, ...readerBits.map((b) => b || 8)];
}

/** Pixels of output row `row` that replica `k` of `r` computes (pixel p = row*W + j goes to p mod r). */
export function replicaPixelsInRow(width: number, replicas: number, k: number, row: number): number {
  const offset = (((k - row * width) % replicas) + replicas) % replicas;
  return offset < width ? Math.floor((width - 1 - offset) / replicas) + 1 : 0;
}

export function buildTopology(arch: ArchSpec, net: ResolvedNetwork, choices: PlanChoices): SimTopology {
  const mappings = mapNetwork(arch, net, choices.wbits, choices.abits);
  const placement = placeNetwork(arch, net, analyzeDataflow(net), mappings, choices.replicas);
  const n = net.layers.length;
  const consumers: number[][] = net.layers.map(() => []);
  const inputConsumers: number[] = [];
  for (const r of net.layers) {
    for (const p of r.inputIndices) (p < 0 ? inputConsumers : (consumers[p] ?? [])).push(r.index);
  }
  const tensorBits = tensorBitsTable(net, consumers, inputConsumers, choices.abits);
  const tables = net.layers.map(ownTables);
  const posOf = new Map<number, number>();
  net.weightedIndices.forEach((li, pos) => posOf.set(li, pos));

  /** Data inputs of layer `c` looking through free layers, with need/low tables composed along the path. */
  const dataInputs = (c: number): SimInput[] => {
    const out = new Map<number, SimInput>();
    const own = tables[c];
    const visit = (producer: number, need: Int32Array, low: Int32Array): void => {
      const pr = producer < 0 ? undefined : net.layers[producer];
      if (pr !== undefined && isFree(pr)) {
        const t = tables[producer];
        if (t === undefined) return;
        for (const q of pr.inputIndices) visit(q, need.map((x) => t.need[x] ?? 0), low.map((x) => t.low[x] ?? 0));
        return;
      }
      const prev = out.get(producer);
      if (prev === undefined) out.set(producer, { producer, need, low });
      else {
        prev.need = prev.need.map((x, i) => Math.max(x, need[i] ?? 0));
        prev.low = prev.low.map((x, i) => Math.min(x, low[i] ?? 0));
      }
    };
    const r = net.layers[c];
    if (r === undefined || own === undefined) return [];
    for (const p of r.inputIndices) visit(p, own.need, own.low);
    return [...out.values()];
  };

  const layers: SimLayer[] = [];
  const producers: Array<SimProducer | undefined> = new Array<SimProducer | undefined>(n + 1).fill(undefined);
  const destSets = new Map<number, Set<number>>();
  for (const r of net.layers) {
    if (isFree(r)) continue;
    const pos = posOf.get(r.index) ?? -1;
    const mapping = pos >= 0 ? mappings[pos] : undefined;
    const place = pos >= 0 ? placement.weighted[pos] : undefined;
    const inputs = dataInputs(r.index);
    const outRows = r.outShape.height;
    const layer = r.layer;
    let digitalOps = 0;
    if (layer.kind === 'pool') {
      const s = r.inShapes[0];
      digitalOps = layer.global && s ? s.channels * s.height * s.width : r.outShape.width * r.outShape.channels * layer.kernel[0] * layer.kernel[1] * outRows;
    } else if (layer.kind === 'eltwise') {
      digitalOps = r.outShape.width * r.outShape.channels * outRows * Math.max(1, r.inShapes.length - 1);
    } else if (layer.kind === 'activation') {
      digitalOps = r.outShape.width * r.outShape.channels * outRows;
    }
    let readBits = 0;
    if (!isWeighted(r)) {
      r.inShapes.forEach((s, k) => (readBits += s.channels * s.height * s.width * (tensorBits[(r.inputIndices[k] ?? -1) + 1] ?? 8)));
    }
    const inShape = r.inShapes[0];
    let mvmElements = 0;
    if (layer.kind === 'conv' && inShape) mvmElements = layer.kernel[0] * layer.kernel[1] * inShape.channels;
    else if (layer.kind === 'fc' && inShape) mvmElements = inShape.channels * inShape.height * inShape.width;
    const sim: SimLayer = {
      index: r.index,
      name: layer.name,
      kind: layer.kind,
      weightedPos: pos,
      outRows,
      outCols: r.outShape.width,
      outChannels: r.outShape.channels,
      inputs,
      replicas: place?.replicas ?? 1,
      digitalOpsPerRow: digitalOps / outRows,
      digitalReadBitsPerRow: readBits / outRows,
      mvmReadBits: mvmElements * (pos >= 0 ? (choices.abits[pos] ?? 8) : 0),
      unitTiles: place ? [...place.replicaTiles] : [placement.layerTiles[r.index]?.[0] ?? 0],
      sink: false,
    };
    if (mapping !== undefined) sim.mapping = mapping;
    layers.push(sim);
    for (const input of inputs) {
      const set = destSets.get(input.producer) ?? new Set<number>();
      for (const t of placement.layerTiles[r.index] ?? []) set.add(t);
      destSets.set(input.producer, set);
    }
  }
  const byIndex = new Map(layers.map((l) => [l.index, l]));
  const makeProducer = (index: number): SimProducer => {
    const l = byIndex.get(index);
    const shape = index < 0 ? net.network.input : undefined;
    const rows = l ? l.outRows : (shape?.height ?? 1);
    const cols = l ? l.outCols : (shape?.width ?? 1);
    const channels = l ? l.outChannels : (shape?.channels ?? 1);
    const pieces = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      if (l && l.kind === 'conv') {
        let count = 0;
        for (let k = 0; k < l.replicas; k++) if (replicaPixelsInRow(cols, l.replicas, k, i) > 0) count++;
        pieces[i] = count;
      } else pieces[i] = 1;
    }
    return {
      index,
      name: l ? l.name : 'input',
      rows,
      rowBits: cols * channels * (tensorBits[index + 1] ?? 8),
      destTiles: [...(destSets.get(index) ?? [])].sort((a, b) => a - b),
      piecesPerRow: pieces,
    };
  };
  producers[0] = makeProducer(-1);
  for (const l of layers) {
    const p = makeProducer(l.index);
    producers[l.index + 1] = p;
    l.sink = p.destTiles.length === 0;
  }
  return { arch, net, mappings, placement, layers, producers, tensorBits };
}
