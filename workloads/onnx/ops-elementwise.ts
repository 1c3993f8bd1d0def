/**
 * Converters for element-wise operators on activations: unary functions (on the digital unit, or fused into
 * their producer's output path), binary ops between tensors with broadcasting, ops with a constant operand
 * (biases fold into the layer before; other constants make a 'scale' or 'clip'), batchnorm and the no-ops.
 */
import type { ActivationFn, EltwiseLayer } from '../types';
import { attrFloat, attrInt, hasAttr } from './attributes';
import type { ImportContext } from './context';
import { broadcastDims } from './fold';
import type { Layout } from './layout';
import { checkBroadcastsTo, checkParamDims } from './param-dims';
import type { OnnxNode } from './proto';
import { numel, type ActValue, type ConstValue } from './tensors';

/** The node's output has its input's dims and layout. */
function sameLayout(v: ActValue): Layout {
  return { rowAxis: v.rowAxis, colAxes: v.colAxes };
}

export function unary(fn: ActivationFn) {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const input = ctx.act(node, 0);
    ctx.addLayer(node, { kind: 'activation', fn }, [input], input.dims, sameLayout(input));
  };
}

function pass(fn: 'batchnorm' | 'dropout' | 'identity') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const input = ctx.act(node, 0);
    ctx.addLayer(node, { kind: 'pass', fn }, [input], input.dims, sameLayout(input));
  };
}

/** BatchNormalization: free at inference (folded into the layer before); its scale, B, mean and var are one per channel. */
function convertBatchNorm(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  // BatchNormalization-1 to -7 with spatial = 0 took statistics per element ([C, D1, ...], as onnxruntime checks
  // them); spatial = 1 and opset 9 on: [C].
  const perElement = attrInt(node, 'spatial', 1) === 0;
  const want = perElement ? input.dims.slice(1) : [input.dims[1] ?? 1];
  const why = perElement ? `one per element of the input [${input.dims.join(', ')}] past its batch, as spatial = 0 asks` : `one per channel of the input [${input.dims.join(', ')}]`;
  (['scale', 'B', 'mean', 'var'] as const).forEach((label, k) => checkParamDims(ctx, node, k + 1, label, want, why));
  pass('batchnorm')(ctx, node);
}

/** Clip(0, 6) is ReLU6 and Clip(0, inf) is ReLU; other bounds are a clip. Bounds from inputs (opset >= 11) or attributes. */
function convertClip(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const lower = ctx.optional(node, 1);
  const upper = ctx.optional(node, 2);
  if (lower?.kind === 'act' || upper?.kind === 'act') {
    // A bound computed at run time (a dynamic floor, e.g. top_db): a max and/or min with that tensor.
    let v = input;
    const bounds: [typeof lower, EltwiseLayer['op'], number][] = [[lower, 'max', 1], [upper, 'min', 2]];
    bounds.forEach(([b, op, k], i) => {
      if (b === undefined) return;
      const part: OnnxNode = { ...node, name: `${ctx.baseName(node)}.${op}`, input: [v === input ? (node.input[0] ?? '') : `${node.output[0] ?? ''}#${i}`, node.input[k] ?? ''], output: [`${node.output[0] ?? ''}#${i + 1}`] };
      convertArith(ctx, { ...part, opType: op === 'max' ? 'Max' : 'Min' });
      const out = ctx.get(part.output[0] ?? '');
      if (out?.kind === 'act') {
        v = out;
        ctx.set(`${node.output[0] ?? ''}#${i + 1}`, out);
      }
    });
    ctx.set(node.output[0] ?? '', v);
    return;
  }
  const bound = (index: number, attr: string, fallback: number): number => {
    if (ctx.optional(node, index)) return ctx.constValues(node, index)[0] ?? fallback;
    return hasAttr(node, attr) ? attrFloat(node, attr, fallback) : fallback;
  };
  const lo = bound(1, 'min', -Infinity);
  const hi = bound(2, 'max', Infinity);
  const fn: ActivationFn = lo === 0 && hi === 6 ? 'relu6' : lo === 0 && hi >= 3.4e38 ? 'relu' : 'clip';
  ctx.addLayer(node, { kind: 'activation', fn }, [input], input.dims, sameLayout(input));
}

const ELTWISE_OP: Record<string, EltwiseLayer['op']> = {
  Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Max: 'max', Min: 'min', Pow: 'pow', Sum: 'add', Mean: 'add',
  Equal: 'equal', Greater: 'greater', Less: 'less', GreaterOrEqual: 'less', LessOrEqual: 'greater', And: 'and', Or: 'or', Xor: 'or', Where: 'select',
};
const COMPARE = new Set<EltwiseLayer['op']>(['equal', 'greater', 'less', 'and', 'or']);

/** Dims padded with leading 1s to `rank`, and the layout's axes shifted alike. */
function padRank(v: ActValue, rank: number): ActValue {
  const k = rank - v.dims.length;
  if (k <= 0) return v;
  const shift = (a: number): number => (a >= 0 ? a + k : a);
  return { ...v, dims: [...new Array<number>(k).fill(1), ...v.dims], rowAxis: shift(v.rowAxis), colAxes: v.colAxes.map(shift) };
}

/**
 * Element-wise op between activations (inputs broadcast, numpy rules): the output takes the layout of the
 * full-size operand; the others are read in that layout (free when only channels and cols regroup).
 */
function tensorsOp(ctx: ImportContext, node: OnnxNode, acts: ActValue[], op: EltwiseLayer['op']): void {
  let dims: number[] | undefined = acts[0]?.dims ?? [];
  for (const a of acts.slice(1)) dims = dims && broadcastDims(dims, a.dims);
  if (!dims) throw ctx.invalid('inputs', acts.map((a) => `[${a.dims.join(', ')}]`).join(' and '), 'broadcastable shapes');
  const out = dims;
  const padded = acts.map((a) => padRank(a, out.length));
  const full = padded.find((a) => a.dims.join() === out.join()) ?? padded[0];
  if (!full) throw ctx.invalid('inputs', 'none', 'at least two tensors');
  const layout = sameLayout(full);
  const aligned = padded.map((a) => ctx.relayout(a, layout));
  // The full-size operand first (it is the one a fused add's host produces).
  const ordered = [...aligned].sort((a, b) => numel(b.dims) - numel(a.dims));
  ctx.addLayer(node, { kind: 'eltwise', op }, ordered, out, layout);
}

/**
 * Add/Sub/Mul/Div/Max/Min/Pow. Between activations: an eltwise layer. With a constant: a bias (folded into the
 * conv/fc before it when that has none), a clip (Max/Min), a power, or a 'scale' activation.
 */
function convertArith(ctx: ImportContext, node: OnnxNode): void {
  const values = node.input.map((_, i) => ctx.input(node, i));
  const op = ELTWISE_OP[node.opType] ?? 'add';
  const acts = values.filter((v): v is ActValue => v.kind === 'act');
  if (acts.length >= 2) {
    if (acts.length !== values.length) throw ctx.invalid('inputs', 'activations mixed with constants', 'all activations, or one activation and one constant');
    return tensorsOp(ctx, node, acts, op);
  }
  const act = acts[0];
  // Constants only reach here for ops lrmp does not fold (Sum, Mean): there is no layer to make.
  if (!act) throw ctx.invalid('inputs', `constants only (lrmp folds no constant ${node.opType})`, 'at least one tensor computed from the network input');
  const constIndex = values.findIndex((v) => v.kind === 'const');
  const constant = values[constIndex] as ConstValue | undefined;
  if (!constant) return ctx.set(node.output[0] ?? '', act);
  if (op === 'add' && foldBias(ctx, node, node.input[constIndex === 0 ? 1 : 0] ?? '', act, constant)) return;
  const dims = broadcastDims(act.dims, constant.dims);
  if (!dims || numel(dims) !== numel(act.dims)) {
    throw ctx.invalid('constant operand', `shape [${constant.dims.join(', ')}]`, `a shape that broadcasts to [${act.dims.join(', ')}]`);
  }
  const fn: ActivationFn = op === 'max' || op === 'min' ? 'clip' : op === 'pow' ? 'pow' : COMPARE.has(op) || op === 'select' ? 'compare' : 'scale';
  const input = padRank(act, dims.length);
  // A float constant of more than one element is learned (a per-channel scale or shift); scalars are not.
  const size = numel(constant.dims);
  const body = size > 1 && !constant.integer && fn === 'scale' ? { kind: 'activation' as const, fn, learned: size } : { kind: 'activation' as const, fn };
  ctx.addLayer(node, body, [input], dims, sameLayout(input));
}

/** MatMul/Conv without bias followed by Add of a per-channel constant is one layer with a bias. */
function foldBias(ctx: ImportContext, node: OnnxNode, tensor: string, act: ActValue, constant: ConstValue): boolean {
  const layer = ctx.layer(act.producer);
  if (!layer || (layer.kind !== 'fc' && layer.kind !== 'conv') || layer.bias || act.pendingPad) return false;
  const channels = layer.kind === 'fc' ? layer.outFeatures : layer.outChannels;
  const perChannel = numel(constant.dims) === channels && (constant.dims.length === 1 || layer.kind === 'conv');
  // Only when nothing else reads the bias-less output.
  if (!perChannel || ctx.readerCount(tensor) !== 1 || ctx.isGraphOutput(tensor)) return false;
  layer.bias = true;
  ctx.set(node.output[0] ?? '', act);
  return true;
}

/** PRelu: an activation whose slopes (a constant) are learned parameters. */
function convertPRelu(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const slope = ctx.constant(node, 1);
  checkBroadcastsTo(ctx, node, 1, 'slope', input.dims, `the input [${input.dims.join(', ')}]`, { batchAxis: true });
  ctx.addLayer(node, { kind: 'activation', fn: 'prelu', learned: numel(slope.dims) }, [input], input.dims, sameLayout(input));
}

/** Cast of an activation changes no shape and costs nothing in lrmp's model. */
function convertCast(ctx: ImportContext, node: OnnxNode): void {
  ctx.set(node.output[0] ?? '', ctx.act(node, 0));
}

export const ELEMENTWISE_OPS = {
  BatchNormalization: convertBatchNorm,
  Relu: unary('relu'),
  Clip: convertClip,
  Sigmoid: unary('sigmoid'),
  HardSwish: unary('hardswish'),
  HardSigmoid: unary('hardsigmoid'),
  LeakyRelu: unary('leakyrelu'),
  PRelu: convertPRelu,
  Elu: unary('elu'),
  Selu: unary('selu'),
  Celu: unary('elu'),
  Tanh: unary('tanh'),
  Softplus: unary('softplus'),
  Softsign: unary('softplus'),
  Gelu: unary('gelu'),
  Erf: unary('erf'),
  Exp: unary('exp'),
  Log: unary('log'),
  Sqrt: unary('sqrt'),
  Reciprocal: unary('reciprocal'),
  Abs: unary('abs'),
  Neg: unary('neg'),
  Floor: unary('floor'),
  Ceil: unary('ceil'),
  Round: unary('round'),
  Sign: unary('sign'),
  Sin: unary('sin'),
  Cos: unary('cos'),
  Mish: unary('softplus'),
  ThresholdedRelu: unary('relu'),
  Add: convertArith,
  Sub: convertArith,
  Mul: convertArith,
  Div: convertArith,
  Max: convertArith,
  Min: convertArith,
  Pow: convertArith,
  Sum: convertArith,
  Mean: convertArith,
  Equal: convertArith,
  Greater: convertArith,
  Less: convertArith,
  GreaterOrEqual: convertArith,
  LessOrEqual: convertArith,
  And: convertArith,
  Or: convertArith,
  Xor: convertArith,
  Where: convertArith,
  Not: unary('not'),
  Dropout: pass('dropout'),
  Identity: pass('identity'),
  Cast: convertCast,
} as const;
