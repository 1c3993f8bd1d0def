/**
 * Constant folding: Constant nodes and the shape arithmetic exporters emit in front of Reshape (Shape, Gather,
 * Cast, Slice, Concat, Unsqueeze, Squeeze, element-wise math) are evaluated at import time on small constants.
 */
import { attrInt, attrInts, attrTensor, attrFloat, attrFloats, hasAttr } from './attributes';
import type { ImportContext } from './context';
import { DTYPE, type OnnxNode } from './proto';
import { constFromTensor, constOf, numel, type ConstValue } from './tensors';
import { tensorProblem } from './tensor-check';

function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = (out[i + 1] ?? 1) * (dims[i + 1] ?? 1);
  return out;
}

/** Multi-index of flat position `flat` in a tensor of `dims`. */
function unravel(flat: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = dims[i] ?? 1;
    idx[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return idx;
}

function at(values: readonly number[], i: number): number {
  return values[i] ?? 0;
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * The node's `axis` attribute in [0, rank) (Flatten's in [0, rank]): absent, it takes `fallback` (undefined: the
 * op requires it, as Concat does); outside [-rank, upTo] it is an error.
 */
export function axisAttr(ctx: ImportContext, node: OnnxNode, fallback: number | undefined, rank: number, upTo = rank - 1): number {
  const given = hasAttr(node, 'axis');
  if (!given && fallback === undefined) throw ctx.invalid('attribute axis', 'missing', `an axis from ${-rank} to ${upTo} (${node.opType} requires it)`);
  const axis = given ? attrInt(node, 'axis', 0) : (fallback ?? 0);
  if (axis < -rank || axis > upTo) throw ctx.invalid('attribute axis', given ? String(axis) : `absent (its default ${axis} at opset ${ctx.opset})`, `an axis from ${-rank} to ${upTo} of the ${rank}-D input`);
  return normAxis(axis, rank);
}

/** ONNX `axes` (Reduce, Squeeze, Unsqueeze) checked against the rank they index, each once; normalised. */
export function checkedAxes(ctx: ImportContext, axes: readonly number[], rank: number): number[] {
  const norm = axes.map((a) => normAxis(a, rank));
  if (axes.some((a) => !Number.isInteger(a) || a < -rank || a >= rank) || new Set(norm).size !== norm.length) {
    throw ctx.invalid('axes', `[${axes.join(', ')}]`, `distinct axes from ${-rank} to ${rank - 1} of the ${rank}-D ${rank === 0 ? 'scalar' : 'tensor'}`);
  }
  return norm;
}

/** Concat's axis when the node gives none: 1 before opset 4 (Concat-1's default), none after (required). */
export function concatAxisDefault(ctx: ImportContext): number | undefined {
  return ctx.opset < 4 ? 1 : undefined;
}

/** Numpy-style broadcast of two shapes; undefined if incompatible. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

/** ONNX Reshape target: 0 copies the input dim (unless allowzero), -1 is inferred. */
export function reshapeDims(inDims: readonly number[], shape: readonly number[], allowZero: boolean): number[] | undefined {
  const out = shape.map((s, i) => (s === 0 && !allowZero ? (inDims[i] ?? 0) : s));
  const known = out.filter((d) => d !== -1);
  const unknown = out.length - known.length;
  if (unknown > 1) return undefined;
  const total = numel(inDims);
  if (unknown === 1) {
    const rest = numel(known);
    if (rest === 0 || total % rest !== 0) return undefined;
    return out.map((d) => (d === -1 ? total / rest : d));
  }
  return numel(out) === total ? out : undefined;
}

/** Axes from input `index` (newer opsets) or attribute `axes` (older ones). */
export function axesOf(ctx: ImportContext, node: OnnxNode, index: number): number[] | undefined {
  if (ctx.optional(node, index)) return ctx.constValues(node, index);
  return attrInts(node, 'axes');
}

function values(ctx: ImportContext, node: OnnxNode, index: number): number[] {
  return ctx.constValues(node, index);
}

function emit(ctx: ImportContext, node: OnnxNode, dims: number[], vals: number[], integer: boolean): void {
  ctx.set(node.output[0] ?? '', constOf(dims, vals, integer));
}

/** A fold of a weight too large to read (a slice of LSTM gates, a concat of weights): its dims, no values. */
function emitLarge(ctx: ImportContext, node: OnnxNode, dims: number[], from: ConstValue): void {
  ctx.set(node.output[0] ?? '', { kind: 'const', dims, integer: from.integer, values: () => undefined, ...(from.bits !== undefined ? { bits: from.bits } : {}) });
}

function foldConstant(ctx: ImportContext, node: OnnxNode): void {
  const tensor = attrTensor(node, 'value');
  const problem = tensor ? tensorProblem(tensor) : undefined;
  if (problem !== undefined) throw ctx.invalid('attribute value', problem, 'a tensor whose data holds exactly the elements its dims give');
  if (tensor) return ctx.set(node.output[0] ?? '', constFromTensor(tensor));
  if (hasAttr(node, 'value_float')) return emit(ctx, node, [], [attrFloat(node, 'value_float', 0)], false);
  if (hasAttr(node, 'value_int')) return emit(ctx, node, [], [attrInt(node, 'value_int', 0)], true);
  const ints = attrInts(node, 'value_ints');
  if (ints) return emit(ctx, node, [ints.length], ints, true);
  const floats = attrFloats(node, 'value_floats');
  if (floats) return emit(ctx, node, [floats.length], floats, false);
  throw ctx.invalid('attribute', 'none of value, value_float(s), value_int(s)', 'a numeric Constant');
}

function foldShape(ctx: ImportContext, node: OnnxNode): void {
  const dims = ctx.input(node, 0).dims;
  const rank = dims.length;
  const clamp = (x: number): number => Math.min(Math.max(normAxis(x, rank), 0), rank);
  const start = clamp(attrInt(node, 'start', 0));
  const end = clamp(attrInt(node, 'end', rank));
  const out = dims.slice(start, end);
  emit(ctx, node, [out.length], out, true);
}

function foldGather(ctx: ImportContext, node: OnnxNode): void {
  const data = ctx.constant(node, 0);
  const indices = ctx.constant(node, 1);
  const idx = values(ctx, node, 1);
  const axis = axisAttr(ctx, node, 0, data.dims.length);
  const axisDim = data.dims[axis] ?? 1;
  const outDims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const vals = data.values();
  if (!vals) return emitLarge(ctx, node, outDims, data);
  const inStrides = strides(data.dims);
  const out: number[] = [];
  for (let flat = 0; flat < numel(outDims); flat++) {
    const o = unravel(flat, outDims);
    const k = normAxis(at(idx, flatIndex(o.slice(axis, axis + indices.dims.length), indices.dims)), axisDim);
    const src = [...o.slice(0, axis), k, ...o.slice(axis + indices.dims.length)];
    out.push(at(vals, src.reduce((s, v, i) => s + v * (inStrides[i] ?? 0), 0)));
  }
  emit(ctx, node, outDims, out, data.integer);
}

function flatIndex(idx: readonly number[], dims: readonly number[]): number {
  const s = strides(dims);
  return idx.reduce((acc, v, i) => acc + v * (s[i] ?? 0), 0);
}

function foldCast(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.constant(node, 0);
  const to = attrInt(node, 'to', DTYPE.FLOAT);
  const integer = to !== DTYPE.FLOAT && to !== DTYPE.DOUBLE && to !== DTYPE.FLOAT16;
  const vals = input.values();
  const cast: ConstValue = {
    ...(input.bits !== undefined ? { bits: input.bits } : {}),
    kind: 'const',
    dims: input.dims,
    integer,
    values: () => (vals && integer ? vals.map((v) => Math.trunc(v)) : vals),
  };
  ctx.set(node.output[0] ?? '', cast);
}

/** Dims after Unsqueeze inserts size-1 axes at `axes` (negative axes count from the end of the result). */
export function unsqueezedDims(dims: readonly number[], axes: readonly number[]): number[] {
  const rank = dims.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : (dims[k++] ?? 1));
  return out;
}

function foldUnsqueeze(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.constant(node, 0);
  const axes = axesOf(ctx, node, 1) ?? [];
  checkedAxes(ctx, axes, input.dims.length + axes.length);
  ctx.set(node.output[0] ?? '', { ...input, dims: unsqueezedDims(input.dims, axes) });
}

function foldSqueeze(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.constant(node, 0);
  const axes = checkedAxes(ctx, axesOf(ctx, node, 1) ?? input.dims.flatMap((d, i) => (d === 1 ? [i] : [])), input.dims.length);
  ctx.set(node.output[0] ?? '', { ...input, dims: input.dims.filter((_, i) => !axes.includes(i)) });
}

function foldConcat(ctx: ImportContext, node: OnnxNode): void {
  const parts = node.input.map((_, i) => ctx.constant(node, i));
  const first = parts[0];
  if (!first) throw ctx.invalid('inputs', 'none', 'at least one tensor');
  const axis = axisAttr(ctx, node, concatAxisDefault(ctx), first.dims.length);
  if (parts.some((p) => p.values() === undefined)) {
    const dims = [...first.dims];
    dims[axis] = parts.reduce((sum, p) => sum + (p.dims[axis] ?? 0), 0);
    return emitLarge(ctx, node, dims, first);
  }
  const outer = numel(first.dims.slice(0, axis));
  const out: number[] = [];
  const chunks = parts.map((p, i) => ({ vals: values(ctx, node, i), inner: numel(p.dims.slice(axis)) }));
  for (let o = 0; o < outer; o++) for (const c of chunks) out.push(...c.vals.slice(o * c.inner, (o + 1) * c.inner));
  const dims = [...first.dims];
  dims[axis] = parts.reduce((s, p) => s + (p.dims[axis] ?? 0), 0);
  emit(ctx, node, dims, out, parts.every((p) => p.integer));
}

function foldSlice(ctx: ImportContext, node: OnnxNode): void {
  const data = ctx.constant(node, 0);
  const vals = data.values() ?? [];
  const rank = data.dims.length;
  const fromInputs = ctx.optional(node, 1) !== undefined;
  const starts = fromInputs ? values(ctx, node, 1) : (attrInts(node, 'starts') ?? []);
  const ends = fromInputs ? values(ctx, node, 2) : (attrInts(node, 'ends') ?? []);
  const axes = (fromInputs && ctx.optional(node, 3) ? values(ctx, node, 3) : attrInts(node, 'axes')) ?? starts.map((_, i) => i);
  const steps = fromInputs && ctx.optional(node, 4) ? values(ctx, node, 4) : starts.map(() => 1);
  const ranges = data.dims.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((a, i) => {
    const axis = normAxis(a, rank);
    const dim = data.dims[axis] ?? 1;
    const step = at(steps, i) || 1;
    const clampIdx = (x: number, lo: number, hi: number): number => Math.min(Math.max(x < 0 ? x + dim : x, lo), hi);
    const start = step > 0 ? clampIdx(at(starts, i), 0, dim) : clampIdx(at(starts, i), -1, dim - 1);
    const end = step > 0 ? clampIdx(at(ends, i), 0, dim) : clampIdx(at(ends, i), -1, dim - 1);
    ranges[axis] = { start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
  });
  const outDims = ranges.map((r) => r.count);
  if (data.values() === undefined) return emitLarge(ctx, node, outDims, data);
  const inStrides = strides(data.dims);
  const out: number[] = [];
  for (let flat = 0; flat < numel(outDims); flat++) {
    const o = unravel(flat, outDims);
    const src = o.reduce((s, v, i) => s + ((ranges[i]?.start ?? 0) + v * (ranges[i]?.step ?? 1)) * (inStrides[i] ?? 0), 0);
    out.push(at(vals, src));
  }
  emit(ctx, node, outDims, out, data.integer);
}

function foldReshape(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.constant(node, 0);
  const dims = reshapeDims(input.dims, values(ctx, node, 1), attrInt(node, 'allowzero', 0) === 1);
  if (!dims) throw ctx.invalid('input 1 (shape)', `[${values(ctx, node, 1).join(', ')}]`, `a shape with ${numel(input.dims)} elements`);
  ctx.set(node.output[0] ?? '', { ...input, dims });
}

const ARITH: Record<string, (a: number, b: number, integer: boolean) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b, integer) => (integer ? Math.trunc(a / b) : a / b),
};

function foldArith(ctx: ImportContext, node: OnnxNode): void {
  const a = ctx.constant(node, 0);
  const b = ctx.constant(node, 1);
  const dims = broadcastDims(a.dims, b.dims);
  if (!dims) throw ctx.invalid('inputs', `shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`, 'broadcastable shapes');
  const op = ARITH[node.opType];
  const integer = a.integer && b.integer;
  const av = a.values();
  const bv = b.values();
  const result = (): number[] | undefined => {
    if (!op || !av || !bv) return undefined;
    const out: number[] = [];
    for (let flat = 0; flat < numel(dims); flat++) {
      const idx = unravel(flat, dims);
      const pick = (src: ConstValue, vals: number[]): number => {
        const off = dims.length - src.dims.length;
        return at(vals, flatIndex(src.dims.map((d, i) => (d === 1 ? 0 : (idx[i + off] ?? 0))), src.dims));
      };
      const r = op(pick(a, av), pick(b, bv), integer);
      // Division by zero in shape arithmetic cannot be a real shape; leave the value unreadable.
      if (!Number.isFinite(r)) return undefined;
      out.push(r);
    }
    return out;
  };
  ctx.set(node.output[0] ?? '', { kind: 'const', dims, integer, values: result });
}

function passThrough(ctx: ImportContext, node: OnnxNode): void {
  ctx.set(node.output[0] ?? '', ctx.constant(node, 0));
}

/** Folders by op type, applied when every data input of a node is a constant (Constant and Shape always). */
export const FOLDERS: Readonly<Record<string, (ctx: ImportContext, node: OnnxNode) => void>> = {
  Constant: foldConstant,
  Shape: foldShape,
  Gather: foldGather,
  Cast: foldCast,
  Unsqueeze: foldUnsqueeze,
  Squeeze: foldSqueeze,
  Concat: foldConcat,
  Slice: foldSlice,
  Reshape: foldReshape,
  Add: foldArith,
  Sub: foldArith,
  Mul: foldArith,
  Div: foldArith,
  Identity: passThrough,
  Dropout: passThrough,
};
