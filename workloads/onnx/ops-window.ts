/**
 * Converters for sliding-window operators over 1-D ([N, C, L]) and 2-D ([N, C, H, W]) tensors: Conv, MaxPool,
 * AveragePool, the global pools, and Pad folding. A 1-D window slides over the rows (kernel K x 1), so a
 * sequence keeps one time step per row (docs/hardware-model.md rule 4).
 */
import { attrInt, attrInts, attrString } from './attributes';
import type { ImportContext } from './context';
import type { Layout } from './layout';
import type { OnnxNode } from './proto';
import { checkParamDims } from './param-dims';
import type { ActValue } from './tensors';

type Pad4 = [number, number, number, number];
type Pair = [number, number];

interface Window {
  kernel: Pair;
  stride: Pair;
  dilation: Pair;
  /** [top, left, bottom, right], including a folded Pad node (1-D: left/right are 0). */
  pad: Pad4;
  /** The input as its producer made it (before a folded Pad), in the window's layout. */
  input: ActValue;
  /** Spatial axes: 1 (rows only) or 2. */
  spatial: 1 | 2;
}

/** Output length along one axis, PyTorch's rule (ceil mode drops a window starting in the end padding). */
export function windowLength(inLen: number, lo: number, hi: number, k: number, s: number, d: number, ceil: boolean): number {
  const span = inLen + lo + hi - d * (k - 1) - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= inLen + lo) out -= 1;
  return out;
}

/** The layout a window op reads: rows = the first spatial axis, cols = the second (if any). */
function windowLayout(rank: number): Layout {
  return rank === 4 ? { rowAxis: 2, colAxes: [3] } : { rowAxis: 2, colAxes: [] };
}

function spatialOf(ctx: ImportContext, input: ActValue): 1 | 2 {
  const rank = input.dims.length;
  if (rank !== 3 && rank !== 4) {
    throw ctx.invalid('input 0', `a ${rank}-D tensor [${input.dims.join(', ')}]`, 'a 3-D [N, C, L] or 4-D [N, C, H, W] tensor (1-D and 2-D windows)');
  }
  return rank === 4 ? 2 : 1;
}

/** An attribute with one value per spatial axis, as a [rows, cols] pair (cols = 1 for 1-D windows). */
function pair(ctx: ImportContext, node: OnnxNode, name: string, fallback: number, spatial: 1 | 2): Pair {
  const v = attrInts(node, name);
  if (!v) return [fallback, spatial === 2 ? fallback : 1];
  if (v.length !== spatial) throw ctx.invalid(`attribute ${name}`, `[${v.join(', ')}]`, `${spatial} value(s), one per spatial axis`);
  return [v[0] ?? fallback, spatial === 2 ? (v[1] ?? fallback) : 1];
}

/** Reads kernel/strides/dilations/pads/auto_pad of a window over a 3-D or 4-D input. */
function readWindow(ctx: ImportContext, node: OnnxNode, raw: ActValue, kernelAttr: Pair | undefined, weightKernel?: number[]): Window {
  const spatial = spatialOf(ctx, raw);
  const kernel: Pair = kernelAttr ?? [weightKernel?.[0] ?? 1, spatial === 2 ? (weightKernel?.[1] ?? 1) : 1];
  const stride = pair(ctx, node, 'strides', 1, spatial);
  const dilation = pair(ctx, node, 'dilations', 1, spatial);
  const folded = raw.pendingPad;
  if (folded && [0, 1].some((a) => (folded.begin[a] ?? 0) + (folded.end[a] ?? 0) > 0)) {
    throw ctx.invalid('input 0', 'padded along its batch or channel axis by a Pad node', 'padding of the spatial axes only');
  }
  const prodDims = folded ? raw.dims.map((d, i) => d - (folded.begin[i] ?? 0) - (folded.end[i] ?? 0)) : raw.dims;
  const inH = prodDims[2] ?? 1;
  const inW = spatial === 2 ? (prodDims[3] ?? 1) : 1;
  let pad: Pad4 = [0, 0, 0, 0];
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // Output = ceil(in / stride); the odd pixel of padding goes to the end (UPPER) or the start (LOWER).
    const total = (len: number, i: 0 | 1): number =>
      Math.max(0, (Math.ceil(len / stride[i]) - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - len);
    const th = total(inH, 0);
    const tw = spatial === 2 ? total(inW, 1) : 0;
    const small = (t: number): number => Math.floor(t / 2);
    pad = autoPad === 'SAME_UPPER' ? [small(th), small(tw), th - small(th), tw - small(tw)] : [th - small(th), tw - small(tw), small(th), small(tw)];
  } else if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads');
    if (pads) {
      if (pads.length !== 2 * spatial) throw ctx.invalid('attribute pads', `[${pads.join(', ')}]`, `${2 * spatial} values (begin and end of each spatial axis)`);
      pad = spatial === 2 ? [pads[0] ?? 0, pads[1] ?? 0, pads[2] ?? 0, pads[3] ?? 0] : [pads[0] ?? 0, 0, pads[1] ?? 0, 0];
    }
  } else if (autoPad !== 'VALID') {
    throw ctx.invalid('attribute auto_pad', `'${autoPad}'`, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER');
  }
  if (folded) {
    pad = [pad[0] + (folded.begin[2] ?? 0), pad[1] + (folded.begin[3] ?? 0), pad[2] + (folded.end[2] ?? 0), pad[3] + (folded.end[3] ?? 0)];
  }
  const unpadded: ActValue = { kind: 'act', producer: raw.producer, dims: prodDims, rowAxis: raw.rowAxis, colAxes: raw.colAxes };
  if (raw.floating) unpadded.floating = true;
  const input = ctx.relayout(unpadded, windowLayout(raw.dims.length));
  return { kernel, stride, dilation, pad, input, spatial };
}

function outDims(ctx: ImportContext, w: Window, channels: number, ceil: boolean): number[] {
  const h = w.input.dims[2] ?? 1;
  const wd = w.spatial === 2 ? (w.input.dims[3] ?? 1) : 1;
  const oh = windowLength(h, w.pad[0], w.pad[2], w.kernel[0], w.stride[0], w.dilation[0], ceil);
  const ow = windowLength(wd, w.pad[1], w.pad[3], w.kernel[1], w.stride[1], w.dilation[1], ceil);
  if (oh < 1 || ow < 1) {
    throw ctx.invalid('window', `kernel ${w.kernel.join('x')} over input ${h}x${wd}`, 'a window that fits the padded input');
  }
  return w.spatial === 2 ? [1, channels, oh, ow] : [1, channels, oh];
}

/**
 * Conv, and the integer convs whose weights and bias sit at other inputs (`at`: QLinearConv's are 3 and 8), so
 * messages name the node's own input numbers.
 */
export function convertConv(ctx: ImportContext, node: OnnxNode, at: { weight: number; bias?: number } = { weight: 1, bias: 2 }): void {
  const raw = ctx.act(node, 0);
  const weight = ctx.constant(node, at.weight);
  const spatial = spatialOf(ctx, raw);
  if (weight.dims.length !== spatial + 2) {
    throw ctx.invalid(`input ${at.weight} (weights)`, `dims [${weight.dims.join(', ')}]`, `a ${spatial + 2}-D [M, C/groups, kernel...] constant for a ${spatial + 2}-D input`);
  }
  const outChannels = weight.dims[0] ?? 1;
  const kAttr = attrInts(node, 'kernel_shape');
  const w = readWindow(ctx, node, raw, kAttr ? pair(ctx, node, 'kernel_shape', 1, spatial) : undefined, weight.dims.slice(2));
  const groups = attrInt(node, 'group', 1);
  // Weights are [M, C/group, kernel...]: the group must split the input's C channels and the M outputs evenly.
  const inChannels = w.input.dims[1] ?? 1;
  const perGroup = weight.dims[1] ?? 1;
  if (!(groups >= 1) || outChannels % groups !== 0 || perGroup * groups !== inChannels) {
    throw ctx.invalid('attribute group', `${groups} (weights [${weight.dims.join(', ')}], ${inChannels} input channels)`, `the group G with G x ${perGroup} = ${inChannels} input channels that divides the ${outChannels} output channels`);
  }
  const weightKernel = weight.dims.slice(2);
  if (kAttr && kAttr.join(',') !== weightKernel.join(',')) {
    throw ctx.invalid('attribute kernel_shape', `[${kAttr.join(', ')}]`, `the weights' kernel [${weightKernel.join(', ')}] (or no kernel_shape)`);
  }
  if (at.bias !== undefined) checkParamDims(ctx, node, at.bias, 'bias', [outChannels], `one per output channel of the weights [${weight.dims.join(', ')}]`);
  const bias = at.bias !== undefined && ctx.optional(node, at.bias) !== undefined;
  const dims = outDims(ctx, w, outChannels, false);
  const out = ctx.addLayer(node, { kind: 'conv', outChannels, kernel: w.kernel, stride: w.stride, pad: w.pad, dilation: w.dilation, groups, bias }, [w.input], dims, windowLayout(dims.length));
  ctx.markQuantized(out.producer, weight);
}

/**
 * The pads [top, left, bottom, right] of a ConvTranspose (ONNX: from `pads`, or from `output_shape` / SAME auto_pad
 * as total = stride x (in - 1) + output_padding + dilation x (kernel - 1) + 1 - out, the odd one at the end for
 * SAME_UPPER and at the start otherwise).
 */
function transposePads(ctx: ImportContext, node: OnnxNode, spatial: 1 | 2, inDims: Pair, k: Pair, stride: Pair, dilation: Pair, outPad: Pair): Pad4 {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const shape = attrInts(node, 'output_shape');
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) throw ctx.invalid('attribute auto_pad', `'${autoPad}'`, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER');
  if (shape === undefined && (autoPad === 'NOTSET' || autoPad === 'VALID')) {
    const pads = autoPad === 'VALID' ? [] : (attrInts(node, 'pads') ?? []);
    if (pads.length !== 0 && pads.length !== 2 * spatial) throw ctx.invalid('attribute pads', `[${pads.join(', ')}]`, `${2 * spatial} values (begin and end of each spatial axis)`);
    return spatial === 2 ? [pads[0] ?? 0, pads[1] ?? 0, pads[2] ?? 0, pads[3] ?? 0] : [pads[0] ?? 0, 0, pads[1] ?? 0, 0];
  }
  const out = shape ? shape.slice(-spatial) : inDims.slice(0, spatial).map((d, a) => d * (stride[a] ?? 1));
  if (out.length !== spatial) throw ctx.invalid('attribute output_shape', `[${(shape ?? []).join(', ')}]`, `${spatial} spatial size(s)`);
  const total = out.map((o, a) => (stride[a] ?? 1) * ((inDims[a] ?? 1) - 1) + (outPad[a] ?? 0) + (dilation[a] ?? 1) * ((k[a] ?? 1) - 1) + 1 - o);
  if (total.some((t) => t < 0)) throw ctx.invalid('attribute output_shape', `[${out.join(', ')}]`, 'at most stride x (in - 1) + output_padding + dilation x (kernel - 1) + 1 per axis');
  const start = total.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : t - Math.floor(t / 2)));
  return [start[0] ?? 0, start[1] ?? 0, (total[0] ?? 0) - (start[0] ?? 0), (total[1] ?? 0) - (start[1] ?? 0)];
}

/**
 * ConvTranspose: each input pixel's MVM writes a kernel-sized patch, so it is a 1x1 conv to Cout x kh x kw channels
 * on crossbars (the exact weights, one MVM per input pixel, the exact MACs), then the patches are placed: with
 * kernel = stride and no pads they tile the output (depth to space, a free re-cut: output row i reads input row
 * floor(i / kh)); otherwise they overlap, leave gaps or are cropped, and a col2im layer on the digital unit adds
 * them into the output (one add per patch element; docs/hardware-model.md rule 4). The bias follows on the
 * digital unit.
 */
function convertConvTranspose(ctx: ImportContext, node: OnnxNode): void {
  const raw = ctx.act(node, 0);
  const weight = ctx.constant(node, 1);
  const spatial = spatialOf(ctx, raw);
  const groups = attrInt(node, 'group', 1);
  const [inC = 1, perGroup = 1, kh = 1, kw = 1] = weight.dims;
  if (!(groups >= 1) || inC % groups !== 0) throw ctx.invalid('attribute group', String(groups), `a positive divisor of the weights' ${inC} input channels`);
  const k: Pair = [kh, spatial === 2 ? kw : 1];
  const stride = pair(ctx, node, 'strides', 1, spatial);
  const dilation = pair(ctx, node, 'dilations', 1, spatial);
  // (pair() gives a 1-D window's column 1; no output padding there.)
  const outPad: Pair = [pair(ctx, node, 'output_padding', 0, spatial)[0], spatial === 2 ? pair(ctx, node, 'output_padding', 0, spatial)[1] : 0];
  if (weight.dims.length !== spatial + 2) {
    throw ctx.invalid('input 1 (weights)', `dims [${weight.dims.join(', ')}]`, `a ${spatial + 2}-D [C, Cout/groups, kernel...] constant for a ${spatial + 2}-D input`);
  }
  if (raw.pendingPad) throw ctx.invalid('input 0', 'the output of a Pad node', 'an unpadded tensor');
  const input = ctx.relayout(raw, windowLayout(raw.dims.length));
  const pad = transposePads(ctx, node, spatial, [input.dims[2] ?? 1, input.dims[3] ?? 1], k, stride, dilation, outPad);
  const outC = perGroup * groups;
  const base = ctx.baseName(node);
  const [n = 1, , h = 1, w = 1] = input.dims;
  const patchDims = spatial === 2 ? [n, outC * k[0] * k[1], h, w] : [n, outC * k[0], h];
  const one: Pair = [1, 1];
  const conv = ctx.emit(base, { kind: 'conv', outChannels: outC * k[0] * k[1], kernel: one, stride: one, pad: [0, 0, 0, 0], dilation: one, groups, bias: false }, [input], patchDims, windowLayout(patchDims.length));
  ctx.markQuantized(conv.producer, weight);
  if (inC !== (input.dims[1] ?? 0)) throw ctx.invalid('input 1 (weights)', `dims [${weight.dims.join(', ')}]`, `[${input.dims[1] ?? 0}, Cout/groups, kernel...]`);
  const tiles = k[0] === stride[0] && k[1] === stride[1] && dilation.every((d) => d === 1) && pad.every((p) => p === 0) && outPad.every((p) => p === 0);
  const axis = (len: number, a: 0 | 1): number => stride[a] * (len - 1) + dilation[a] * (k[a] - 1) + 1 + outPad[a] - pad[a] - (a === 0 ? pad[2] : pad[3]);
  const [oh, ow] = [axis(h, 0), spatial === 2 ? axis(w, 1) : 1];
  if (oh < 1 || ow < 1) throw ctx.invalid('attribute pads', `[${pad.join(', ')}]`, `pads that leave at least one output pixel of the ${axis(h, 0) + pad[0] + pad[2]}-row output`);
  const outDims = spatial === 2 ? [n, outC, oh, ow] : [n, outC, oh];
  const shape = { channels: outC, height: oh, width: ow };
  let out = tiles
    ? ctx.emit(`${base}.to_space`, { kind: 'reshape', shape, rows: 'ordered' }, [conv], outDims, windowLayout(outDims.length))
    : ctx.emit(`${base}.col2im`, { kind: 'col2im', outChannels: outC, kernel: k, stride, dilation, pad, outputPadding: outPad }, [conv], outDims, windowLayout(outDims.length));
  checkParamDims(ctx, node, 2, 'bias', [outC], `one per output channel: ${perGroup} per group x ${groups} groups`);
  if (ctx.optional(node, 2)) out = ctx.emit(`${base}.bias`, { kind: 'activation', fn: 'scale', learned: outC }, [out], outDims, windowLayout(outDims.length));
  ctx.set(node.output[0] ?? '', out);
}

function convertPool(op: 'max' | 'avg') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const raw = ctx.act(node, 0);
    if (node.output.length > 1 && node.output[1] !== '' && ctx.readerCount(node.output[1] ?? '') > 0) {
      throw ctx.invalid('output 1 (indices)', 'used by another node', 'unused (only pooled values are supported)');
    }
    const spatial = spatialOf(ctx, raw);
    const kernel = pair(ctx, node, 'kernel_shape', 0, spatial);
    if (kernel[0] < 1 || kernel[1] < 1) throw ctx.invalid('attribute kernel_shape', 'missing', `${spatial} positive value(s)`);
    const w = readWindow(ctx, node, raw, kernel);
    if (w.dilation[0] !== 1 || w.dilation[1] !== 1) throw ctx.invalid('attribute dilations', `[${w.dilation.join(', ')}]`, 'all 1');
    const ceilMode = attrInt(node, 'ceil_mode', 0) === 1;
    const dims = outDims(ctx, w, raw.dims[1] ?? 1, ceilMode);
    ctx.addLayer(node, { kind: 'pool', op, kernel, stride: w.stride, pad: w.pad, global: false, ceilMode }, [w.input], dims, windowLayout(dims.length));
  };
}

function convertGlobalPool(op: 'max' | 'avg') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const raw = ctx.act(node, 0);
    const rank = raw.dims.length;
    spatialOf(ctx, raw);
    const input = ctx.relayout(raw, windowLayout(rank));
    const [h = 1, wd = 1] = [input.dims[2], rank === 4 ? input.dims[3] : 1];
    const dims = rank === 4 ? [1, input.dims[1] ?? 1, 1, 1] : [1, input.dims[1] ?? 1, 1];
    ctx.addLayer(node, { kind: 'pool', op, kernel: [h, wd], stride: [1, 1], pad: [0, 0, 0, 0], global: true, ceilMode: false }, [input], dims, windowLayout(rank));
  };
}

/**
 * Pad: padding of the spatial axes is carried to the next Conv/pool, which absorbs it into its own pads. Reflect
 * and edge padding cost the same as zeros there (the reader addresses mirrored rows instead of zeros).
 */
export function convertPad(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const rank = input.dims.length;
  const mode = attrString(node, 'mode', 'constant');
  let pads = ctx.optional(node, 1) ? ctx.constValues(node, 1) : attrInts(node, 'pads');
  const value = ctx.optional(node, 2) ? (ctx.constValues(node, 2)[0] ?? 0) : attrFloatValue(node);
  if (!['constant', 'reflect', 'edge'].includes(mode) || (mode === 'constant' && value !== 0)) {
    throw ctx.invalid('mode', `'${mode}' with value ${value}`, "'constant' zero padding, 'reflect' or 'edge'");
  }
  if (pads && ctx.optional(node, 3)) {
    // opset 18: pads for the listed axes only.
    const axes = ctx.constValues(node, 3).map((a) => (a < 0 ? a + rank : a));
    const full = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, i) => {
      full[a] = pads?.[i] ?? 0;
      full[a + rank] = pads?.[i + axes.length] ?? 0;
    });
    pads = full;
  }
  if (!pads || pads.length !== 2 * rank) {
    throw ctx.invalid('pads', `[${(pads ?? []).join(', ')}] for a ${rank}-D tensor`, '2 values per axis (begins, then ends)');
  }
  const begin = pads.slice(0, rank);
  const end = pads.slice(rank);
  if (pads.some((p) => p < 0)) throw ctx.invalid('pads', `[${pads.join(', ')}]`, 'non-negative padding (cropping is not supported)');
  const prev = input.pendingPad ?? { begin: new Array<number>(rank).fill(0), end: new Array<number>(rank).fill(0) };
  ctx.set(node.output[0] ?? '', {
    ...input,
    dims: input.dims.map((d, i) => d + (begin[i] ?? 0) + (end[i] ?? 0)),
    pendingPad: { begin: prev.begin.map((p, i) => p + (begin[i] ?? 0)), end: prev.end.map((p, i) => p + (end[i] ?? 0)) },
  });
}

/** opset < 11 Pad carries its fill value as an attribute. */
function attrFloatValue(node: OnnxNode): number {
  const a = node.attribute.find((x) => x.name === 'value');
  return a ? a.f : 0;
}

export const WINDOW_OPS = {
  Conv: convertConv,
  ConvTranspose: convertConvTranspose,
  MaxPool: convertPool('max'),
  AveragePool: convertPool('avg'),
  GlobalAveragePool: convertGlobalPool('avg'),
  GlobalMaxPool: convertGlobalPool('max'),
  Pad: convertPad,
} as const;
