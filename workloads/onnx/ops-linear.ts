/**
 * Matrix products: Gemm and MatMul with a constant operand go on crossbars (a vector input is an fc layer; at any
 * other rank the leading dims are rows and cols of MVMs: a 1x1 conv), MatMul between two activations (attention)
 * on the digital unit, and the integer forms of quantized graphs (ConvInteger, MatMulInteger, QLinearConv,
 * QLinearMatMul) with their integer width recorded as the layer's default bits.
 */
import { attrInt } from './attributes';
import type { ImportContext } from './context';
import { convertConv } from './ops-window';
import { checkBroadcastsTo } from './param-dims';
import { checkOperandQuant, checkQuantParams } from './quant-params';
import { shapeOf } from './layout';
import type { OnnxNode } from './proto';
import type { ActValue, ConstValue } from './tensors';

/** y = x W over the last axis of x (K features in, N out), on crossbars. */
export function linear(ctx: ImportContext, node: OnnxNode, x: ActValue, k: number, n: number, bias: boolean): ActValue {
  const rank = x.dims.length;
  if ((x.dims[rank - 1] ?? 0) !== k) {
    throw ctx.invalid('weights', `${k} input features`, `${x.dims[rank - 1] ?? 0} (the last axis of input 0, [${x.dims.join(', ')}])`);
  }
  const outDims = [...x.dims.slice(0, -1), n];
  const lead = x.dims.slice(0, -1).reduce((a, b) => a * b, 1);
  if (lead === 1) {
    // A vector: one MVM per image.
    const input = ctx.relayout(x, { rowAxis: -1, colAxes: [] });
    return ctx.addLayer(node, { kind: 'fc', outFeatures: n, bias }, [input], outDims, input);
  }
  // Leading dims are rows and cols of MVMs over the K features: keep the rows, every other axis becomes cols.
  let row = x.rowAxis;
  if (row < 0 || row === rank - 1 || (x.dims[row] ?? 1) === 1) row = largestAxis(x.dims.slice(0, -1));
  const cols = x.dims.flatMap((d, i) => (i !== row && i !== rank - 1 && d > 1 ? [i] : []));
  const input = ctx.relayout(x, { rowAxis: row, colAxes: cols });
  const conv = { kind: 'conv' as const, outChannels: n, kernel: [1, 1] as [number, number], stride: [1, 1] as [number, number], pad: [0, 0, 0, 0] as [number, number, number, number], dilation: [1, 1] as [number, number], groups: 1, bias };
  return ctx.addLayer(node, conv, [input], outDims, input);
}

function largestAxis(dims: readonly number[]): number {
  let best = 0;
  dims.forEach((d, i) => {
    if (d > (dims[best] ?? 0)) best = i;
  });
  return best;
}

function weightDims(ctx: ImportContext, w: ConstValue, index: number): [number, number] {
  const lead = w.dims.slice(0, -2).reduce((a, b) => a * b, 1);
  if (w.dims.length < 2 || lead !== 1) throw ctx.invalid(`input ${index} (weights)`, `dims [${w.dims.join(', ')}]`, 'a 2-D constant [K, N]');
  return [w.dims[w.dims.length - 2] ?? 0, w.dims[w.dims.length - 1] ?? 0];
}

function convertGemm(ctx: ImportContext, node: OnnxNode): void {
  if (attrInt(node, 'transA', 0) !== 0) throw ctx.invalid('attribute transA', '1', '0');
  const input = ctx.act(node, 0);
  const weight = ctx.constant(node, 1);
  const [d0, d1] = weightDims(ctx, weight, 1);
  const transB = attrInt(node, 'transB', 0) === 1;
  const outDims = [...input.dims.slice(0, -1), transB ? d0 : d1];
  checkBroadcastsTo(ctx, node, 2, 'C', outDims, `the output [${outDims.join(', ')}]`, { batchAxis: true });
  const out = linear(ctx, node, input, transB ? d1 : d0, transB ? d0 : d1, ctx.optional(node, 2) !== undefined);
  ctx.markQuantized(out.producer, weight);
}

function convertMatMul(ctx: ImportContext, node: OnnxNode): void {
  const a = ctx.input(node, 0);
  const b = ctx.input(node, 1);
  if (a.kind === 'act' && b.kind === 'act') return activationProduct(ctx, node, a, b);
  if (a.kind !== 'act') throw ctx.invalid('input 0', 'a constant', 'an activation (a constant first operand is not supported)');
  const weight = ctx.constant(node, 1);
  const [k, n] = weightDims(ctx, weight, 1);
  const out = linear(ctx, node, a, k, n, false);
  ctx.markQuantized(out.producer, weight);
}

/**
 * A [..., M, K] x B [..., K, N], both activations (attention): the leading dims are heads; A streams its M rows,
 * B is read whole (its rows are N when it was transposed, as K^T, else K, as V).
 */
function activationProduct(ctx: ImportContext, node: OnnxNode, a: ActValue, b: ActValue): void {
  const rank = Math.max(a.dims.length, b.dims.length, 2);
  const pad = (v: ActValue): ActValue => {
    const k = rank - v.dims.length;
    const shift = (x: number): number => (x >= 0 ? x + k : x);
    return k === 0 ? v : { ...v, dims: [...new Array<number>(k).fill(1), ...v.dims], rowAxis: shift(v.rowAxis), colAxes: v.colAxes.map(shift) };
  };
  const pa = pad(a);
  const pb = pad(b);
  const lead = pa.dims.slice(0, -2);
  if (lead.join() !== pb.dims.slice(0, -2).join() || pa.dims[rank - 1] !== pb.dims[rank - 2]) {
    throw ctx.invalid('inputs', `[${a.dims.join(', ')}] x [${b.dims.join(', ')}]`, '[..., M, K] x [..., K, N] with the same leading dims');
  }
  const heads = lead.reduce((x, y) => x * y, 1);
  const ra = ctx.relayout(pa, { rowAxis: rank - 2, colAxes: [] });
  const transB = pb.rowAxis === rank - 1;
  const rb = ctx.relayout(pb, { rowAxis: transB ? rank - 1 : rank - 2, colAxes: [] });
  const dims = [...lead, pa.dims[rank - 2] ?? 1, pb.dims[rank - 1] ?? 1];
  ctx.addLayer(node, { kind: 'matmul', heads, transB }, [ra, rb], dims, { rowAxis: rank - 2, colAxes: [] });
}

/** ConvInteger(x, w, x_zero_point, w_zero_point): a conv whose weights are integers. */
function convertConvInteger(ctx: ImportContext, node: OnnxNode): void {
  convertConv(ctx, node, { weight: 1 });
}

/** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias). */
function convertQLinearConv(ctx: ImportContext, node: OnnxNode): void {
  checkOperandQuant(ctx, node, 1, 'x');
  checkOperandQuant(ctx, node, 4, 'w', ctx.constant(node, 3).dims[0]);
  checkOperandQuant(ctx, node, 6, 'y');
  convertConv(ctx, node, { weight: 3, bias: 8 });
}

function convertMatMulInteger(ctx: ImportContext, node: OnnxNode): void {
  convertMatMul(ctx, { ...node, input: node.input.slice(0, 2) });
}

/**
 * QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp). Its scales and zero points are checked as
 * QLinearConv's: a's and y's scalars (the specification also allows one per row of a; onnxruntime, the runtime these
 * models are made for, refuses that), b's a scalar or one per column of b (its output columns).
 */
function convertQLinearMatMul(ctx: ImportContext, node: OnnxNode): void {
  checkOperandQuant(ctx, node, 1, 'a');
  checkOperandQuant(ctx, node, 4, 'b', ctx.input(node, 3).dims.at(-1), 'column of b');
  checkOperandQuant(ctx, node, 6, 'y');
  convertMatMul(ctx, { ...node, input: [node.input[0] ?? '', node.input[3] ?? ''] });
}

/** QuantizeLinear on an activation: a scale and round per element. */
function convertQuantize(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  checkQuantParams(ctx, node, input.dims, true);
  ctx.addLayer(node, { kind: 'activation', fn: 'quantize' }, [input], input.dims, input);
}

/** DequantizeLinear of an activation is a relabel (the scale folds into the next layer's output scaling). */
function convertDequantize(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  checkQuantParams(ctx, node, input.dims, true);
  ctx.set(node.output[0] ?? '', input);
}

/** DynamicQuantizeLinear: y (quantized per element), and the run-time scale and zero point (scalars, free). */
function convertDynamicQuantize(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  ctx.addLayer(node, { kind: 'activation', fn: 'quantize' }, [input], input.dims, input);
  const scalar: ConstValue = { kind: 'const', dims: [], integer: false, values: () => undefined };
  if (node.output[1]) ctx.set(node.output[1], scalar);
  if (node.output[2]) ctx.set(node.output[2], { ...scalar, integer: true });
}

/** Internal shape of an activation, for messages. */
export function describeAct(v: ActValue): string {
  const s = shapeOf(v);
  return `[${v.dims.join(', ')}] (${s.channels}x${s.height}x${s.width})`;
}

export const LINEAR_OPS = {
  Gemm: convertGemm,
  MatMul: convertMatMul,
  ConvInteger: convertConvInteger,
  QLinearConv: convertQLinearConv,
  MatMulInteger: convertMatMulInteger,
  QLinearMatMul: convertQLinearMatMul,
  QuantizeLinear: convertQuantize,
  DequantizeLinear: convertDequantize,
  DynamicQuantizeLinear: convertDynamicQuantize,
} as const;
