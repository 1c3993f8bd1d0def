import type { ResolvedLayer, ResolvedNetwork } from '../workloads/types';
import type { ArchSpec, DigitalOpCounts } from './types';
import { productEngine, productLayerIndices } from './attention';
import { transformerDigitalOps } from './presets/attention';

/**
 * The static dataflow of a network on the hardware (docs/hardware-model.md rules 1-4), shared by the analytical
 * model, placement and the simulator so that all three agree on who stores which rows and who reads them.
 *
 * Roles:
 * - `weighted`: conv/fc on crossbars; stores its output rows in eDRAM at each consumer tile.
 * - `digital`: pool, element-wise, matmul of two activations, norm, softmax, reduce and resize layers on a tile's
 *   digital unit; store their output rows.
 * - `fused`: an activation applied in its producer's output path (ISAAC and PUMA apply ReLU/sigmoid before an
 *   output is written): it costs digital ops on the producer's tiles but stores no copy; readers read the
 *   producer's rows.
 * - `free`: batchnorm (folded), flatten, dropout, identity, concat, reshape, slice, pad: no work; readers look through them.
 */
export type LayerRole = 'weighted' | 'digital' | 'fused' | 'free';

/** One stored producer a layer reads, with the producer rows each output row needs. */
export interface DataInput {
  /** Stored producer layer index, or -1 for the network input. */
  producer: number;
  /** Highest producer row output row i needs (line-buffer rule, composed through free/fused layers). */
  need: Int32Array;
  /** Lowest producer row output row i still needs. */
  low: Int32Array;
}

export interface LayerFlow {
  index: number;
  role: LayerRole;
  /** For weighted/digital layers: the stored producers they read (empty for fused and free layers). */
  dataInputs: DataInput[];
  /**
   * The stored layer whose rows this layer's output is (itself for weighted/digital; the producer for a fused
   * activation; -2 for free layers, which have no rows of their own).
   */
  storedAs: number;
  /**
   * Weighted layer (or -1, the network input) whose first tile hosts this layer's digital work: a digital
   * layer runs where its first producer's data is (rule 1); a fused activation runs with its producer.
   */
  anchor: number;
  /**
   * Element ops on a digital unit per image (pool, eltwise, activation; for a recurrent layer, its gates and cell
   * update, applied on its output path like a fused activation: RECURRENT_CELL_OPS).
   */
  digitalOps: number;
  /**
   * Rows of each stored input a reader holds at once (per input): the widest span need - low + 1 of one output
   * row, plus the rows it advances per output row beyond one, widened for skew between inputs (widenForSkew).
   * Placement adds the rows that pass while the other inputs' rows cross their extra pipeline stages
   * (pacedWindowRows), which depends on the plan.
   */
  windowRows: number[];
  /** Per input: where the reader's inputs fork from a common ancestor, the stages on each side (widenForSkew). */
  skewPaths: SkewPath[][];
  /** Some input forks from a common ancestor (skewPaths not all empty); fixed per network. */
  hasSkew: boolean;
}

/**
 * Two inputs of one reader that fork from a common stored ancestor: the reader holds input k's rows while the same
 * image rows travel the other input's longer path, one pipeline stage after another.
 */
export interface SkewPath {
  /** Stored layers after the fork up to and including the other input's producer. */
  lead: number[];
  /** Stored layers after the fork up to and including input k's producer (empty when the fork is that producer). */
  own: number[];
  /** Rows of input k its producer may run ahead of the reader's need, given the fork rows the other path pulled. */
  skewRows: number;
}

export interface Dataflow {
  layers: LayerFlow[];
  /** Stored layers (weighted/digital) reading each stored producer, at index producer + 1 (0: network input). */
  readers: number[][];
  /**
   * The readers that set each stored producer's bits (rule 2), at index producer + 1 (0: network input), as
   * positions in the operand-bits array (operandBits): weighted layers by their position in weightedIndices, read
   * directly or through digital/fused/free layers; a product of two activations (matmul) at weighted count + its
   * ordinal among the products. A product reads its operands at its own bits, so the search stops there.
   */
  weightedReaders: number[][];
  /** Per product (matmul, network order): its layer index. */
  products: number[];
  /** Weighted layers of the network (the first positions of the operand-bits array). */
  weightedCount: number;
  /**
   * Per product: the weighted layers (positions) reading its output through digital, fused, free layers and other
   * products. Without its own bits in the plan a product takes the largest of their abits (rule 2 as before
   * products had bits: the attention's precision follows the output projection's activation bits).
   */
  productDefaultReaders: number[][];
  /** Stored layers no one reads: their rows finish an image. */
  sinks: number[];
  /** Digital layers by the anchor that hosts them, at index anchor + 1 (0: the network input), in network order. */
  anchoredDigital: number[][];
}

/** The span of input rows output row i of a layer needs (rule 4), before clamping to the input's rows. */
type RowSpan = (i: number) => { lo: number; hi: number };

/**
 * Rule 4 for every layer kind, in one place: the input rows (of direct input `input`) each output row needs.
 * Kinds that need the whole input (fc, flatten, a reduction or softmax over the rows, instance/group norm, a
 * layout change that moves the row axis, the second operand of a matmul) need its last row and keep its first.
 */
function rowSpan(r: ResolvedLayer, input: number, inRows: number): RowSpan {
  const layer = r.layer;
  const same: RowSpan = (i) => ({ lo: i, hi: i });
  const whole: RowSpan = () => ({ lo: 0, hi: inRows - 1 });
  switch (layer.kind) {
    case 'conv':
      // A bidirectional recurrent layer's backward pass starts at the last step.
      if (layer.recurrent && layer.recurrent.directions > 1) return whole;
      return (i) => {
        const lo = i * layer.stride[0] - layer.pad[0];
        return { lo, hi: lo + (layer.kernel[0] - 1) * layer.dilation[0] };
      };
    case 'pool':
      // A global pool keeps a running sum/max as rows arrive: it finishes at the last row and holds one row.
      if (layer.global) return () => ({ lo: inRows - 1, hi: inRows - 1 });
      return (i) => {
        const lo = i * layer.stride[0] - layer.pad[0];
        return { lo, hi: lo + layer.kernel[0] - 1 };
      };
    case 'col2im':
      // Uncropped output row f = i + top pad gathers tap a of input row j where j*stride + a*dilation = f; a row
      // in a gap between patches (stride above the kernel's reach) reads the row before it.
      return (i) => {
        const f = i + layer.pad[0];
        let lo = Infinity;
        let hi = -1;
        for (let a = 0; a < layer.kernel[0]; a++) {
          const j = (f - a * layer.dilation[0]) / layer.stride[0];
          if (Number.isInteger(j) && j >= 0 && j < inRows) (lo = Math.min(lo, j)), (hi = Math.max(hi, j));
        }
        if (hi < 0) return { lo: Math.floor(f / layer.stride[0]), hi: Math.floor(f / layer.stride[0]) };
        return { lo, hi };
      };
    case 'fc':
      return whole;
    case 'pass':
      return layer.fn === 'flatten' ? whole : same;
    case 'reshape': {
      if (layer.rows === 'all') return whole;
      // Re-cut in row order: output row i holds elements [i*S_out, (i+1)*S_out) of the input read row by row.
      const inShape = r.inShapes[input];
      const perIn = inShape ? inShape.channels * inShape.width : 1;
      const perOut = r.outShape.channels * r.outShape.width;
      return (i) => ({ lo: Math.floor((i * perOut) / perIn), hi: Math.floor(((i + 1) * perOut - 1) / perIn) });
    }
    case 'concat': {
      if (layer.axis !== 'height') return same;
      // Along the rows: input k's rows follow the rows of the inputs before it.
      let offset = 0;
      for (let k = 0; k < input; k++) offset += r.inShapes[k]?.height ?? 0;
      return (i) => ({ lo: i - offset, hi: i - offset });
    }
    case 'pad':
      if (layer.axis !== 'height') return same;
      return (i) => ({ lo: i - layer.before, hi: i - layer.before });
    case 'slice':
      if (layer.axis !== 'height') return same;
      return (i) => ({ lo: layer.start + i * layer.step, hi: layer.start + i * layer.step });
    case 'matmul':
      // Every output row multiplies its row of A by the whole of B; a causal (decoder) row i by B's rows 0..i.
      if (input === 0) return same;
      return layer.causal === true ? (i) => ({ lo: 0, hi: i }) : whole;
    case 'norm':
      return layer.fn === 'layer' || layer.fn === 'rms' ? same : whole;
    case 'softmax':
      return layer.axis === 'height' ? whole : same;
    case 'reduce':
      return layer.axes.includes('height') ? whole : same;
    case 'resize': {
      const s = layer.scale[0];
      if (layer.mode === 'nearest') return (i) => ({ lo: Math.floor(i / s + 1e-9), hi: Math.floor(i / s + 1e-9) });
      return (i) => {
        const lo = Math.floor((i + 0.5) / s - 0.5);
        return { lo, hi: lo + 1 };
      };
    }
    default:
      // Element-wise ops and activations: row i of every input (row 0 of an input broadcast along the rows).
      return same;
  }
}

/** A layer's own need/low tables relative to its direct input (rule 4). */
export function ownRowTables(r: ResolvedLayer, input = 0): { need: Int32Array; low: Int32Array } {
  const outRows = r.outShape.height;
  // Each input by its own height: an SE block's per-channel scale (1x1) is row 0 for every output row.
  const inRows = r.inShapes[input]?.height ?? 1;
  const span = rowSpan(r, input, inRows);
  const need = new Int32Array(outRows);
  const low = new Int32Array(outRows);
  for (let i = 0; i < outRows; i++) {
    const { lo, hi } = span(i);
    need[i] = Math.max(0, Math.min(inRows - 1, hi));
    low[i] = Math.max(0, Math.min(inRows - 1, lo));
  }
  return { need, low };
}

/**
 * What the digital unit's work depends on in the architecture: ops per element of softmax, LayerNorm and GELU
 * (`tile.digital.opsPerElement`), and whether products of two activations run on it (no MAC arrays, not on
 * rewritten crossbars: arch/attention.ts).
 */
export interface DataflowCosts {
  opsPerElement: DigitalOpCounts;
  productsOnDigitalUnit: boolean;
}

/** Without an architecture: the presets' op counts, and products on the digital unit. */
export const DEFAULT_DATAFLOW_COSTS: DataflowCosts = { opsPerElement: transformerDigitalOps, productsOnDigitalUnit: true };

export function dataflowCosts(arch: ArchSpec): DataflowCosts {
  return { opsPerElement: arch.tile.digital.opsPerElement, productsOnDigitalUnit: productEngine(arch) === 'digitalUnit' };
}

/** Digital-unit ops per element of a normalisation: statistics, normalising, the affine scale and shift. */
function normOpsPerElement(fn: 'layer' | 'rms' | 'instance' | 'group', affine: boolean, ops: DigitalOpCounts): number {
  // LayerNorm: the architecture's count, which includes the affine scale and shift (2 ops).
  if (fn === 'layer') return Math.max(1, ops.layerNorm - (affine ? 0 : 2));
  // Mean (1 add), variance (sub, mul, add), normalise (sub, mul by 1/std); RMS skips the mean and its subtracts.
  if (fn === 'rms') return 3 + (affine ? 1 : 0);
  return 6 + (affine ? 2 : 0);
}

/**
 * Digital-unit ops per hidden unit, direction and step of a recurrent cell (rule 3), after its gate MVM. LSTM: three
 * sigmoids and a tanh on the gates, c = f*c + i*g (2 multiplies, 1 add), h = o*tanh(c) (tanh, multiply). GRU: two
 * sigmoids, the reset gate's multiply, the candidate's add and tanh, h = (1 - z)*n + z*h (subtract, 2 multiplies, add).
 */
export const RECURRENT_CELL_OPS: Readonly<Record<'lstm' | 'gru', number>> = { lstm: 9, gru: 9 };

/** Element ops on a digital unit per image (rule 5). */
export function digitalOpsOf(r: ResolvedLayer, costs: DataflowCosts = DEFAULT_DATAFLOW_COSTS): number {
  const layer = r.layer;
  const out = r.outShape;
  const outElements = out.channels * out.height * out.width;
  const input = r.inShapes[0];
  const inElements = input ? input.channels * input.height * input.width : 0;
  switch (layer.kind) {
    case 'conv':
      // A recurrent layer's cell after each step's MVM; a plain conv's activation is a layer of its own.
      return layer.recurrent ? outElements * RECURRENT_CELL_OPS[layer.recurrent.cell] : 0;
    case 'col2im':
      // One add per patch element into its output pixel (those cropped away included: the patch is computed whole).
      return inElements;
    case 'pool': {
      if (layer.global && input !== undefined) return inElements;
      return outElements * layer.kernel[0] * layer.kernel[1];
    }
    case 'eltwise':
      return outElements * Math.max(1, r.inShapes.length - 1);
    case 'activation':
      return outElements * (layer.fn === 'gelu' ? costs.opsPerElement.gelu : 1);
    case 'matmul':
      // One multiply-accumulate per op; none when MAC arrays or rewritten crossbars do them (arch/attention.ts).
      return costs.productsOnDigitalUnit ? r.macs : 0;
    case 'norm':
      return outElements * normOpsPerElement(layer.fn, layer.affine, costs.opsPerElement);
    case 'softmax':
      // Max, subtract, exp, sum, multiply by the reciprocal (or subtract the log for LogSoftmax).
      return outElements * costs.opsPerElement.softmax;
    case 'reduce':
      return inElements * (layer.op === 'l2' ? 2 : 1);
    case 'resize': {
      if (layer.mode === 'nearest') return outElements;
      // One multiply-add per neighbour along each interpolated axis.
      const axes = (layer.scale[0] !== 1 ? 1 : 0) + (layer.scale[1] !== 1 ? 1 : 0);
      return outElements * Math.max(1, 2 * axes);
    }
    default:
      return 0;
  }
}

/**
 * Times a digital layer reads each element of data input k from eDRAM per image (rule 5): once, except the second
 * operand B of a product of two activations on the digital unit, which keeps no operand between output rows: each
 * output row reads again the rows of B it needs (all of them in an encoder, rows 0..t in a decoder), so B's elements
 * are read sum over output rows of (need - low + 1) / rows(B) times. (MAC arrays and rewritten crossbars hold B.)
 */
export function digitalReadsPerElement(lf: LayerFlow, r: ResolvedLayer, k: number, producerRows: number, costs: DataflowCosts = DEFAULT_DATAFLOW_COSTS): number {
  const d = lf.dataInputs[k];
  if (r.layer.kind !== 'matmul' || !costs.productsOnDigitalUnit || k !== 1 || d === undefined || !(producerRows > 0)) return 1;
  let rows = 0;
  for (let i = 0; i < d.need.length; i++) rows += (d.need[i] ?? 0) - (d.low[i] ?? 0) + 1;
  return Math.max(1, rows / producerRows);
}

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
 * A layer reading several stored inputs (a residual add, a concat) must hold each input's rows until the other
 * inputs catch up: when it wants row i, the other paths have already pulled their shared ancestors further (a
 * skip tensor is consumed by the main path's convolutions rows ahead of the add). For input k and another input j
 * forking from a common ancestor A (A = P_k for an identity skip; P_k's input for a projection shortcut), the
 * window of input k grows to the rows of P_k that A's rows pulled by P_j's row i let P_k produce
 * (docs/hardware-model.md rule 1). The stages on each side of the fork are kept for pacedWindowRows.
 */
function widenForSkew(layers: LayerFlow[]): void {
  const byIndex = new Map(layers.map((l) => [l.index, l]));
  const memo = new Map<string, Int32Array | null>();
  /** Highest row of stored layer `a` that stored layer `l` needs for each of its output rows; null if none. */
  const ancestorNeed = (a: number, l: number): Int32Array | null => {
    const key = `${a}:${l}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    memo.set(key, null); // the graph is acyclic; this only guards re-entry
    const flow = byIndex.get(l);
    let result: Int32Array | null = null;
    for (const d of flow?.dataInputs ?? []) {
      let candidate: Int32Array | null = null;
      if (d.producer === a) candidate = d.need;
      else if (d.producer >= 0) {
        const sub = ancestorNeed(a, d.producer);
        if (sub !== null) candidate = d.need.map((row) => sub[row] ?? 0);
      }
      if (candidate === null) continue;
      result = result === null ? Int32Array.from(candidate) : result.map((x, i) => Math.max(x, candidate?.[i] ?? 0));
    }
    memo.set(key, result);
    return result;
  };
  /** Stored layers after `a` up to and including `l` on any path from `a` to `l` (a must be an ancestor). */
  const stagesBetween = (a: number, l: number, into: Set<number>): void => {
    if (l === a || l < 0 || into.has(l)) return;
    into.add(l);
    for (const d of byIndex.get(l)?.dataInputs ?? []) {
      if (d.producer === a) continue;
      if (d.producer >= 0 && ancestorNeed(a, d.producer) !== null) stagesBetween(a, d.producer, into);
    }
  };
  /** Nearest ancestors of `pk` (itself included) that `pj` also descends from. */
  const forks = (pk: number, pj: number, out: Set<number>, seen: Set<number>): void => {
    // P_j on P_k's own path: input k comes after input j, nothing forks.
    if (seen.has(pk) || pk === pj) return;
    seen.add(pk);
    if (pk === -1 || ancestorNeed(pk, pj) !== null) {
      out.add(pk);
      return;
    }
    for (const d of byIndex.get(pk)?.dataInputs ?? []) forks(d.producer, pj, out, seen);
  };
  for (const l of layers) {
    if (l.dataInputs.length < 2) continue;
    l.windowRows = l.dataInputs.map((dk, k) => {
      let w = l.windowRows[k] ?? 1;
      l.dataInputs.forEach((dj, j) => {
        if (j === k || dj.producer < 0) return;
        const found = new Set<number>();
        forks(dk.producer, dj.producer, found, new Set());
        for (const a of found) {
          const viaJ = ancestorNeed(a, dj.producer);
          // Rows of A that P_k's rows need (identity when the fork is P_k itself).
          const viaK = a === dk.producer ? null : ancestorNeed(a, dk.producer);
          if (viaJ === null || (a !== dk.producer && viaK === null)) continue;
          let skewRows = 0;
          for (let i = 0; i < dj.need.length; i++) {
            const ahead = viaJ[dj.need[i] ?? 0] ?? 0;
            // The furthest row of P_k those rows of A let it produce.
            let reach = ahead;
            if (viaK !== null) {
              reach = -1;
              while (reach + 1 < viaK.length && (viaK[reach + 1] ?? 0) <= ahead) reach++;
            }
            skewRows = Math.max(skewRows, reach - (dk.need[i] ?? 0));
            // An identity skip must hold those rows to progress at all: P_k sends each row to both paths at once.
            if (viaK === null) w = Math.max(w, reach - (dk.low[i] ?? 0) + 1);
          }
          const lead = new Set<number>();
          const own = new Set<number>();
          stagesBetween(a, dj.producer, lead);
          stagesBetween(a, dk.producer, own);
          l.skewPaths[k]?.push({ lead: [...lead], own: [...own], skewRows });
          l.hasSkew = true;
        }
      });
      return w;
    });
  }
}

/**
 * Input k's window once the plan's pace is known (docs/hardware-model.md rule 1). Rows of P_k arrive every
 * `periodCycles`; a row is held from its arrival until the reader has used it, which takes the skew rows, the other
 * path's extra stages (lead - own row times) and the reader's own row time. P_k absorbs up to its idle time per row
 * (period - its row time) by sending late. The window must cover floor(hold / period) rows (one more slot is the
 * lookahead of channelBits). `rowCycles[s]`: stored layer s's time for one output row.
 */
export function pacedWindowRows(lf: LayerFlow, k: number, rowCycles: Float64Array, periodCycles: number, producerRowCycles: number): number {
  const base = lf.windowRows[k] ?? 1;
  const paths = lf.skewPaths[k];
  if (paths === undefined || paths.length === 0 || !(periodCycles > 0)) return base;
  const idle = Math.max(0, periodCycles - producerRowCycles);
  const own = rowCycles[lf.index] ?? 0;
  let window = base;
  for (const p of paths) {
    let hold = p.skewRows * periodCycles + own - idle;
    for (const s of p.lead) hold += rowCycles[s] ?? 0;
    for (const s of p.own) hold -= rowCycles[s] ?? 0;
    window = Math.max(window, Math.floor(hold / periodCycles + 1e-9));
  }
  return window;
}

/**
 * Longest image interval at which input k's granted `windowRows` still keeps pace (the credit loop of rule 1):
 * the hold time of a row, counted in periods, must stay below window + 1. With period p = interval / rows of P_k,
 * floor((skewRows p + lead - own + reader + producer - p) / p) <= window  <=>  p >= (lead - own + reader +
 * producer) / (window + 2 - skewRows). Returns the bound on the interval (0 when no fork).
 */
export function windowPaceBoundCycles(lf: LayerFlow, k: number, rowCycles: Float64Array, windowRows: number, producerRowCycles: number, producerRows: number): number {
  const paths = lf.skewPaths[k];
  if (paths === undefined) return 0;
  let bound = 0;
  for (const p of paths) {
    let work = (rowCycles[lf.index] ?? 0) + producerRowCycles;
    for (const s of p.lead) work += rowCycles[s] ?? 0;
    for (const s of p.own) work -= rowCycles[s] ?? 0;
    const slots = windowRows + 2 - p.skewRows;
    if (work > 0) bound = Math.max(bound, (producerRows * work) / Math.max(1, slots));
  }
  return bound;
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

