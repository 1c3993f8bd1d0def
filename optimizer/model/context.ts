import type { ArchSpec } from '../../arch/types';
import type { ResolvedNetwork } from '../../workloads/types';
import { mapLayer, mvmInputElements as mvmInputElementsOf, type LayerCrossbarMapping } from '../../arch/mapping';
import { meshSize, newPlacementScratch } from '../../arch/placement';
import { chipAreaMm2 } from '../../arch/area';
import { productEngine, productWork, type ProductWork } from '../../arch/attention';
import { newTrafficScratch } from './traffic-scratch';
import { prepareCreditLoop } from './credit-loop-tables';
import { newUnitRunScratch } from './unit-run-scratch';
import { newDigitalQueues } from './digital-queue';
import { newInjectionScratch } from './injection';
import { loneApartTable } from './lone-sends';
import { analyzeDataflow, dataflowCosts, digitalReadElements, ownRowTables, storedTensorBits, type Dataflow } from '../../arch/dataflow';
import type { LayerStatic, ModelContext } from './types';
import { rowJobLayers, rowJobOpsPerImage } from './unit-wait';
import { newStageSlab } from './stage-table';

export type { LayerStatic, ModelContext } from './types';

/** One-time precomputation for a network on an architecture; evaluations then only read it. */
export function prepareModel(arch: ArchSpec, net: ResolvedNetwork): ModelContext {
  const costs = dataflowCosts(arch);
  const flow = analyzeDataflow(net, costs);
  const weightedPosOf = new Map<number, number>();
  net.weightedIndices.forEach((layerIndex, pos) => weightedPosOf.set(layerIndex, pos));
  const consumed = new Set<number>();
  for (const r of net.layers) for (const p of r.inputIndices) consumed.add(p);
  const shapeOf = (p: number) => (p < 0 ? net.network.input : net.layers[p]?.outShape);
  let rowCursor = 0;
  const layers: LayerStatic[] = net.layers.map((resolved) => {
    const layer = resolved.layer;
    const lf = flow.layers[resolved.index];
    const mvmInputElements = mvmInputElementsOf(resolved);
    const dataInputs = (lf?.dataInputs ?? []).map((d) => d.producer);
    const first = shapeOf(dataInputs[0] ?? -1);
    const rowTables = resolved.inputIndices.map((_, k) => ownRowTables(resolved, k));
    return {
      index: resolved.index,
      name: layer.name,
      kind: layer.kind,
      role: lf?.role ?? 'free',
      readsInput: dataInputs.includes(-1),
      weightedPos: weightedPosOf.get(resolved.index) ?? -1,
      inputs: [...resolved.inputIndices],
      outRows: resolved.outShape.height,
      outCols: resolved.outShape.width,
      outChannels: resolved.outShape.channels,
      needRows: rowTables.map((t) => t.need),
      lowRows: rowTables.map((t) => t.low),
      readSpanRows: rowTables.map(readSpanRows),
      digitalOps: lf?.digitalOps ?? 0,
      product: layer.kind === 'matmul' && productEngine(arch) !== 'digitalUnit',
      mvmInputElements,
      dataInputs,
      // Elements read from eDRAM per image (rule 5; a digital-unit product reads B again for each output row).
      dataInputElements: dataInputs.map((p, k) => (lf ? digitalReadElements(lf, resolved, k, shapeOf(p), costs) : 0)),
      firstInputRowElements: first ? first.width * first.channels : 0,
      rowOffset: (rowCursor += resolved.outShape.height) - resolved.outShape.height,
      rowSource: 0,
      aliased: false,
      identityNeed: false,
      inputRowSources: new Int32Array(0),
      inputStored: [],
      sendsAs: -1,
      hostedOps: 0,
      inHostJob: false,
      resolved,
    };
  });
  for (const l of layers) {
    const only = l.inputs.length === 1 ? l.inputs[0] : undefined;
    const producer = only === undefined || only < 0 ? undefined : layers[only];
    l.identityNeed = l.needRows.every((need) => need.length === l.outRows && need.every((row, i) => row === i));
    l.aliased = l.role === 'free' && producer !== undefined && producer.outRows === l.outRows && (l.needRows[0] ?? []).every((row, i) => row === i);
    l.rowSource = l.aliased && producer !== undefined ? producer.rowSource : l.rowOffset;
    l.inputRowSources = Int32Array.from(l.inputs, (p) => (p < 0 ? -1 : (layers[p]?.rowSource ?? 0)));
    l.inputStored = l.inputs.map((p) => Int32Array.from(storedProducers(flow, net, p)));
  }
  // A digital layer's unit applies what is fused into its output in the same job as its own ops (rule 5).
  for (const l of layers) {
    const host = l.role === 'fused' ? layers[flow.layers[l.index]?.storedAs ?? -1] : undefined;
    if (host === undefined || host.role !== 'digital') continue;
    host.hostedOps += l.digitalOps;
    l.inHostJob = true;
  }
  // A weighted layer's replica applies every activation fused into its output path in one job (rule 5: the
  // simulator's one serve of fusedOpsPerRow), so a chain of fused layers there, each reading the one before row for
  // row, is one job at the unit, held by the chain's first layer. As a job each, a residual add and the ReLU after it
  // waited twice behind the rows that reached a shared unit between them (ISAAC ResNet-18, seed 179 of
  // scripts/probe/more-resource.ts: the model's lone latency +3.21% with twice the digital ops, the simulator's not).
  const chains = new Map<number, { holder: LayerStatic; tail: LayerStatic }>();
  for (const l of layers) {
    const hostIndex = l.role === 'fused' && !l.inHostJob ? (flow.layers[l.index]?.storedAs ?? -1) : -1;
    if (layers[hostIndex]?.role !== 'weighted') continue;
    const chain = chains.get(hostIndex);
    const source = l.inputs.length === 1 ? layers[l.inputs[0] as number] : undefined;
    if (chain === undefined) chains.set(hostIndex, { holder: l, tail: l });
    else if (l.identityNeed && source !== undefined && source.rowSource === chain.tail.rowSource && l.outRows === chain.holder.outRows) {
      chain.holder.hostedOps += l.digitalOps;
      l.inHostJob = true;
      chain.tail = l;
    }
  }
  // A stored producer's rows are sent when the last layer fused into it (network order) is through with them.
  const sender = new Map<number, number>();
  for (const l of layers) {
    const host = l.role === 'fused' ? (flow.layers[l.index]?.storedAs ?? -1) : l.role === 'free' ? -1 : l.index;
    if (host >= 0) sender.set(host, Math.max(sender.get(host) ?? -1, l.index));
  }
  for (const [host, last] of sender) {
    const l = layers[last];
    if (l !== undefined) l.sendsAs = host;
  }
  const readers = weightedReaderTables(flow);
  const inputsPerLayer = Math.max(1, ...layers.map((l) => l.inputs.length));
  const input = net.network.input;
  const creditLoop = prepareCreditLoop(
    flow,
    readers.readSlots,
    (p) => (p < 0 ? input.height : (layers[p]?.outRows ?? 0)),
    (p) => (p < 0 ? input.width * input.channels : (layers[p]?.outCols ?? 0) * (layers[p]?.outChannels ?? 0)),
  );
  const jobOps = rowJobOpsPerImage({ layers, flow });
  return {
    arch,
    net,
    flow,
    layers,
    meshWidth: meshSize(arch).width,
    mappingCache: net.weightedIndices.map(() => new Map()),
    rowScratch: new Float64Array(rowCursor),
    digitalOpsPerImage: layers.reduce((sum, l) => sum + l.digitalOps, 0),
    sinks: layers.filter((l) => !consumed.has(l.index)).map((l) => l.index),
    mvmEnergy: new WeakMap(),
    chipAreaFixedMm2: chipAreaMm2(arch, 0),
    tileAreaMm2: chipAreaMm2(arch, 1) - chipAreaMm2(arch, 0),
    freeStages: layers.map((l) =>
      l.role !== 'free'
        ? undefined
        : Object.freeze({
            index: l.index, name: l.name, kind: l.kind, computeCycles: 0, shiftAddCycles: 0, nocInCycles: 0, nocOutCycles: 0,
            meshLinkCycles: 0, edramCycles: 0, digitalCycles: 0, attentionCycles: 0, offChipCycles: 0, lineBufferCycles: 0, portQueueCycles: 0, creditLoopCycles: 0, stageCycles: 0, boundBy: 'none' as const,
          }),
    ),
    digitalQueues: newDigitalQueues(),
    unitRun: newUnitRunScratch(),
    // Row times, once an evaluation (row-times.ts): per layer, and per layer and input.
    rowTimes: {
      fixed: new Float64Array(layers.length),
      fixedStamp: new Int32Array(layers.length),
      delay: new Float64Array(layers.length * inputsPerLayer),
      delayStamp: new Int32Array(layers.length * inputsPerLayer),
      inputsPerLayer,
      evaluation: 0,
    },
    injection: newInjectionScratch(arch, rowCursor, readers.readSlots, flow.readers.length),
    loneApart: loneApartTable(layers),
    loneSends: { start: new Int32Array(0), fill: new Int32Array(0), producer: new Int32Array(0), flits: new Float64Array(0) },
    loneLinks: { start: new Int32Array(0), fill: new Int32Array(0), producer: new Int32Array(0), flits: new Float64Array(0) },
    loneTerms: { nocOut: new Float64Array(layers.length), meshLink: new Float64Array(layers.length) },
    tileScratch: {
      edramBits: new Float64Array(arch.chip.tiles),
      edramSq: new Float64Array(arch.chip.tiles),
      digital: new Float64Array(arch.chip.tiles),
      inject: new Float64Array(arch.chip.tiles),
      eject: new Float64Array(arch.chip.tiles),
      edram: new Float64Array(arch.chip.tiles),
      attention: new Float64Array(arch.chip.tiles),
    },
    productCache: new Map(),
    productCycles: new Float64Array(layers.length),
    stageRowCycles: new Float64Array(layers.length),
    stageSlab: newStageSlab(),
    workCycles: new Float64Array(layers.length),
    rowJobOps: jobOps,
    rowJobLayers: rowJobLayers(jobOps),
    unitWaitCycles: new Float64Array(layers.length),
    placement: newPlacementScratch(net, flow),
    ...readers,
    creditLoop,
    storedBits: new Float64Array(flow.readers.length),
    traffic: newTrafficScratch(arch, meshSize(arch).width, layers.length),
  };
}

/** The stored producers whose rows layer `p`'s rows are: itself, its host if fused, its inputs' if free (-1: the input). */
function storedProducers(flow: Dataflow, net: ResolvedNetwork, p: number): number[] {
  if (p < 0) return [-1];
  const lf = flow.layers[p];
  if (lf === undefined) return [];
  if (lf.role === 'weighted' || lf.role === 'digital') return [p];
  if (lf.role === 'fused') return [lf.storedAs];
  const out = new Set<number>();
  for (const q of net.layers[p]?.inputIndices ?? []) for (const s of storedProducers(flow, net, q)) out.add(s);
  return [...out];
}

/** Read slots and the weighted readers of each stored tensor in flat arrays (fillStoredBits reads them). */
function weightedReaderTables(flow: Dataflow): Pick<ModelContext, 'readSlots' | 'weightedReaderStart' | 'weightedReaderPos'> {
  const slots = flow.readers.length;
  const weightedReaderStart = new Int32Array(slots + 1);
  const pos: number[] = [];
  for (let slot = 0; slot < slots; slot++) {
    weightedReaderStart[slot] = pos.length;
    for (const p of flow.weightedReaders[slot] ?? []) pos.push(p);
  }
  weightedReaderStart[slots] = pos.length;
  const readSlots: number[] = [];
  for (let slot = 0; slot < slots; slot++) if ((flow.readers[slot]?.length ?? 0) > 0) readSlots.push(slot);
  return { readSlots: Int32Array.from(readSlots), weightedReaderStart, weightedReaderPos: Int32Array.from(pos) };
}

/**
 * Bits per element of every stored tensor for `abits` (storedTensorBits for each producer), into ctx.storedBits.
 * NOTE: written for speed: filled once per evaluation so traffic, tile loads and latency look them up.
 */
export function fillStoredBits(ctx: ModelContext, abits: readonly number[]): Float64Array {
  const out = ctx.storedBits;
  const start = ctx.weightedReaderStart;
  const pos = ctx.weightedReaderPos;
  for (let slot = 0; slot < out.length; slot++) {
    let bits = 0;
    for (let k = start[slot] as number; k < (start[slot + 1] as number); k++) bits = Math.max(bits, abits[pos[k] as number] ?? 0);
    out[slot] = bits > 0 ? bits : 8;
  }
  return out;
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

/** Bits per element of stored producer k's tensor (k = -1: the network input). */
export function tensorBits(ctx: ModelContext, k: number, abits: readonly number[]): number {
  return storedTensorBits(ctx.flow, k, abits);
}

/**
 * Work of product layer l for the plan's stored-tensor bits (its two operands' bits: rule 2), memoised.
 * NOTE: the key packs (layer, a, b); bits stay below 64.
 */
export function productWorkOf(ctx: ModelContext, l: LayerStatic, storedBits: Float64Array): ProductWork | undefined {
  const a = storedBits[(l.dataInputs[0] ?? -1) + 1] as number;
  const b = storedBits[(l.dataInputs[1] ?? l.dataInputs[0] ?? -1) + 1] as number;
  const key = (l.index * 64 + a) * 64 + b;
  if (ctx.productCache.has(key)) return ctx.productCache.get(key);
  const work = productWork(ctx.arch, l.resolved, a, b);
  ctx.productCache.set(key, work);
  return work;
}

/** The most rows of an input a row holds before it can be made: the first row's from row 0, the others' own span. */
function readSpanRows(t: { need: Int32Array; low: Int32Array }): number {
  let span = (t.need[0] ?? 0) + 1;
  for (let i = 1; i < t.need.length; i++) span = Math.max(span, (t.need[i] as number) - (t.low[i] as number) + 1);
  return span;
}
