/**
 * The static dataflow of a network on the hardware (docs/hardware-model.md rules 1-4): every layer's role, composed
 * data inputs, anchor and readers (analyzeDataflow), and the bits of stored tensors (rule 2). Its parts: the records
 * (arch/dataflow-types.ts), row needs (arch/row-spans.ts), digital-unit work (arch/digital-ops.ts) and the skew
 * between forked inputs (arch/skew.ts); the plan-dependent windows are arch/pace.ts.
 */
import type { ResolvedLayer, ResolvedNetwork } from '../workloads/types';
import { productLayerIndices } from './attention';
import type { DataInput, Dataflow, LayerFlow, LayerRole } from './dataflow-types';
import { DEFAULT_DATAFLOW_COSTS, digitalOpsOf, type DataflowCosts } from './digital-ops';
import { ownRowTables } from './row-spans';
import { widenForSkew } from './skew';

export type { DataInput, Dataflow, LayerFlow, LayerRole, SkewPath } from './dataflow-types';
export { DEFAULT_DATAFLOW_COSTS, RECURRENT_CELL_OPS, dataflowCosts, digitalOpsOf, digitalReadElements, digitalReadsPerElement, outputPathOps, type DataflowCosts } from './digital-ops';
export { ownRowTables } from './row-spans';

/** Roles, composed data inputs, anchors and readers of every layer. */
export function analyzeDataflow(net: ResolvedNetwork, costs: DataflowCosts = DEFAULT_DATAFLOW_COSTS): Dataflow {
  const n = net.layers.length;
  const consumers: number[][] = net.layers.map(() => []);
  for (const r of net.layers) for (const p of r.inputIndices) if (p >= 0) consumers[p]?.push(r.index);
  /** Need/low tables of every layer, per direct input. */
  const tables = net.layers.map((r) => r.inputIndices.map((_, k) => ownRowTables(r, k)));
  const isWeighted = (r: ResolvedLayer): boolean => r.layer.kind === 'conv' || r.layer.kind === 'fc';
  const isFree = (r: ResolvedLayer): boolean => r.layer.kind === 'concat' || r.layer.kind === 'pass' || r.layer.kind === 'reshape' || r.layer.kind === 'slice' || r.layer.kind === 'pad';

  // storedAs is decided in network order: a layer's producers are settled before it.
  const storedAs = new Int32Array(n).fill(-2);
  const roles: LayerRole[] = new Array<LayerRole>(n).fill('free');
  /** Stored layer behind a direct input, through free layers with one input (else undefined). */
  const storedBehind = (p: number): number | undefined => {
    if (p < 0) return -1;
    const pr = net.layers[p];
    if (pr === undefined) return undefined;
    if (!isFree(pr)) return storedAs[p];
    return pr.inputIndices.length === 1 ? storedBehind(pr.inputIndices[0] ?? -1) : undefined;
  };
  /** Layers that read stored layer `source`'s rows other than through free layers and layers fused into it. */
  const otherReaders = (source: number): number[] => {
    const out: number[] = [];
    const walk = (k: number): void => {
      for (const c of consumers[k] ?? []) {
        const cr = net.layers[c];
        if (cr === undefined) continue;
        if (isFree(cr) || storedAs[c] === source) walk(c);
        else out.push(c);
      }
    };
    walk(source);
    return out;
  };
  /** The stored layer `layer` can be fused into: one read by nothing but `layer` (and weighted, if asked). */
  const fusionHost = (layer: ResolvedLayer, input: number, weightedOnly: boolean): number | undefined => {
    const source = storedBehind(input);
    if (source === undefined || source < 0) return undefined;
    const host = net.layers[source];
    if (host === undefined || (weightedOnly && !isWeighted(host))) return undefined;
    // Fusion keeps rows one to one: the host's output must have the layer's shape (not a broadcast operand).
    const a = host.outShape;
    const b = layer.outShape;
    if (a.channels !== b.channels || a.height !== b.height || a.width !== b.width) return undefined;
    return otherReaders(source).every((c) => c === layer.index) ? source : undefined;
  };
  for (const r of net.layers) {
    let host: number | undefined;
    if (r.layer.kind === 'activation' && r.inputIndices.length === 1) {
      // An activation is applied in its source's output path when nothing else reads that source.
      host = fusionHost(r, r.inputIndices[0] ?? -1, false);
    } else if (r.layer.kind === 'eltwise' && r.inputIndices.length >= 2) {
      // A residual add (or SE multiply) runs in the output path of a weighted layer feeding it, as PUMA's vector
      // unit does after the MVM; its other operands become inputs of that layer, read as its rows are produced.
      for (const p of r.inputIndices) if (host === undefined) host = fusionHost(r, p, true);
    }
    if (isWeighted(r)) roles[r.index] = 'weighted';
    else if (isFree(r)) roles[r.index] = 'free';
    else roles[r.index] = host === undefined ? 'digital' : 'fused';
    if (host !== undefined && roles[r.index] === 'fused') storedAs[r.index] = host;
    else if (!isFree(r)) storedAs[r.index] = r.index;
  }

  /** Stored inputs of layer c with need/low composed through free and fused layers. */
  const composeInputs = (c: number): DataInput[] => {
    const out = new Map<number, DataInput>();
    const visit = (p: number, need: Int32Array, low: Int32Array): void => {
      const pr = p < 0 ? undefined : net.layers[p];
      if (pr !== undefined && roles[p] === 'fused') {
        // A fused layer's rows are its host's rows, one to one.
        visit(storedAs[p] ?? -1, need, low);
        return;
      }
      if (pr !== undefined && roles[p] === 'free') {
        pr.inputIndices.forEach((q, k) => {
          const t = tables[p]?.[k];
          if (t !== undefined) visit(q, need.map((x) => t.need[x] ?? 0), low.map((x) => t.low[x] ?? 0));
        });
        return;
      }
      const prev = out.get(p);
      if (prev === undefined) out.set(p, { producer: p, need: Int32Array.from(need), low: Int32Array.from(low) });
      else {
        prev.need = prev.need.map((x, i) => Math.max(x, need[i] ?? 0));
        prev.low = prev.low.map((x, i) => Math.min(x, low[i] ?? 0));
      }
    };
    const r = net.layers[c];
    if (r === undefined) return [];
    r.inputIndices.forEach((p, k) => {
      const own = tables[c]?.[k];
      if (own !== undefined) visit(p, own.need, own.low);
    });
    return [...out.values()];
  };

  /** Operands of fused element-wise layers, by host: read by the host as its rows are produced. */
  const fusedOperands = new Map<number, DataInput[]>();
  for (const r of net.layers) {
    const host = storedAs[r.index] ?? -2;
    if (roles[r.index] !== 'fused' || r.layer.kind !== 'eltwise' || host < 0) continue;
    const operands = composeInputs(r.index).filter((d) => d.producer !== host);
    fusedOperands.set(host, [...(fusedOperands.get(host) ?? []), ...operands]);
  }

  const layers: LayerFlow[] = [];
  const anchors = new Int32Array(n);
  for (const r of net.layers) {
    const role = roles[r.index] ?? 'free';
    const dataInputs = role === 'weighted' || role === 'digital' ? composeInputs(r.index) : [];
    for (const operand of fusedOperands.get(r.index) ?? []) dataInputs.push(operand);
    let anchor = r.index;
    if (role === 'fused') anchor = anchors[storedAs[r.index] ?? 0] ?? -1;
    else if (role === 'digital') {
      const first = dataInputs[0]?.producer ?? -1;
      anchor = first < 0 ? -1 : (anchors[first] ?? -1);
    } else if (role === 'free') anchor = -1;
    anchors[r.index] = anchor;
    layers.push({
      index: r.index,
      role,
      dataInputs,
      storedAs: storedAs[r.index] ?? -2,
      anchor,
      digitalOps: role === 'free' ? 0 : digitalOpsOf(r, costs),
      windowRows: dataInputs.map((d) => {
        // The rows one output row spans, plus the rows the reader advances per output row beyond one (a
        // stride-2 reader needs two new rows for its next row: without room for both, its producer stalls).
        let w = 1;
        let advance = 1;
        for (let i = 0; i < d.need.length; i++) {
          w = Math.max(w, (d.need[i] ?? 0) - (d.low[i] ?? 0) + 1);
          if (i > 0) advance = Math.max(advance, (d.need[i] ?? 0) - (d.need[i - 1] ?? 0));
        }
        return w + advance - 1;
      }),
      skewPaths: dataInputs.map(() => []),
      hasSkew: false,
    });
  }

  widenForSkew(layers);

  const readers: number[][] = Array.from({ length: n + 1 }, () => []);
  for (const l of layers) for (const d of l.dataInputs) readers[d.producer + 1]?.push(l.index);
  const posOf = new Map<number, number>();
  net.weightedIndices.forEach((li, pos) => posOf.set(li, pos));
  const products = productLayerIndices(net);
  const productPos = new Map<number, number>();
  products.forEach((li, j) => productPos.set(li, net.weightedIndices.length + j));
  // Readers setting each stored tensor's bits, looking through digital readers (reverse network order); a second
  // pass that looks through products too gives each product's default bits.
  const readersThrough = (stopAtProducts: boolean): number[][] => {
    const out: number[][] = Array.from({ length: n + 1 }, () => []);
    for (let slot = n; slot >= 0; slot--) {
      const set = new Set<number>();
      for (const c of readers[slot] ?? []) {
        const pos = posOf.get(c) ?? (stopAtProducts ? productPos.get(c) : undefined);
        if (pos !== undefined) set.add(pos);
        else for (const w of out[c + 1] ?? []) set.add(w);
      }
      out[slot] = [...set];
    }
    return out;
  };
  const weightedReaders = readersThrough(true);
  const throughProducts = products.length > 0 ? readersThrough(false) : weightedReaders;
  const productDefaultReaders = products.map((li) => throughProducts[li + 1] ?? []);
  const sinks = layers.filter((l) => (l.role === 'weighted' || l.role === 'digital') && (readers[l.index + 1]?.length ?? 0) === 0).map((l) => l.index);
  const anchoredDigital: number[][] = Array.from({ length: n + 1 }, () => []);
  for (const l of layers) if (l.role === 'digital') anchoredDigital[l.anchor + 1]?.push(l.index);
  return { layers, readers, weightedReaders, products, weightedCount: net.weightedIndices.length, productDefaultReaders, sinks, anchoredDigital };
}

/**
 * Bits per element of a stored tensor (rule 2): the largest among its bit-setting readers (weighted layers' abits,
 * products' own bits) in `bits` (operandBits: abits per weighted layer, then per product), else 8.
 */
export function storedTensorBits(flow: Dataflow, producer: number, bits: readonly number[]): number {
  let out = 0;
  for (const pos of flow.weightedReaders[producer + 1] ?? []) out = Math.max(out, bits[pos] ?? 0);
  return out > 0 ? out : 8;
}

/**
 * The operand-bits array of a plan: abits per weighted layer (weightedIndices order), then each product's bits
 * (flow.products order): its own (`productBits[j]` > 0) or, by default, the largest abits of the weighted layers
 * reading its output (flow.productDefaultReaders), else 8. Without products it is `abits` itself.
 */
export function operandBits(flow: Dataflow, abits: readonly number[], productBits?: readonly number[]): readonly number[] {
  if (flow.products.length === 0) return abits;
  const out: number[] = [];
  for (let pos = 0; pos < flow.weightedCount; pos++) out.push(abits[pos] ?? 8);
  flow.products.forEach((_, j) => {
    const own = productBits?.[j] ?? 0;
    if (own > 0) {
      out.push(own);
      return;
    }
    let bits = 0;
    for (const pos of flow.productDefaultReaders[j] ?? []) bits = Math.max(bits, abits[pos] ?? 8);
    out.push(bits > 0 ? bits : 8);
  });
  return out;
}

