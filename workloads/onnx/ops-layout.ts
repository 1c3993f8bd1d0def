/**
 * Layout operators on activations: Transpose, Reshape, Flatten, Squeeze, Unsqueeze, Concat, Split, Slice,
 * Gather with constant indices, Expand/Tile that copy nothing. They cost no work (docs/hardware-model.md rule 4):
 * most only relabel axes (no layer); a reshape that re-cuts or moves the rows is a free 'reshape' layer; parts of
 * a tensor are free 'slice' layers.
 */
import type { TensorAxis } from '../types';
import { attrInt, attrInts } from './attributes';
import type { ImportContext } from './context';
import { axesOf, axisAttr, checkedAxes, concatAxisDefault, normAxis, reshapeDims, unsqueezedDims } from './fold';
import { defaultLayout, insertedAxesLayout, internalShape, outermost, permutedLayout, removedAxesLayout, reshapedAxis, sameShape, shapeOf, type Layout } from './layout';
import type { OnnxNode } from './proto';
import { numel, type ActValue } from './tensors';

/** Binds the node's output to its input with new dims and layout: no data moves. */
function alias(ctx: ImportContext, node: OnnxNode, input: ActValue, dims: number[], layout: Layout, output = 0): void {
  ctx.set(node.output[output] ?? '', { ...input, dims, rowAxis: layout.rowAxis, colAxes: [...layout.colAxes] });
}

function convertTranspose(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const rank = input.dims.length;
  const perm = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw ctx.invalid('attribute perm', `[${perm.join(', ')}]`, `a permutation of 0..${rank - 1}`);
  }
  // The rows stay the rows wherever the axis goes: a transpose only changes how readers address the data.
  alias(ctx, node, input, perm.map((p) => input.dims[p] ?? 1), permutedLayout(input, perm));
}

/** The layout a reshape leaves, and whether it re-cuts the rows in order or moves them. */
function reshapeLayout(input: ActValue, dims: number[]): { layout: Layout; rows: 'ordered' | 'all' } {
  if (dims.length <= 2) return { layout: defaultLayout(dims.length), rows: input.rowAxis < 0 || outermost(input.dims, input.rowAxis) ? 'ordered' : 'all' };
  const row = reshapedAxis(input.dims, input.rowAxis, dims);
  if (row !== undefined) {
    const cols = input.colAxes.map((a) => reshapedAxis(input.dims, a, dims));
    return { layout: { rowAxis: row, colAxes: cols.every((c) => c !== undefined) ? (cols as number[]) : [] }, rows: 'ordered' };
  }
  if (outermost(input.dims, input.rowAxis)) {
    // Rows merged into blocks or split: the new rows are the outermost non-trivial axis.
    const first = dims.findIndex((d, i) => i > 0 && d > 1);
    return { layout: { rowAxis: first, colAxes: [] }, rows: 'ordered' };
  }
  return { layout: defaultLayout(dims.length), rows: 'all' };
}

/** Reshape-like ops: relabel when possible, else a free reshape layer (a flatten of an image stays a flatten). */
function reshapeTo(ctx: ImportContext, node: OnnxNode, input: ActValue, dims: number[]): void {
  if (input.dims.length === 4 && dims.length === 2 && !input.floating) {
    ctx.addLayer(node, { kind: 'pass', fn: 'flatten' }, [input], dims, defaultLayout(2));
    return;
  }
  const { layout, rows } = reshapeLayout(input, dims);
  const before = shapeOf(input);
  const after = internalShape(dims, layout);
  if (input.floating || (rows === 'ordered' && sameShape(before, after))) return alias(ctx, node, input, dims, layout);
  ctx.addLayer(node, { kind: 'reshape', shape: after, rows }, [input], dims, layout);
}

function convertReshape(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const shape = ctx.constValues(node, 1);
  const dims = reshapeDims(input.dims, shape, attrInt(node, 'allowzero', 0) === 1);
  if (!dims) throw ctx.invalid('input 1 (shape)', `[${shape.join(', ')}]`, `a shape with ${numel(input.dims)} elements`);
  reshapeTo(ctx, node, input, dims);
}

function convertFlatten(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const axis = axisAttr(ctx, node, 1, input.dims.length, input.dims.length);
  reshapeTo(ctx, node, input, [numel(input.dims.slice(0, axis)), numel(input.dims.slice(axis))]);
}

/** A pending Pad carried through an op that removes (or inserts) size-1 axes: its per-axis pads move alike. */
function movedPad(v: ActValue, keep: (i: number) => boolean, insertAt: readonly number[], outRank: number): ActValue['pendingPad'] {
  const p = v.pendingPad;
  if (!p) return undefined;
  const remap = (arr: number[]): number[] => {
    const kept = arr.filter((_, i) => keep(i));
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < outRank; i++) out.push(insertAt.includes(i) ? 0 : (kept[k++] ?? 0));
    return out;
  };
  return { begin: remap(p.begin), end: remap(p.end) };
}

function withPad(v: ActValue, pad: ActValue['pendingPad']): ActValue {
  const { pendingPad: _old, ...rest } = v;
  return pad ? { ...rest, pendingPad: pad } : rest;
}

function convertSqueeze(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const rank = input.dims.length;
  const axes = checkedAxes(ctx, axesOf(ctx, node, 1) ?? input.dims.flatMap((d, i) => (d === 1 && i > 0 ? [i] : [])), rank);
  if (axes.some((a) => input.dims[a] !== 1)) throw ctx.invalid('axes', `[${axes.join(', ')}] of [${input.dims.join(', ')}]`, 'axes of size 1');
  const dims = input.dims.filter((_, i) => !axes.includes(i));
  alias(ctx, node, withPad(input, movedPad(input, (i) => !axes.includes(i), [], dims.length)), dims, removedAxesLayout(input, axes));
}

function convertUnsqueeze(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const axes = axesOf(ctx, node, 1) ?? [];
  const dims = unsqueezedDims(input.dims, axes);
  const at = checkedAxes(ctx, axes, dims.length);
  alias(ctx, node, withPad(input, movedPad(input, () => true, at, dims.length)), dims, insertedAxesLayout(input, at, dims.length));
}

/** The internal axis an ONNX axis belongs to under a layout. */
function internalAxis(v: ActValue, axis: number): TensorAxis {
  if (axis === v.rowAxis) return 'height';
  return v.colAxes.includes(axis) ? 'width' : 'channels';
}

/**
 * Concat along any axis. Constant parts (TensorFlow's zero channels before a residual add) before or after the
 * activations are padding: a free pad layer.
 */
function convertConcat(ctx: ImportContext, node: OnnxNode): void {
  const values = node.input.map((_, i) => ctx.input(node, i));
  const acts = values.flatMap((v) => (v.kind === 'act' ? [v] : []));
  const first = acts[0];
  if (!first) throw ctx.invalid('inputs', 'none', 'at least one tensor');
  const axis = axisAttr(ctx, node, concatAxisDefault(ctx), first.dims.length);
  const firstAct = values.findIndex((v) => v.kind === 'act');
  const lastAct = values.length - 1 - [...values].reverse().findIndex((v) => v.kind === 'act');
  if (values.slice(firstAct, lastAct + 1).some((v) => v.kind !== 'act')) {
    throw ctx.invalid('inputs', 'a constant between computed tensors', 'constants only before or after the computed tensors');
  }
  const size = (from: number, to: number): number => values.slice(from, to).reduce((sum, v) => sum + (v.dims[axis] ?? 0), 0);
  const layout: Layout = { rowAxis: first.rowAxis, colAxes: first.colAxes };
  const inputs = acts.map((v) => ctx.relayout(v, layout));
  const dims = [...first.dims];
  dims[axis] = inputs.reduce((sum, v) => sum + (v.dims[axis] ?? 0), 0);
  const along = internalAxis(first, axis);
  let out: ActValue = inputs[0] as ActValue;
  if (inputs.length > 1) {
    const body = along === 'channels' ? { kind: 'concat' as const } : { kind: 'concat' as const, axis: along };
    out = ctx.emit(ctx.baseName(node), body, inputs, dims, layout);
  }
  const before = size(0, firstAct);
  const after = size(lastAct + 1, values.length);
  if (before + after > 0) {
    const unit = shapeOf(out)[along] / (dims[axis] ?? 1);
    const padded = [...dims];
    padded[axis] = (dims[axis] ?? 0) + before + after;
    out = ctx.emit(`${ctx.baseName(node)}.pad`, { kind: 'pad', axis: along, before: before * unit, after: after * unit }, [out], padded, layout);
  }
  ctx.set(node.output[0] ?? '', out);
}

/**
 * Output `output` of a slice of `input` along ONNX `axis` (start, count, step): a free slice layer on the
 * matching internal axis (an inner axis folded into channels or cols slices them in proportion).
 */
function sliceOut(ctx: ImportContext, node: OnnxNode, input: ActValue, axis: number, start: number, count: number, step: number, output: number): ActValue {
  const dims = [...input.dims];
  dims[axis] = count;
  const along = internalAxis(input, axis);
  const before = shapeOf(input);
  const after = internalShape(dims, input);
  const exact = along === 'height' || (along === 'width' ? input.colAxes.length === 1 : before.channels === (input.dims[axis] ?? 1));
  const base = `${ctx.baseName(node)}${output > 0 ? `_${output}` : ''}`;
  const body = exact
    ? { kind: 'slice' as const, axis: along, start, size: after[along], step }
    : { kind: 'slice' as const, axis: along, start: 0, size: after[along], step: 1 };
  const out = ctx.emit(base, body, [input], dims, input);
  ctx.set(node.output[output] ?? '', out);
  return out;
}

function convertSplit(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const axis = axisAttr(ctx, node, 0, input.dims.length);
  const length = input.dims[axis] ?? 1;
  const outputs = node.output.length;
  let sizes = ctx.optional(node, 1) ? ctx.constValues(node, 1) : attrInts(node, 'split');
  if (!sizes) {
    const part = Math.ceil(length / outputs);
    sizes = Array.from({ length: outputs }, (_, k) => Math.max(0, Math.min(part, length - k * part)));
  }
  if (sizes.length !== outputs || sizes.reduce((a, b) => a + b, 0) !== length) {
    throw ctx.invalid('split', `[${sizes.join(', ')}]`, `${outputs} sizes adding up to ${length}`);
  }
  let start = 0;
  sizes.forEach((size, k) => {
    const t = node.output[k] ?? '';
    if (t !== '' && (ctx.readerCount(t) > 0 || ctx.isGraphOutput(t))) sliceOut(ctx, node, input, axis, start, size, 1, k);
    start += size;
  });
}

function convertSlice(ctx: ImportContext, node: OnnxNode): void {
  let value = ctx.act(node, 0);
  const rank = value.dims.length;
  const fromInputs = ctx.optional(node, 1) !== undefined;
  const starts = fromInputs ? ctx.constValues(node, 1) : (attrInts(node, 'starts') ?? []);
  const ends = fromInputs ? ctx.constValues(node, 2) : (attrInts(node, 'ends') ?? []);
  const axes = (fromInputs && ctx.optional(node, 3) ? ctx.constValues(node, 3) : attrInts(node, 'axes')) ?? starts.map((_, i) => i);
  const steps = fromInputs && ctx.optional(node, 4) ? ctx.constValues(node, 4) : starts.map(() => 1);
  const cuts = axes.map((a, i) => {
    const axis = normAxis(a, rank);
    const dim = value.dims[axis] ?? 1;
    const step = steps[i] ?? 1;
    if (step === 0) throw ctx.invalid('steps', `[${steps.join(', ')}]`, 'non-zero steps');
    const clampF = (x: number): number => Math.min(Math.max(x < 0 ? x + dim : x, 0), dim);
    const clampB = (x: number): number => Math.min(Math.max(x < 0 ? x + dim : x, -1), dim - 1);
    const start = step > 0 ? clampF(starts[i] ?? 0) : clampB(starts[i] ?? dim - 1);
    const end = step > 0 ? clampF(ends[i] ?? dim) : clampB(ends[i] ?? -1);
    const count = Math.max(0, Math.ceil((end - start) / step));
    if (count < 1) throw ctx.invalid('starts/ends', `an empty range of axis ${axis}`, 'a non-empty slice');
    // A reversed slice reads the same elements backwards: its lowest index and size as a forward slice.
    return step > 0 ? { axis, start, count, step, dim, reversed: false } : { axis, start: start + (count - 1) * step, count, step: -step, dim, reversed: true };
  });
  const real = cuts.filter((c) => !(c.start === 0 && c.count === c.dim && c.step === 1 && !c.reversed));
  if (real.length === 0) return ctx.set(node.output[0] ?? '', value);
  real.forEach((c) => {
    if (c.reversed && c.axis === value.rowAxis) {
      // Rows read backwards: every output row may need the last input row (a re-cut across rows).
      value = ctx.emit(`${ctx.baseName(node)}.reverse`, { kind: 'reshape', shape: shapeOf(value), rows: 'all' }, [value], value.dims, value);
    }
    if (!(c.start === 0 && c.count === c.dim && c.step === 1)) value = sliceOut(ctx, node, value, c.axis, c.start, c.count, c.step, 0);
  });
  ctx.set(node.output[0] ?? '', value);
}

/** Gather with constant indices along one axis of an activation: a slice (a scalar index also drops the axis). */
function convertGather(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const indices = ctx.constant(node, 1);
  const idx = ctx.constValues(node, 1);
  const axis = axisAttr(ctx, node, 0, input.dims.length);
  const dim = input.dims[axis] ?? 1;
  const norm = idx.map((i) => (i < 0 ? i + dim : i));
  const first = norm[0] ?? 0;
  if (!norm.every((i, k) => i === first + k)) throw ctx.invalid('input 1 (indices)', `[${idx.join(', ')}]`, 'consecutive constant indices');
  const out = sliceOut(ctx, node, input, axis, first, norm.length, 1, 0);
  if (indices.dims.length === 0) alias(ctx, node, out, out.dims.filter((_, i) => i !== axis), removedAxesLayout(out, [axis]));
}

/** Expand/Tile of an activation that copies nothing (only size-1 axes added): a relabel. */
function convertExpand(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const arg = ctx.constValues(node, 1);
  const dims = node.opType === 'Tile' ? input.dims.map((d, i) => d * (arg[i] ?? 1)) : expandDims(input.dims, arg);
  if (numel(dims) !== numel(input.dims)) {
    throw ctx.invalid('input 1', `[${arg.join(', ')}] (from [${input.dims.join(', ')}])`, 'a shape that copies no data (lrmp broadcasts inside element-wise ops)');
  }
  const k = dims.length - input.dims.length;
  alias(ctx, node, input, dims, insertedAxesLayout(input, Array.from({ length: k }, (_, i) => i), dims.length));
}

function expandDims(dims: readonly number[], shape: readonly number[]): number[] {
  const rank = Math.max(dims.length, shape.length);
  return Array.from({ length: rank }, (_, i) => {
    const a = dims[dims.length - rank + i] ?? 1;
    const b = shape[shape.length - rank + i] ?? 1;
    return a === 1 ? b : a;
  });
}

export const LAYOUT_OPS = {
  Transpose: convertTranspose,
  Reshape: convertReshape,
  Flatten: convertFlatten,
  Squeeze: convertSqueeze,
  Unsqueeze: convertUnsqueeze,
  Concat: convertConcat,
  Split: convertSplit,
  Slice: convertSlice,
  Gather: convertGather,
  Expand: convertExpand,
  Tile: convertExpand,
} as const;
