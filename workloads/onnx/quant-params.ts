/**
 * The scale and zero point of QuantizeLinear/DequantizeLinear checked against the tensor they quantize, as the ONNX
 * specification defines them: per tensor (a scalar or a 1-element 1-D scale; `axis` is then unused, as onnxruntime
 * reads it), per axis (a 1-D scale as long as the input along `axis`, from -r to r-1), or blocked (opset 21
 * `block_size` > 0: the input's rank, its dims but ceil(dim / block_size) along `axis`). lrmp never uses the
 * values, but a model that breaks these is invalid, and importing it would be a wrong success.
 */
import { attrInt, hasAttr } from './attributes';
import type { ImportContext } from './context';
import type { OnnxNode } from './proto';
import { numel } from './tensors';
import { dimsText } from './param-dims';

const perTensor = (dims: readonly number[]): boolean => dims.length <= 1 && numel(dims) === 1;

/**
 * Throws a ValidationError naming the node when its scale (input 1) or zero point (input 2) cannot quantize `xDims`.
 * `activation`: xDims are an activation's, whose dim 0 lrmp streams as batch 1; per-axis parameters on axis 0 may be
 * sized for the model's declared batch (ctx.declaredBatch).
 */
export function checkQuantParams(ctx: ImportContext, node: OnnxNode, xDims: readonly number[], activation = false): void {
  const scale = ctx.input(node, 1).dims;
  const zero = ctx.optional(node, 2)?.dims;
  const rank = xDims.length;
  const blockSize = attrInt(node, 'block_size', 0);
  if (blockSize < 0) throw ctx.invalid('attribute block_size', String(blockSize), '0 (per tensor or per axis) or a positive block length');
  const axisGiven = hasAttr(node, 'axis');
  const axis = attrInt(node, 'axis', 1);
  const axisInRange = (): number => {
    if (axis < -rank || axis >= rank) {
      throw ctx.invalid('attribute axis', axisGiven ? String(axis) : `absent (its default ${axis})`, `an axis from ${-rank} to ${rank - 1} of the ${rank}-D input ${dimsText(xDims)}`);
    }
    return axis < 0 ? axis + rank : axis;
  };
  if (blockSize > 0) {
    const a = axisInRange();
    const want = xDims.map((d, i) => (i === a ? Math.ceil(d / blockSize) : d));
    if (scale.join(',') !== want.join(',')) {
      throw ctx.invalid(`input 1 (scale) '${node.input[1] ?? ''}'`, `of dims ${dimsText(scale)}`, `dims ${dimsText(want)} (block_size ${blockSize} along axis ${axis} of the input ${dimsText(xDims)})`);
    }
  } else if (!perTensor(scale)) {
    if (scale.length !== 1) {
      throw ctx.invalid(`input 1 (scale) '${node.input[1] ?? ''}'`, `of dims ${dimsText(scale)}`, 'a scalar (per tensor) or a 1-D tensor (per axis); other ranks need block_size (opset 21)');
    }
    const a = axisInRange();
    const batchSized = activation && a === 0 && xDims[0] === 1 && scale[0] === ctx.declaredBatch;
    if (scale[0] !== xDims[a] && !batchSized) {
      throw ctx.invalid(`input 1 (scale) '${node.input[1] ?? ''}'`, `of ${String(scale[0])} elements`, `${String(xDims[a])}, the input ${dimsText(xDims)} along axis ${axis} (per-axis quantization)`);
    }
  }
  if (zero !== undefined && !(perTensor(zero) && perTensor(scale)) && zero.join(',') !== scale.join(',')) {
    throw ctx.invalid(`input 2 (zero point) '${node.input[2] ?? ''}'`, `of dims ${dimsText(zero)}`, `the scale's dims ${dimsText(scale)}`);
  }
}

/**
 * One operand of QLinearConv or QLinearMatMul: its scale (input `scaleIndex`) and its zero point (the next input,
 * optional), each a scalar or, for the weights, also one per output channel (`perChannel` of them; `per` names what
 * they are one per). The two are checked independently, as onnxruntime does: a per-channel weight scale with a scalar
 * zero point (or the reverse) is valid.
 */
export function checkOperandQuant(ctx: ImportContext, node: OnnxNode, scaleIndex: number, label: string, perChannel?: number, per = 'output channel'): void {
  const allowed = perChannel === undefined ? 'a scalar' : `a scalar or [${perChannel}] (one per ${per})`;
  for (const k of [scaleIndex, scaleIndex + 1]) {
    const dims = k === scaleIndex ? ctx.input(node, k).dims : ctx.optional(node, k)?.dims;
    if (dims === undefined || perTensor(dims) || (perChannel !== undefined && dims.length === 1 && dims[0] === perChannel)) continue;
    const name = `input ${k} (${label} ${k === scaleIndex ? 'scale' : 'zero point'}) '${node.input[k] ?? ''}'`;
    throw ctx.invalid(name, `of dims ${dimsText(dims)}`, allowed);
  }
}
