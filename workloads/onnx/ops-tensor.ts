/**
 * Converters for the non-window operators on activations: fully connected (Gemm, MatMul), batchnorm,
 * activations, element-wise ops, concat and the reshaping ops.
 */
import type { ActivationLayer, EltwiseLayer } from '../types';
import { attrFloat, attrInt, hasAttr } from './attributes';
import type { ImportContext } from './context';
import { axesOf, broadcastDims, normAxis, reshapeDims, unsqueezedDims } from './fold';
import type { OnnxNode } from './proto';
import { numel, type ActValue, type ConstValue } from './tensors';

/** Per-image element count as lrmp sees a tensor: C*H*W for NCHW, F for [N, F]. */
function lrmpView(dims: readonly number[]): string {
  if (dims.length === 4) return `${dims[1]}x${dims[2]}x${dims[3]}`;
  if (dims.length === 2) return `${dims[1]}x1x1`;
  return `rank ${dims.length}`;
}

/** Binds the node's output to its input unchanged except for `dims`, when lrmp sees both alike. */
function alias(ctx: ImportContext, node: OnnxNode, input: ActValue, dims: number[]): boolean {
  if (lrmpView(dims) !== lrmpView(input.dims)) return false;
  ctx.set(node.output[0] ?? '', { ...input, dims });
  return true;
}

function activation(fn: ActivationLayer['fn']) {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const input = ctx.act(node, 0);
    ctx.addLayer(node, { kind: 'activation', fn }, [input], input.dims);
  };
}

function pass(fn: 'batchnorm' | 'dropout' | 'identity') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const input = ctx.act(node, 0);
    ctx.addLayer(node, { kind: 'pass', fn }, [input], input.dims);
  };
}

/** Clip(0, 6) is ReLU6 and Clip(0, inf) is ReLU; bounds come from inputs (opset >= 11) or attributes. */
function convertClip(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const bound = (index: number, attr: string, fallback: number): number => {
    if (ctx.optional(node, index)) return ctx.constValues(node, index)[0] ?? fallback;
    return hasAttr(node, attr) ? attrFloat(node, attr, fallback) : fallback;
  };
  const lo = bound(1, 'min', -Infinity);
  const hi = bound(2, 'max', Infinity);
  const fn = lo === 0 && hi === 6 ? 'relu6' : lo === 0 && hi >= 3.4e38 ? 'relu' : undefined;
  if (!fn) throw ctx.invalid('bounds', `[${lo}, ${hi}]`, '[0, 6] (ReLU6) or [0, inf) (ReLU)');
  ctx.addLayer(node, { kind: 'activation', fn }, [input], input.dims);
}

const ELTWISE_OP: Record<string, EltwiseLayer['op']> = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div' };

/**
 * Add/Sub/Mul/Div. Between two activations: an eltwise layer (the full-size operand first, as in SE blocks).
 * With a constant: a bias (folded into the conv/fc before it when that has none) or a 'scale' activation.
 */
function convertArith(ctx: ImportContext, node: OnnxNode): void {
  const a = ctx.input(node, 0);
  const b = ctx.input(node, 1);
  const op = ELTWISE_OP[node.opType] ?? 'add';
  if (a.kind === 'act' && b.kind === 'act') {
    const dims = broadcastDims(a.dims, b.dims);
    if (!dims) throw ctx.invalid('inputs', `shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`, 'broadcastable shapes');
    const ordered = numel(b.dims) > numel(a.dims) ? [b, a] : [a, b];
    ctx.addLayer(node, { kind: 'eltwise', op }, ordered, dims);
    return;
  }
  const act = a.kind === 'act' ? a : (b as ActValue);
  const constant = (a.kind === 'const' ? a : b) as ConstValue;
  if (op === 'add' && foldBias(ctx, node, node.input[a.kind === 'act' ? 0 : 1] ?? '', act, constant)) return;
  const dims = broadcastDims(act.dims, constant.dims);
  if (!dims || dims.join() !== act.dims.join()) {
    throw ctx.invalid('constant operand', `shape [${constant.dims.join(', ')}]`, `a shape that broadcasts to [${act.dims.join(', ')}]`);
  }
  ctx.addLayer(node, { kind: 'activation', fn: 'scale' }, [act], act.dims);
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

function convertConcat(ctx: ImportContext, node: OnnxNode): void {
  const inputs = node.input.map((_, i) => ctx.act(node, i));
  const first = inputs[0];
  if (!first) throw ctx.invalid('inputs', 'none', 'at least one tensor');
  const axis = normAxis(attrInt(node, 'axis', 1), first.dims.length);
  if (axis !== 1) throw ctx.invalid('attribute axis', String(axis), '1 (channels)');
  const dims = [...first.dims];
  dims[1] = inputs.reduce((s, v) => s + (v.dims[1] ?? 0), 0);
  ctx.addLayer(node, { kind: 'concat' }, inputs, dims);
}

function flattenLayer(ctx: ImportContext, node: OnnxNode, input: ActValue): void {
  const n = input.dims[0] ?? 1;
  ctx.addLayer(node, { kind: 'pass', fn: 'flatten' }, [input], [n, numel(input.dims) / n]);
}

function convertFlatten(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const axis = normAxis(attrInt(node, 'axis', 1), input.dims.length);
  if (axis !== 1) throw ctx.invalid('attribute axis', String(axis), '1 (flatten each image)');
  flattenLayer(ctx, node, input);
}

/** Reshape to [N, -1] flattens; a reshape lrmp cannot tell apart from its input (adding 1x1 dims) is a no-op. */
function convertReshape(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const shape = ctx.constValues(node, 1);
  const dims = reshapeDims(input.dims, shape, attrInt(node, 'allowzero', 0) === 1);
  if (!dims) throw ctx.invalid('input 1 (shape)', `[${shape.join(', ')}]`, `a shape with ${numel(input.dims)} elements`);
  if (dims.length === 2 && dims[0] === input.dims[0]) return flattenLayer(ctx, node, input);
  if (!alias(ctx, node, input, dims)) {
    throw ctx.invalid('input 1 (shape)', `[${shape.join(', ')}] (from [${input.dims.join(', ')}])`, 'a flatten to [N, -1]');
  }
}

function convertSqueeze(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const rank = input.dims.length;
  const axes = (axesOf(ctx, node, 1) ?? input.dims.flatMap((d, i) => (d === 1 && i > 0 ? [i] : []))).map((a) => normAxis(a, rank));
  const dims = input.dims.filter((_, i) => !axes.includes(i));
  if (!alias(ctx, node, input, dims)) throw ctx.invalid('axes', `[${axes.join(', ')}] of [${input.dims.join(', ')}]`, 'axes that leave an NCHW or [N, F] tensor');
}

function convertUnsqueeze(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const axes = axesOf(ctx, node, 1) ?? [];
  const dims = unsqueezedDims(input.dims, axes);
  if (!alias(ctx, node, input, dims)) throw ctx.invalid('axes', `[${axes.join(', ')}] of [${input.dims.join(', ')}]`, 'axes that leave an NCHW or [N, F] tensor');
}

function fcLayer(ctx: ImportContext, node: OnnxNode, input: ActValue, inFeatures: number, outFeatures: number, bias: boolean): void {
  if (input.dims.length !== 2) throw ctx.invalid('input 0', `[${input.dims.join(', ')}]`, 'a 2-D [N, features] tensor');
  if (input.dims[1] !== inFeatures) {
    throw ctx.invalid('weights', `${inFeatures} input features`, `${input.dims[1] ?? 0} (the features of input 0)`);
  }
  ctx.addLayer(node, { kind: 'fc', outFeatures, bias }, [input], [input.dims[0] ?? 1, outFeatures]);
}

function convertGemm(ctx: ImportContext, node: OnnxNode): void {
  if (attrInt(node, 'transA', 0) !== 0) throw ctx.invalid('attribute transA', '1', '0');
  const input = ctx.act(node, 0);
  const weight = ctx.constant(node, 1);
  const [d0 = 0, d1 = 0] = weight.dims;
  const transB = attrInt(node, 'transB', 0) === 1;
  fcLayer(ctx, node, input, transB ? d1 : d0, transB ? d0 : d1, ctx.optional(node, 2) !== undefined);
}

function convertMatMul(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const weight = ctx.constant(node, 1);
  if (weight.dims.length !== 2) throw ctx.invalid('input 1 (weights)', `dims [${weight.dims.join(', ')}]`, 'a 2-D constant');
  fcLayer(ctx, node, input, weight.dims[0] ?? 0, weight.dims[1] ?? 0, false);
}

/** A Softmax whose result is only a graph output turns logits into probabilities off-chip: no layer. */
function convertSoftmax(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const out = node.output[0] ?? '';
  if (!ctx.isGraphOutput(out) || ctx.readerCount(out) > 0) {
    throw ctx.invalid('output', 'read by other nodes', 'a graph output only (a final classifier Softmax)');
  }
  ctx.set(out, input);
}

/** Cast of an activation changes no shape and costs nothing in lrmp's model. */
function convertCast(ctx: ImportContext, node: OnnxNode): void {
  ctx.set(node.output[0] ?? '', ctx.act(node, 0));
}

export const TENSOR_OPS = {
  Gemm: convertGemm,
  MatMul: convertMatMul,
  BatchNormalization: pass('batchnorm'),
  Relu: activation('relu'),
  Clip: convertClip,
  Sigmoid: activation('sigmoid'),
  HardSwish: activation('hardswish'),
  HardSigmoid: activation('hardsigmoid'),
  Add: convertArith,
  Sub: convertArith,
  Mul: convertArith,
  Div: convertArith,
  Concat: convertConcat,
  Flatten: convertFlatten,
  Reshape: convertReshape,
  Squeeze: convertSqueeze,
  Unsqueeze: convertUnsqueeze,
  Dropout: pass('dropout'),
  Identity: pass('identity'),
  Cast: convertCast,
  Softmax: convertSoftmax,
  LogSoftmax: convertSoftmax,
} as const;
