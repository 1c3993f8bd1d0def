/**
 * More constant folding: comparisons and logic (the conditions exporters leave in front of If), ConstantOfShape,
 * Size, Range, Where, unary math, Transpose/Expand/Tile of constants, and quantization of constants (a weight
 * behind DequantizeLinear keeps its integer width). Values are computed only for small constants; a large one
 * (a weight) keeps its dims with unreadable values.
 */
import { attrInt, attrInts, attrTensor } from './attributes';
import type { ImportContext } from './context';
import { axisAttr, broadcastDims } from './fold';
import { checkQuantParams } from './quant-params';
import { tensorProblem } from './tensor-check';
import type { OnnxNode } from './proto';
import { constFromTensor, MAX_CONST_ELEMENTS, numel, type ConstValue } from './tensors';

function lazy(dims: number[], integer: boolean, compute: () => number[] | undefined, bits?: number): ConstValue {
  let cache: number[] | undefined;
  let done = false;
  return {
    kind: 'const',
    dims,
    integer,
    ...(bits !== undefined ? { bits } : {}),
    values: () => {
      if (!done) {
        cache = numel(dims) <= MAX_CONST_ELEMENTS ? compute() : undefined;
        done = true;
      }
      return cache;
    },
  };
}

/** A constant computed from constant `a`'s values (none when `a`'s are unreadable). */
function derived(a: ConstValue, dims: number[], integer: boolean, compute: (v: number[]) => number[] | undefined, bits?: number): ConstValue {
  return lazy(
    dims,
    integer,
    () => {
      const v = a.values();
      return v ? compute(v) : undefined;
    },
    bits,
  );
}

/** Element of a broadcast operand at output position `flat`. */
function picker(src: ConstValue, dims: readonly number[]): (vals: number[], flat: number) => number {
  const off = dims.length - src.dims.length;
  const strides: number[] = new Array<number>(src.dims.length).fill(1);
  for (let i = src.dims.length - 2; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (src.dims[i + 1] ?? 1);
  return (vals, flat) => {
    let rest = flat;
    let at = 0;
    for (let i = dims.length - 1; i >= 0; i--) {
      const d = dims[i] ?? 1;
      const idx = rest % d;
      rest = Math.floor(rest / d);
      const k = i - off;
      if (k >= 0 && (src.dims[k] ?? 1) !== 1) at += idx * (strides[k] ?? 0);
    }
    return vals[at] ?? 0;
  };
}

function binary(fn: (a: number, b: number) => number, integerOut?: boolean) {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const a = ctx.constant(node, 0);
    const b = ctx.constant(node, 1);
    const dims = broadcastDims(a.dims, b.dims);
    if (!dims) throw ctx.invalid('inputs', `shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`, 'broadcastable shapes');
    const pa = picker(a, dims);
    const pb = picker(b, dims);
    ctx.set(
      node.output[0] ?? '',
      lazy(dims, integerOut ?? (a.integer && b.integer), () => {
        const av = a.values();
        const bv = b.values();
        if (!av || !bv) return undefined;
        return Array.from({ length: numel(dims) }, (_, i) => fn(pa(av, i), pb(bv, i)));
      }),
    );
  };
}

function unaryFold(fn: (a: number) => number, integerOut?: boolean) {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const a = ctx.constant(node, 0);
    ctx.set(node.output[0] ?? '', derived(a, a.dims, integerOut ?? a.integer, (v) => v.map(fn)));
  };
}

function foldConstantOfShape(ctx: ImportContext, node: OnnxNode): void {
  const dims = ctx.constValues(node, 0);
  const t = attrTensor(node, 'value');
  const problem = t ? tensorProblem(t) : undefined;
  if (problem !== undefined) throw ctx.invalid('attribute value', problem, 'a one-element tensor whose data holds exactly the elements its dims give');
  const fill = t ? constFromTensor(t) : undefined;
  const v = fill?.values()?.[0] ?? 0;
  ctx.set(node.output[0] ?? '', lazy(dims, fill?.integer ?? false, () => new Array<number>(numel(dims)).fill(v)));
}

function foldSize(ctx: ImportContext, node: OnnxNode): void {
  const n = numel(ctx.input(node, 0).dims);
  ctx.set(node.output[0] ?? '', lazy([], true, () => [n]));
}

function foldRange(ctx: ImportContext, node: OnnxNode): void {
  const [start = 0] = ctx.constValues(node, 0);
  const [limit = 0] = ctx.constValues(node, 1);
  const [delta = 1] = ctx.constValues(node, 2);
  // A zero delta never reaches the limit (onnxruntime refuses it); a NaN bound has no length: either left an
  // Infinity or NaN dim for a later node to trip over, far from its cause.
  if (![start, limit, delta].every(Number.isFinite) || delta === 0) {
    throw ctx.invalid('inputs (start, limit, delta)', `(${start}, ${limit}, ${delta})`, 'finite numbers and a non-zero delta');
  }
  const count = Math.max(0, Math.ceil((limit - start) / delta));
  ctx.set(node.output[0] ?? '', lazy([count], ctx.constant(node, 0).integer, () => Array.from({ length: count }, (_, i) => start + i * delta)));
}

function foldWhere(ctx: ImportContext, node: OnnxNode): void {
  const c = ctx.constant(node, 0);
  const x = ctx.constant(node, 1);
  const y = ctx.constant(node, 2);
  const dims = broadcastDims(broadcastDims(c.dims, x.dims) ?? [], y.dims);
  if (!dims) throw ctx.invalid('inputs', 'shapes that do not broadcast', 'broadcastable shapes');
  const [pc, px, py] = [picker(c, dims), picker(x, dims), picker(y, dims)];
  ctx.set(
    node.output[0] ?? '',
    lazy(dims, x.integer && y.integer, () => {
      const [cv, xv, yv] = [c.values(), x.values(), y.values()];
      if (!cv || !xv || !yv) return undefined;
      return Array.from({ length: numel(dims) }, (_, i) => (pc(cv, i) !== 0 ? px(xv, i) : py(yv, i)));
    }),
  );
}

function foldTranspose(ctx: ImportContext, node: OnnxNode): void {
  const a = ctx.constant(node, 0);
  const rank = a.dims.length;
  const perm = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const dims = perm.map((p) => a.dims[p] ?? 1);
  const inStrides: number[] = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] ?? 1) * (a.dims[i + 1] ?? 1);
  const transposed = (v: number[]): number[] =>
    Array.from({ length: numel(dims) }, (_, flat) => {
      let rest = flat;
      let at = 0;
      for (let i = rank - 1; i >= 0; i--) {
        const d = dims[i] ?? 1;
        at += (rest % d) * (inStrides[perm[i] ?? 0] ?? 0);
        rest = Math.floor(rest / d);
      }
      return v[at] ?? 0;
    });
  ctx.set(node.output[0] ?? '', derived(a, dims, a.integer, transposed, a.bits));
}

function foldExpand(ctx: ImportContext, node: OnnxNode): void {
  const a = ctx.constant(node, 0);
  const arg = ctx.constValues(node, 1);
  const dims = node.opType === 'Tile' ? a.dims.map((d, i) => d * (arg[i] ?? 1)) : (broadcastDims(a.dims, arg) ?? a.dims);
  const pick = node.opType === 'Tile' ? undefined : picker(a, dims);
  ctx.set(node.output[0] ?? '', derived(a, dims, a.integer, (v) => (pick ? Array.from({ length: numel(dims) }, (_, i) => pick(v, i)) : undefined)));
}

/** DequantizeLinear/QuantizeLinear/Cast-like ops on a constant keep its dims (and a weight its integer width). */
function foldDequantize(ctx: ImportContext, node: OnnxNode): void {
  const a = ctx.constant(node, 0);
  checkQuantParams(ctx, node, a.dims);
  const scale = ctx.optional(node, 1)?.kind === 'const' ? ctx.constant(node, 1) : undefined;
  const zero = ctx.optional(node, 2)?.kind === 'const' ? ctx.constant(node, 2) : undefined;
  const dequantized = (v: number[]): number[] | undefined => {
    const s = scale?.values();
    const z = zero?.values();
    if (!s || s.length !== 1) return undefined;
    return v.map((x) => (x - (z?.[0] ?? 0)) * (s[0] ?? 1));
  };
  ctx.set(node.output[0] ?? '', derived(a, a.dims, false, dequantized, a.bits ?? (node.opType === 'QuantizeLinear' ? 8 : undefined)));
}

/** A reduction over a small constant (shape arithmetic); only keepdims=0 over all axes is needed in practice. */
function foldReduceAll(fn: (vals: number[]) => number) {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const a = ctx.constant(node, 0);
    const keep = attrInt(node, 'keepdims', 1) === 1;
    const dims = keep ? a.dims.map(() => 1) : [];
    ctx.set(node.output[0] ?? '', derived(a, dims, a.integer, (v) => [fn(v)]));
  };
}

/** Split of a constant (weights split per gate or per branch): each part's dims; values when small. */
function foldSplit(ctx: ImportContext, node: OnnxNode): void {
  const a = ctx.constant(node, 0);
  const rank = a.dims.length;
  const axis = axisAttr(ctx, node, 0, rank);
  const length = a.dims[axis] ?? 1;
  const outputs = node.output.length;
  const given = ctx.optional(node, 1) ? ctx.constValues(node, 1) : attrInts(node, 'split');
  const part = Math.ceil(length / outputs);
  const sizes = given ?? Array.from({ length: outputs }, (_, k) => Math.max(0, Math.min(part, length - k * part)));
  const outer = numel(a.dims.slice(0, axis));
  const inner = numel(a.dims.slice(axis + 1));
  let start = 0;
  sizes.forEach((size, k) => {
    const dims = [...a.dims];
    dims[axis] = size;
    const from = start;
    const part = (v: number[]): number[] => {
      const out: number[] = [];
      for (let o = 0; o < outer; o++) out.push(...v.slice((o * length + from) * inner, (o * length + from + size) * inner));
      return out;
    };
    ctx.set(node.output[k] ?? '', derived(a, dims, a.integer, part, a.bits));
    start += size;
  });
}

export const EXTRA_FOLDERS: Readonly<Record<string, (ctx: ImportContext, node: OnnxNode) => void>> = {
  Equal: binary((a, b) => (a === b ? 1 : 0), true),
  Greater: binary((a, b) => (a > b ? 1 : 0), true),
  Less: binary((a, b) => (a < b ? 1 : 0), true),
  GreaterOrEqual: binary((a, b) => (a >= b ? 1 : 0), true),
  LessOrEqual: binary((a, b) => (a <= b ? 1 : 0), true),
  And: binary((a, b) => (a !== 0 && b !== 0 ? 1 : 0), true),
  Or: binary((a, b) => (a !== 0 || b !== 0 ? 1 : 0), true),
  Xor: binary((a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0), true),
  Max: binary(Math.max),
  Min: binary(Math.min),
  Pow: binary((a, b) => a ** b),
  Mod: binary((a, b) => (b === 0 ? 0 : a - b * Math.floor(a / b))),
  Not: unaryFold((a) => (a === 0 ? 1 : 0), true),
  Neg: unaryFold((a) => -a),
  Abs: unaryFold(Math.abs),
  Sqrt: unaryFold(Math.sqrt),
  Floor: unaryFold(Math.floor),
  Ceil: unaryFold(Math.ceil),
  Round: unaryFold(Math.round),
  Reciprocal: unaryFold((a) => 1 / a),
  Exp: unaryFold(Math.exp),
  Log: unaryFold(Math.log),
  Relu: unaryFold((a) => Math.max(0, a)),
  Sigmoid: unaryFold((a) => 1 / (1 + Math.exp(-a))),
  Tanh: unaryFold(Math.tanh),
  Sign: unaryFold(Math.sign),
  ConstantOfShape: foldConstantOfShape,
  Split: foldSplit,
  Size: foldSize,
  Range: foldRange,
  Where: foldWhere,
  Transpose: foldTranspose,
  Expand: foldExpand,
  Tile: foldExpand,
  DequantizeLinear: foldDequantize,
  QuantizeLinear: foldDequantize,
  ReduceProd: foldReduceAll((v) => v.reduce((p, x) => p * x, 1)),
  ReduceSum: foldReduceAll((v) => v.reduce((p, x) => p + x, 0)),
  ReduceMax: foldReduceAll((v) => Math.max(...v)),
  ReduceMin: foldReduceAll((v) => Math.min(...v)),
};
