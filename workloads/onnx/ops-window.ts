/** Converters for sliding-window operators: Conv, MaxPool, AveragePool, the global pools, and Pad folding. */
import { attrInt, attrInts, attrString } from './attributes';
import type { ImportContext } from './context';
import type { OnnxNode } from './proto';
import type { ActValue } from './tensors';

type Pad4 = [number, number, number, number];
type Pair = [number, number];

interface Window {
  kernel: Pair;
  stride: Pair;
  dilation: Pair;
  /** [top, left, bottom, right], including a folded Pad node. */
  pad: Pad4;
  /** The input as its producer made it (before a folded Pad). */
  producerDims: number[];
}

/** Output length along one axis, PyTorch's rule (ceil mode drops a window starting in the end padding). */
export function windowLength(inLen: number, lo: number, hi: number, k: number, s: number, d: number, ceil: boolean): number {
  const span = inLen + lo + hi - d * (k - 1) - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= inLen + lo) out -= 1;
  return out;
}

function pair(ctx: ImportContext, node: OnnxNode, name: string, fallback: number): Pair {
  const v = attrInts(node, name);
  if (!v) return [fallback, fallback];
  if (v.length !== 2) throw ctx.invalid(`attribute ${name}`, `[${v.join(', ')}]`, '2 values (only 2-D windows are supported)');
  return [v[0] ?? fallback, v[1] ?? fallback];
}

/** Reads kernel/strides/dilations/pads/auto_pad of a 2-D window over a 4-D input (NCHW). */
function readWindow(ctx: ImportContext, node: OnnxNode, input: ActValue, kernel: Pair): Window {
  if (input.dims.length !== 4) {
    throw ctx.invalid('input 0', `a ${input.dims.length}-D tensor [${input.dims.join(', ')}]`, 'a 4-D NCHW tensor (2-D windows only)');
  }
  const stride = pair(ctx, node, 'strides', 1);
  const dilation = pair(ctx, node, 'dilations', 1);
  const inH = input.dims[2] ?? 1;
  const inW = input.dims[3] ?? 1;
  let pad: Pad4 = [0, 0, 0, 0];
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // Output = ceil(in / stride); the odd pixel of padding goes to the end (UPPER) or the start (LOWER).
    const total = (len: number, i: 0 | 1): number =>
      Math.max(0, (Math.ceil(len / stride[i]) - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - len);
    const th = total(inH, 0);
    const tw = total(inW, 1);
    const small = (t: number): number => Math.floor(t / 2);
    pad =
      autoPad === 'SAME_UPPER'
        ? [small(th), small(tw), th - small(th), tw - small(tw)]
        : [th - small(th), tw - small(tw), small(th), small(tw)];
  } else if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads');
    if (pads) {
      if (pads.length !== 4) throw ctx.invalid('attribute pads', `[${pads.join(', ')}]`, '4 values [top, left, bottom, right]');
      pad = [pads[0] ?? 0, pads[1] ?? 0, pads[2] ?? 0, pads[3] ?? 0];
    }
  } else if (autoPad !== 'VALID') {
    throw ctx.invalid('attribute auto_pad', `'${autoPad}'`, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER');
  }
  let producerDims = input.dims;
  const folded = input.pendingPad;
  if (folded) {
    pad = [pad[0] + folded[0], pad[1] + folded[1], pad[2] + folded[2], pad[3] + folded[3]];
    const [n = 1, c = 1, h = 1, w = 1] = input.dims;
    producerDims = [n, c, h - folded[0] - folded[2], w - folded[1] - folded[3]];
  }
  return { kernel, stride, dilation, pad, producerDims };
}

function outDims(ctx: ImportContext, w: Window, channels: number, ceil: boolean): number[] {
  const [n = 1, , h = 1, wd = 1] = w.producerDims;
  const oh = windowLength(h, w.pad[0], w.pad[2], w.kernel[0], w.stride[0], w.dilation[0], ceil);
  const ow = windowLength(wd, w.pad[1], w.pad[3], w.kernel[1], w.stride[1], w.dilation[1], ceil);
  if (oh < 1 || ow < 1) {
    throw ctx.invalid('window', `kernel ${w.kernel.join('x')} over input ${h}x${wd}`, 'a window that fits the padded input');
  }
  return [n, channels, oh, ow];
}

/** The input without its pending Pad (the layer absorbs it). */
function unpadded(input: ActValue, dims: number[]): ActValue {
  return { kind: 'act', producer: input.producer, dims };
}

export function convertConv(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const weight = ctx.constant(node, 1);
  if (weight.dims.length !== 4) {
    throw ctx.invalid('input 1 (weights)', `dims [${weight.dims.join(', ')}]`, 'a 4-D [M, C/groups, kH, kW] constant (2-D convolution only)');
  }
  const [outChannels = 1, , kh = 1, kw = 1] = weight.dims;
  const kernel = pair(ctx, node, 'kernel_shape', 0);
  const k: Pair = kernel[0] > 0 ? kernel : [kh, kw];
  const w = readWindow(ctx, node, input, k);
  const groups = attrInt(node, 'group', 1);
  const bias = ctx.optional(node, 2) !== undefined;
  ctx.addLayer(
    node,
    { kind: 'conv', outChannels, kernel: k, stride: w.stride, pad: w.pad, dilation: w.dilation, groups, bias },
    [unpadded(input, w.producerDims)],
    outDims(ctx, w, outChannels, false),
  );
}

function convertPool(op: 'max' | 'avg') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const input = ctx.act(node, 0);
    if (node.output.length > 1 && node.output[1] !== '' && ctx.readerCount(node.output[1] ?? '') > 0) {
      throw ctx.invalid('output 1 (indices)', 'used by another node', 'unused (only pooled values are supported)');
    }
    const kernel = pair(ctx, node, 'kernel_shape', 0);
    if (kernel[0] < 1 || kernel[1] < 1) throw ctx.invalid('attribute kernel_shape', 'missing', '2 positive values');
    const w = readWindow(ctx, node, input, kernel);
    if (w.dilation[0] !== 1 || w.dilation[1] !== 1) throw ctx.invalid('attribute dilations', `[${w.dilation.join(', ')}]`, '[1, 1]');
    const ceilMode = attrInt(node, 'ceil_mode', 0) === 1;
    const channels = input.dims[1] ?? 1;
    ctx.addLayer(
      node,
      { kind: 'pool', op, kernel, stride: w.stride, pad: w.pad, global: false, ceilMode },
      [unpadded(input, w.producerDims)],
      outDims(ctx, w, channels, ceilMode),
    );
  };
}

function convertGlobalPool(op: 'max' | 'avg') {
  return (ctx: ImportContext, node: OnnxNode): void => {
    const input = ctx.act(node, 0);
    if (input.dims.length !== 4) throw ctx.invalid('input 0', `[${input.dims.join(', ')}]`, 'a 4-D NCHW tensor');
    const [n = 1, c = 1, h = 1, wd = 1] = input.dims;
    ctx.addLayer(
      node,
      { kind: 'pool', op, kernel: [h, wd], stride: [1, 1], pad: [0, 0, 0, 0], global: true, ceilMode: false },
      [input],
      [n, c, 1, 1],
    );
  };
}

/** Pad: zero padding of H and W is carried to the next Conv/pool, which absorbs it into its own pads. */
export function convertPad(ctx: ImportContext, node: OnnxNode): void {
  const input = ctx.act(node, 0);
  const mode = attrString(node, 'mode', 'constant');
  const pads = ctx.optional(node, 1) ? ctx.constValues(node, 1) : attrInts(node, 'pads');
  const value = ctx.optional(node, 2) ? (ctx.constValues(node, 2)[0] ?? 0) : 0;
  if (mode !== 'constant' || value !== 0) throw ctx.invalid('mode', `'${mode}' with value ${value}`, "'constant' zero padding");
  if (ctx.optional(node, 3)) throw ctx.invalid('input 3 (axes)', 'present', 'absent (pads for all 4 axes)');
  if (!pads || pads.length !== 8 || input.dims.length !== 4) {
    throw ctx.invalid('pads', `[${(pads ?? []).join(', ')}]`, '8 values for a 4-D NCHW tensor');
  }
  const [nb = 0, cb = 0, top = 0, left = 0, ne = 0, ce = 0, bottom = 0, right = 0] = pads;
  if (nb !== 0 || cb !== 0 || ne !== 0 || ce !== 0 || [top, left, bottom, right].some((p) => p < 0)) {
    throw ctx.invalid('pads', `[${pads.join(', ')}]`, 'non-negative padding of height and width only');
  }
  const [n = 1, c = 1, h = 1, w = 1] = input.dims;
  const prev = input.pendingPad ?? [0, 0, 0, 0];
  ctx.set(node.output[0] ?? '', {
    kind: 'act',
    producer: input.producer,
    dims: [n, c, h + top + bottom, w + left + right],
    pendingPad: [prev[0] + top, prev[1] + left, prev[2] + bottom, prev[3] + right],
  });
}

export const WINDOW_OPS = {
  Conv: convertConv,
  MaxPool: convertPool('max'),
  AveragePool: convertPool('avg'),
  GlobalAveragePool: convertGlobalPool('avg'),
  GlobalMaxPool: convertGlobalPool('max'),
  Pad: convertPad,
} as const;
