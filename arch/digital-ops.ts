import type { ResolvedLayer, Shape } from '../workloads/types';
import type { ArchSpec, DigitalOpCounts } from './types';
import { productEngine } from './attention';
import { transformerDigitalOps } from './presets/attention';
import type { Dataflow, LayerFlow } from './dataflow-types';

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

/**
 * Elements a digital layer reads of data input k from eDRAM per image (rule 5): the stored tensor `shape` (its
 * producer's), digitalReadsPerElement times. The model, placement's port load and the simulator all read it.
 */
export function digitalReadElements(lf: LayerFlow, r: ResolvedLayer, k: number, shape: Shape | undefined, costs: DataflowCosts = DEFAULT_DATAFLOW_COSTS): number {
  return shape === undefined ? 0 : shape.channels * shape.height * shape.width * digitalReadsPerElement(lf, r, k, shape.height, costs);
}

/**
 * Per layer index: digital ops on its output path, which run on the tiles producing its rows (rule 5): the
 * activations fused into it and, for a weighted layer, its own (a recurrent cell's gates and update, rule 3).
 * Placement's load estimates and the simulator's row jobs both read it.
 */
export function outputPathOps(flow: Dataflow, layers: number): Float64Array {
  const ops = new Float64Array(layers);
  for (const l of flow.layers) if (l.role === 'fused' && l.storedAs >= 0) ops[l.storedAs] = (ops[l.storedAs] as number) + l.digitalOps;
  for (const l of flow.layers) if (l.role === 'weighted') ops[l.index] = (ops[l.index] as number) + l.digitalOps;
  return ops;
}
