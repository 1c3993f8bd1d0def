/**
 * Multi-node patterns converted as one layer: the decomposed LayerNorm exporters write for older opsets,
 * ReduceMean -> Sub -> Pow(2) -> ReduceMean -> Add(eps) -> Sqrt -> Div, optionally followed by Mul(gamma) and
 * Add(beta): one layer norm on the digital unit (not seven element-wise layers).
 */
import { attrInt, attrInts } from './attributes';
import type { ImportContext } from './context';
import { normAxis } from './fold';
import { layerNorm } from './ops-reduce';
import type { OnnxNode } from './proto';
import type { ActValue } from './tensors';

/** The only reader of `tensor` if it has exactly one and it has op type `op` (and is not a graph output). */
function soleReader(ctx: ImportContext, tensor: string, ops: readonly string[]): OnnxNode | undefined {
  const readers = ctx.consumers(tensor);
  const only = readers[0];
  return readers.length === 1 && only && ops.includes(only.opType) && !ctx.isGraphOutput(tensor) ? only : undefined;
}

function other(node: OnnxNode, tensor: string): string | undefined {
  return node.input.find((t) => t !== tensor);
}

function isConst(ctx: ImportContext, tensor: string | undefined, value?: number): boolean {
  if (tensor === undefined) return false;
  const v = ctx.get(tensor);
  if (v?.kind !== 'const') return false;
  if (value === undefined) return true;
  const vals = v.values();
  return vals !== undefined && vals.length === 1 && vals[0] === value;
}

function meanAxes(ctx: ImportContext, node: OnnxNode, rank: number): number[] | undefined {
  const given = node.input[1] && ctx.get(node.input[1])?.kind === 'const' ? ctx.constValues(node, 1) : attrInts(node, 'axes');
  if (!given || attrInt(node, 'keepdims', 1) !== 1) return undefined;
  return given.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
}

/** Converts the decomposed LayerNorm starting at ReduceMean `mean`; false when the nodes do not match it. */
export function tryDecomposedLayerNorm(ctx: ImportContext, mean: OnnxNode): boolean {
  const xName = mean.input[0] ?? '';
  const x = ctx.get(xName);
  if (x?.kind !== 'act') return false;
  const axes = meanAxes(ctx, mean, x.dims.length);
  if (!axes || axes.some((a, i) => a !== x.dims.length - axes.length + i)) return false;
  const sub = soleReader(ctx, mean.output[0] ?? '', ['Sub']);
  if (!sub || sub.input[0] !== xName || sub.input[1] !== mean.output[0]) return false;
  const d = sub.output[0] ?? '';
  const dReaders = ctx.consumers(d);
  const pow = dReaders.find((n) => (n.opType === 'Pow' && isConst(ctx, n.input[1], 2)) || (n.opType === 'Mul' && n.input[0] === d && n.input[1] === d));
  const div = dReaders.find((n) => n.opType === 'Div' && n.input[0] === d);
  if (!pow || !div || dReaders.length !== 2 || ctx.isGraphOutput(d)) return false;
  const mean2 = soleReader(ctx, pow.output[0] ?? '', ['ReduceMean']);
  if (!mean2 || meanAxes(ctx, mean2, x.dims.length)?.join() !== axes.join()) return false;
  const add = soleReader(ctx, mean2.output[0] ?? '', ['Add']);
  if (!add || !isConst(ctx, other(add, mean2.output[0] ?? ''))) return false;
  const sqrt = soleReader(ctx, add.output[0] ?? '', ['Sqrt']);
  if (!sqrt || div.input[1] !== sqrt.output[0] || ctx.consumers(sqrt.output[0] ?? '').length !== 1) return false;
  const nodes = [mean, sub, pow, mean2, add, sqrt, div];
  let out = div;
  // gamma and beta: a Mul and an Add by constants right after.
  const mul = soleReader(ctx, div.output[0] ?? '', ['Mul']);
  let affine = false;
  if (mul && isConst(ctx, other(mul, div.output[0] ?? ''))) {
    nodes.push(mul);
    out = mul;
    affine = true;
    const beta = soleReader(ctx, mul.output[0] ?? '', ['Add']);
    if (beta && isConst(ctx, other(beta, mul.output[0] ?? ''))) {
      nodes.push(beta);
      out = beta;
    }
  }
  for (const n of nodes) ctx.absorbed.add(n);
  const named: OnnxNode = { ...mean, name: mean.name ? `${mean.name}.layernorm` : '', output: [out.output[0] ?? ''] };
  layerNorm(ctx, named, x as ActValue, axes, affine);
  return true;
}
