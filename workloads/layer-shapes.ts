/** Each layer kind's output shape (with parameters and MACs where it has weights or products), and its shape checks. */
import { ShapeError } from '../errors';
import { recurrentGates, type Col2imLayer, type ConvLayer, type FcLayer, type MatMulLayer, type PoolLayer, type ReduceLayer, type ResizeLayer, type Shape } from './types';

/** Formats a shape as `CxHxW`, the way error messages print it. */
export function formatShape(shape: Shape): string {
  return `${shape.channels}x${shape.height}x${shape.width}`;
}

/** Number of elements of one tensor of this shape. */
export function shapeSize(shape: Shape): number {
  return shape.channels * shape.height * shape.width;
}

/** Output length of a sliding window along one axis (PyTorch's formula, including ceil_mode's last-window rule). */
function windowOut(inLen: number, padLo: number, padHi: number, kernel: number, stride: number, dilation: number, ceilMode: boolean): number {
  const span = inLen + padLo + padHi - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch drops a last window that would start entirely in the bottom/right padding.
  if (ceilMode && (out - 1) * stride >= inLen + padLo) out -= 1;
  return out;
}

export function convOut(source: string, layer: ConvLayer, input: Shape, producer: string): { outShape: Shape; params: number; macs: number } {
  const inC = input.channels;
  if (inC % layer.groups !== 0 || layer.outChannels % layer.groups !== 0) {
    throw new ShapeError(
      `${source}: layer '${layer.name}': groups ${layer.groups} must divide both its input channels ${inC} (from '${producer}') ` +
        `and its output channels ${layer.outChannels}.`,
    );
  }
  const [kh, kw] = layer.kernel;
  const [sh, sw] = layer.stride;
  const [dh, dw] = layer.dilation;
  const [pt, pl, pb, pr] = layer.pad;
  const height = windowOut(input.height, pt, pb, kh, sh, dh, false);
  const width = windowOut(input.width, pl, pr, kw, sw, dw, false);
  if (height < 1 || width < 1) {
    throw new ShapeError(
      `${source}: layer '${layer.name}': kernel ${kh}x${kw} (dilation ${dh}x${dw}) does not fit its padded input ` +
        `${formatShape(input)} from '${producer}' (pad [${layer.pad.join(', ')}]); output would be ${height}x${width}.`,
    );
  }
  const outShape: Shape = { channels: layer.outChannels, height, width };
  if (layer.recurrent) {
    const { cell, directions } = layer.recurrent;
    if (kh !== 1 || kw !== 1 || input.width !== 1 || layer.groups !== 1 || layer.outChannels % directions !== 0) {
      throw new ShapeError(
        `${source}: layer '${layer.name}' (${cell}) must be a 1x1, ungrouped layer over a sequence (width 1) with outChannels a multiple of its ${directions} direction(s); ` +
          `it has kernel ${kh}x${kw}, groups ${layer.groups}, input ${formatShape(input)} from '${producer}'.`,
      );
    }
    // Per direction gates x hidden x (F + hidden) weights: W (input) and R (recurrence); two bias vectors (ONNX Wb, Rb).
    const gates = recurrentGates(cell);
    const weights = gates * layer.outChannels * (inC + layer.outChannels / directions);
    return { outShape, params: weights + (layer.bias ? 2 * gates * layer.outChannels : 0), macs: weights * height };
  }
  const weights = layer.outChannels * (inC / layer.groups) * kh * kw;
  const params = weights + (layer.bias ? layer.outChannels : 0);
  return { outShape, params, macs: weights * height * width };
}

export function fcOut(layer: FcLayer, input: Shape): { outShape: Shape; params: number; macs: number } {
  const inFeatures = shapeSize(input);
  const weights = inFeatures * layer.outFeatures;
  return {
    outShape: { channels: layer.outFeatures, height: 1, width: 1 },
    params: weights + (layer.bias ? layer.outFeatures : 0),
    macs: weights,
  };
}

export function poolOut(source: string, layer: PoolLayer, input: Shape, producer: string): Shape {
  if (layer.global) return { channels: input.channels, height: 1, width: 1 };
  const [kh, kw] = layer.kernel;
  const [sh, sw] = layer.stride;
  const [pt, pl, pb, pr] = layer.pad;
  const height = windowOut(input.height, pt, pb, kh, sh, 1, layer.ceilMode);
  const width = windowOut(input.width, pl, pr, kw, sw, 1, layer.ceilMode);
  if (height < 1 || width < 1) {
    throw new ShapeError(
      `${source}: layer '${layer.name}': pooling window ${kh}x${kw} does not fit its input ${formatShape(input)} from '${producer}'; ` +
        `output would be ${height}x${width}.`,
    );
  }
  return { channels: input.channels, height, width };
}

/** Output of an element-wise op: per axis the largest size; each input has it, or 1 (channels: or a divisor). */
export function broadcastShape(shapes: Shape[]): Shape | undefined {
  const out: Shape = {
    channels: Math.max(...shapes.map((s) => s.channels)),
    height: Math.max(...shapes.map((s) => s.height)),
    width: Math.max(...shapes.map((s) => s.width)),
  };
  const fits = (v: number, o: number, divisor: boolean): boolean => v === o || v === 1 || (divisor && o % v === 0);
  return shapes.every((s) => fits(s.channels, out.channels, true) && fits(s.height, out.height, false) && fits(s.width, out.width, false))
    ? out
    : undefined;
}

export function matmulOut(source: string, layer: MatMulLayer, a: Shape, b: Shape): { outShape: Shape; macs: number } {
  const h = layer.heads;
  const fail = (why: string): ShapeError =>
    new ShapeError(`${source}: layer '${layer.name}' (matmul, ${h} head(s), transB ${layer.transB}): ${why} (A ${formatShape(a)}, B ${formatShape(b)}).`);
  if (b.width !== 1) throw fail('B must have one column');
  if (a.channels % h !== 0 || b.channels % h !== 0) throw fail(`the heads must divide both inputs' channels`);
  // transB: B rows are the output columns (K^T); else B rows are the contracted axis (V).
  const k = layer.transB ? b.channels / h : b.height;
  const n = layer.transB ? b.height : b.channels / h;
  if (a.channels !== h * k) throw fail(`A's channels must be heads x ${k} (the contracted size)`);
  const outShape = { channels: h * n, height: a.height, width: a.width };
  if (layer.causal !== true) return { outShape, macs: a.height * a.width * h * n * k };
  // Causal: row i pairs with B rows 0..i only, i + 1 of the T keys (Q.K^T) or values (A.V).
  if (b.height !== a.height) throw fail('a causal product needs as many rows in B as in A (one per token)');
  const pairs = (a.height * (a.height + 1)) / 2;
  return { outShape, macs: pairs * a.width * h * (layer.transB ? k : n) };
}

export function reduceOut(source: string, layer: ReduceLayer, input: Shape): Shape {
  if (layer.axes.includes('channels') && input.channels % layer.groups !== 0) {
    throw new ShapeError(`${source}: layer '${layer.name}' (reduce ${layer.op}): groups ${layer.groups} must divide its input channels ${input.channels}.`);
  }
  return {
    channels: layer.axes.includes('channels') ? layer.groups : input.channels,
    height: layer.axes.includes('height') ? 1 : input.height,
    width: layer.axes.includes('width') ? 1 : input.width,
  };
}

export function resizeOut(source: string, layer: ResizeLayer, input: Shape): Shape {
  const out = { channels: input.channels, height: Math.floor(input.height * layer.scale[0] + 1e-9), width: Math.floor(input.width * layer.scale[1] + 1e-9) };
  if (out.height < 1 || out.width < 1) {
    throw new ShapeError(`${source}: layer '${layer.name}' (resize x[${layer.scale.join(', ')}]) makes ${formatShape(out)} from ${formatShape(input)}.`);
  }
  return out;
}

/** ConvTranspose's output per axis: stride x (in - 1) + dilation x (kernel - 1) + 1 + outputPadding - pads. */
export function col2imOut(source: string, layer: Col2imLayer, input: Shape): Shape {
  const [kh, kw] = layer.kernel;
  if (input.channels !== layer.outChannels * kh * kw) {
    throw new ShapeError(`${source}: layer '${layer.name}' (col2im ${layer.outChannels} x ${kh}x${kw}) reads ${formatShape(input)}: its channels must be ${layer.outChannels * kh * kw}.`);
  }
  const axis = (inLen: number, a: 0 | 1): number =>
    layer.stride[a] * (inLen - 1) + layer.dilation[a] * (layer.kernel[a] - 1) + 1 + layer.outputPadding[a] - layer.pad[a] - (a === 0 ? layer.pad[2] : layer.pad[3]);
  const out = { channels: layer.outChannels, height: axis(input.height, 0), width: axis(input.width, 1) };
  if (out.height < 1 || out.width < 1) {
    throw new ShapeError(`${source}: layer '${layer.name}' (col2im, pads [${layer.pad.join(', ')}]) crops ${formatShape(input)} to ${formatShape(out)}.`);
  }
  return out;
}
