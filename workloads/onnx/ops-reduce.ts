/**
 * Converters for operators that combine elements along axes, on the digital unit: Softmax/LogSoftmax,
 * reductions and ArgMax/ArgMin, LayerNormalization/InstanceNormalization/GroupNormalization, and Resize/Upsample.
 * ONNX axes map to the internal channels, rows and cols of docs/hardware-model.md rule 4.
 */
import type { ReduceLayer, TensorAxis } from '../types';
import { attrInt, attrInts, attrString, attrFloats } from './attributes';
import type { ImportContext } from './context';
import { axisAttr, checkedAxes, normAxis } from './fold';
import { removedAxesLayout, type Layout } from './layout';
import { checkBroadcastsTo, checkParamDims } from './param-dims';
import type { OnnxNode } from './proto';
import type { ActValue } from './tensors';

/** Internal axes covered by a set of ONNX axes (cols count only when all col axes are covered). */
function internalAxes(v: ActValue, axes: readonly number[]): TensorAxis[] {
  const out: TensorAxis[] = [];
  if (axes.some((a) => a !== v.rowAxis && !v.colAxes.includes(a))) out.push('channels');
  if (v.rowAxis >= 0 && axes.includes(v.rowAxis)) out.push('height');
  if (v.colAxes.length > 0 && v.colAxes.every((a) => axes.includes(a))) out.push('width');
  return out;
}

function convertSoftmax(ctx: ImportContext, node: OnnxNode): void {
  const raw = ctx.act(node, 0);
  const rank = raw.dims.length;
  const axis = axisAttr(ctx, node, ctx.opset >= 13 ? -1 : 1, rank);
  // Before opset 13 the input is coerced to 2-D at `axis`: the softmax runs over every axis from it on.
  const axes = ctx.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
  const input = rowsOff(ctx, raw, axes);
  const along = internalAxes(input, axes);
  const pick: TensorAxis = along.includes('height') ? 'height' : along.includes('width') && !along.includes('channels') ? 'width' : 'channels';
  ctx.addLayer(node, { kind: 'softmax', axis: pick, log: node.opType === 'LogSoftmax' }, [input], input.dims, input);
}

/** Axes of a reduction: input 1 (opset 18 for ReduceMean/Max/..., 13 for ReduceSum) or the attribute; all when absent. */
function reduceAxes(ctx: ImportContext, node: OnnxNode, rank: number): number[] | undefined {
  const given = ctx.optional(node, 1) ? ctx.constValues(node, 1) : attrInts(node, 'axes');
  if (given && given.length > 0) return checkedAxes(ctx, given, rank);
  if (attrInt(node, 'noop_with_empty_axes', 0) === 1) return undefined;
  return Array.from({ length: rank }, (_, i) => i);
}

const REDUCE_OP: Record<string, ReduceLayer['op']> = {
  ReduceMean: 'mean', ReduceSum: 'sum', ReduceMax: 'max', ReduceMin: 'min', ReduceL2: 'l2', ReduceProd: 'prod',
  ReduceL1: 'sum', ReduceSumSquare: 'l2', ReduceLogSumExp: 'sum', ArgMax: 'argmax', ArgMin: 'argmin',
};

/** Emits a reduction of `input` over ONNX `axes` for `node`; keepdims as ONNX. */
export function reduceTo(ctx: ImportContext, node: OnnxNode, input: ActValue, axes: number[], op: ReduceLayer['op'], keep: boolean): ActValue {
  const rank = input.dims.length;
  const kept = input.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const outDims = keep ? kept : input.dims.filter((_, i) => !axes.includes(i));
  const spatial = rank === 4 && input.rowAxis === 2 && input.colAxes.join() === '3' && axes.length === 2 && axes.includes(2) && axes.includes(3);
  const finish = (out: ActValue): ActValue => {
    if (keep) return out;
    const aliased: ActValue = { ...out, dims: outDims, ...removedAxesLayout(out, axes) };
    ctx.set(node.output[0] ?? '', aliased);
    return aliased;
  };
  if (spatial && (op === 'mean' || op === 'max')) {
    // Over the whole plane of an image: a global pool (a running sum or max as rows arrive).
    const h = input.dims[2] ?? 1;
    const w = input.dims[3] ?? 1;
    const body = { kind: 'pool' as const, op: op === 'mean' ? ('avg' as const) : ('max' as const), kernel: [h, w] as [number, number], stride: [1, 1] as [number, number], pad: [0, 0, 0, 0] as [number, number, number, number], global: true, ceilMode: false };
    return finish(ctx.addLayer(node, body, [input], kept, input));
  }
  // A partial reduction of the cols: the reduced col axes are read as channels instead.
  let v = input;
  if (v.colAxes.some((a) => axes.includes(a)) && !v.colAxes.every((a) => axes.includes(a))) {
    v = ctx.relayout(v, { rowAxis: v.rowAxis, colAxes: v.colAxes.filter((a) => !axes.includes(a)) });
  }
  const along = internalAxes(v, axes);
  const groups = along.includes('channels')
    ? input.dims.reduce((p, d, i) => (i === v.rowAxis || v.colAxes.includes(i) || axes.includes(i) ? p : p * d), 1)
    : 1;
  const layout: Layout = { rowAxis: v.rowAxis, colAxes: v.colAxes };
  return finish(ctx.addLayer(node, { kind: 'reduce', op, axes: along, groups }, [v], kept, layout));
}

function convertReduce(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const op = REDUCE_OP[node.opType] ?? 'sum';
  const rank = input.dims.length;
  const keep = attrInt(node, 'keepdims', 1) === 1;
  if (node.opType === 'ArgMax' || node.opType === 'ArgMin') {
    reduceTo(ctx, node, input, [axisAttr(ctx, node, 0, rank)], op, keep);
    return;
  }
  const axes = reduceAxes(ctx, node, rank);
  if (!axes) return ctx.set(node.output[0] ?? '', input);
  reduceTo(ctx, node, input, axes, op, keep);
}

/** Emits a layer norm of `input` over ONNX axes [axis, rank) for `node` (affine when scale/bias are present). */
/**
 * The value with its rows moved off `axes` when they run along the rows but other axes remain (a sequence whose
 * features ended up as the rows): the largest other axis becomes the rows (a re-cut across rows, rule 4), so the
 * op works row by row.
 */
function rowsOff(ctx: ImportContext, v: ActValue, axes: readonly number[]): ActValue {
  if (v.rowAxis < 0 || !axes.includes(v.rowAxis)) return v;
  const others = v.dims.flatMap((d, i) => (!axes.includes(i) && d > 1 ? [i] : []));
  if (others.length === 0) return v;
  const row = others.reduce((a, b) => ((v.dims[b] ?? 1) > (v.dims[a] ?? 1) ? b : a));
  return ctx.relayout(v, { rowAxis: row, colAxes: others.filter((a) => a !== row) });
}

export function layerNorm(ctx: ImportContext, node: OnnxNode, raw: ActValue, axes: number[], affine: boolean): ActValue {
  const input = rowsOff(ctx, raw, axes);
  const along = internalAxes(input, axes);
  // Over the rows too (an image's C x H x W): one group over everything; else each pixel over its features.
  const body = along.includes('height')
    ? { kind: 'norm' as const, fn: 'group' as const, groups: 1, affine }
    : { kind: 'norm' as const, fn: 'layer' as const, groups: 1, affine };
  return ctx.addLayer(node, body, [input], input.dims, input);
}

function convertLayerNorm(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const rank = input.dims.length;
  const axis = axisAttr(ctx, node, -1, rank);
  ctx.constant(node, 1);
  // ONNX's function body multiplies and adds them (multidirectional): [1, 1, H] on [N, S, H] is valid.
  const normalized = input.dims.slice(axis);
  const what = `the normalized dims [${normalized.join(', ')}] (axes ${axis} to ${rank - 1} of the input [${input.dims.join(', ')}])`;
  for (const [k, label] of [[1, 'scale'], [2, 'bias']] as const) checkBroadcastsTo(ctx, node, k, label, normalized, what, { leadingOnesUpToRank: rank, batchAxis: axis === 0 });
  layerNorm(ctx, node, input, Array.from({ length: rank - axis }, (_, i) => axis + i), true);
}

/** Instance/group norm: statistics over each channel (group) across the spatial plane. */
function convertPlaneNorm(fn: 'instance' | 'group') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const raw = ctx.act(node, 0);
    const rank = raw.dims.length;
    if (rank < 3) throw ctx.invalid('input 0', `[${raw.dims.join(', ')}]`, 'an [N, C, ...] tensor with spatial axes');
    const input = ctx.relayout(raw, rank === 4 ? { rowAxis: 2, colAxes: [3] } : { rowAxis: 2, colAxes: [] });
    const groups = fn === 'group' ? attrInt(node, 'num_groups', 1) : 1;
    if (fn === 'instance') for (const [k, label] of [[1, 'scale'], [2, 'B']] as const) checkParamDims(ctx, node, k, label, [raw.dims[1] ?? 1], `one per channel of the input [${raw.dims.join(', ')}]`);
    const affine = ctx.optional(node, 1) !== undefined;
    ctx.addLayer(node, { kind: 'norm', fn, groups, affine }, [input], input.dims, input);
  };
}

/** Resize (opset 10+) and Upsample: scales or sizes per axis; only the rows and cols may change size. */
function convertResize(ctx: ImportContext, node: OnnxNode): void {
  const raw = ctx.act(node, 0);
  const rank = raw.dims.length;
  const modeAttr = attrString(node, 'mode', 'nearest');
  const mode: 'nearest' | 'linear' | undefined = modeAttr === 'nearest' ? 'nearest' : modeAttr === 'linear' || modeAttr === 'bilinear' ? 'linear' : undefined;
  if (!mode) throw ctx.invalid('attribute mode', `'${modeAttr}'`, "'nearest' or 'linear' (bilinear)");
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (node.opType === 'Upsample') scales = ctx.optional(node, 1) ? ctx.constValues(node, 1) : attrFloats(node, 'scales');
  else if (ctx.opset < 11) scales = ctx.constValues(node, 1);
  else {
    if (ctx.optional(node, 3)) sizes = ctx.constValues(node, 3);
    else if (ctx.optional(node, 2)) scales = ctx.constValues(node, 2);
  }
  const axesAttr = attrInts(node, 'axes');
  const full = (vals: number[] | undefined, fill: (i: number) => number): number[] | undefined => {
    if (!vals || vals.length === 0) return undefined;
    if (!axesAttr) return vals;
    const out = Array.from({ length: rank }, (_, i) => fill(i));
    axesAttr.forEach((a, k) => (out[normAxis(a, rank)] = vals[k] ?? out[normAxis(a, rank)] ?? 1));
    return out;
  };
  sizes = full(sizes, (i) => raw.dims[i] ?? 1);
  scales = full(scales, () => 1);
  const outDims = sizes ?? raw.dims.map((d, i) => Math.floor(d * (scales?.[i] ?? 1) + 1e-9));
  if (outDims.length !== rank) throw ctx.invalid('scales/sizes', `${outDims.length} values`, `${rank} (one per axis)`);
  const changed = outDims.flatMap((d, i) => (d !== raw.dims[i] ? [i] : []));
  const spatial = rank === 4 ? [2, 3] : rank === 3 ? [2] : [];
  if (changed.some((a) => !spatial.includes(a))) {
    throw ctx.invalid('scales/sizes', `[${outDims.join(', ')}] from [${raw.dims.join(', ')}]`, 'resizing of the spatial axes only (NCHW or NCL)');
  }
  const input = ctx.relayout(raw, rank === 4 ? { rowAxis: 2, colAxes: [3] } : { rowAxis: rank === 3 ? 2 : -1, colAxes: [] });
  const scale = (a: number): number => (outDims[a] ?? 1) / (raw.dims[a] ?? 1);
  const body = { kind: 'resize' as const, mode, scale: [rank >= 3 ? scale(2) : 1, rank === 4 ? scale(3) : 1] as [number, number] };
  ctx.addLayer(node, body, [input], outDims, input);
}

export const REDUCE_OPS = {
  Softmax: convertSoftmax,
  LogSoftmax: convertSoftmax,
  ReduceMean: convertReduce,
  ReduceSum: convertReduce,
  ReduceMax: convertReduce,
  ReduceMin: convertReduce,
  ReduceL2: convertReduce,
  ReduceL1: convertReduce,
  ReduceProd: convertReduce,
  ReduceSumSquare: convertReduce,
  ReduceLogSumExp: convertReduce,
  ArgMax: convertReduce,
  ArgMin: convertReduce,
  LayerNormalization: convertLayerNorm,
  InstanceNormalization: convertPlaneNorm('instance'),
  GroupNormalization: convertPlaneNorm('group'),
  Resize: convertResize,
  Upsample: convertResize,
} as const;
