/**
 * A small float32 forward pass over a resolved network with trained weights (conv, fc, pooling, ReLU, flatten,
 * residual add), one image at a time, with optional quantization of each weighted layer's input. It replaces a
 * deep-learning runtime at evaluation time: LeNet-sized networks need ~0.4 M multiply-accumulates per image, and
 * plain loops over typed arrays do that in well under a millisecond.
 */
import { ValidationError } from '../../../errors';
import type { ResolvedNetwork } from '../../../workloads/types';
import type { TrainedWeights } from './weights';

/** Weights (possibly quantized) of one weighted layer, in the layouts of weights.ts; fc weights transposed. */
export interface LayerParams {
  /** As stored: conv [out, in/groups, kh, kw], fc [out, in]; toRuntimeLayout reorders them for the loops. */
  weight: Float32Array;
  bias: Float32Array | undefined;
}

/** How the input of weighted layer p is quantized (absent: left in float). */
export interface InputQuantizer {
  bits: number;
  clip: number;
}

export interface CompiledNetwork {
  net: ResolvedNetwork;
  /** One output buffer per layer (reused across images). */
  buffers: Float32Array[];
  /** Scratch input buffer per weighted layer position (its quantized input). */
  scratch: Float32Array[];
  /** Position among the weighted layers of each layer index (-1 for others). */
  weightedPos: number[];
  /** Channel-last accumulator per weighted layer position (conv outputs). */
  hwc: Float32Array[];
  inputSize: number;
}

const SUPPORTED = 'conv, fc, max/avg pool, relu/relu6, flatten/identity/dropout, eltwise add';

export function compileNetwork(net: ResolvedNetwork, source: string): CompiledNetwork {
  const weightedPos = net.layers.map(() => -1);
  net.weightedIndices.forEach((li, p) => (weightedPos[li] = p));
  for (const rl of net.layers) {
    const l = rl.layer;
    const ok =
      l.kind === 'conv' ||
      l.kind === 'fc' ||
      l.kind === 'pool' ||
      (l.kind === 'activation' && (l.fn === 'relu' || l.fn === 'relu6')) ||
      (l.kind === 'pass' && l.fn !== 'batchnorm') ||
      (l.kind === 'eltwise' && l.op === 'add');
    if (!ok) throw new ValidationError(source, `layers.${l.name}`, l.kind, `a layer the measured forward pass runs (${SUPPORTED})`);
  }
  const size = (s: { channels: number; height: number; width: number }): number => s.channels * s.height * s.width;
  return {
    net,
    buffers: net.layers.map((rl) => new Float32Array(size(rl.outShape))),
    scratch: net.weightedIndices.map((li) => new Float32Array(size(net.layers[li]?.inShapes[0] ?? { channels: 0, height: 0, width: 0 }))),
    weightedPos,
    hwc: net.weightedIndices.map((li) => new Float32Array(size(net.layers[li]?.outShape ?? { channels: 0, height: 0, width: 0 }))),
    inputSize: size(net.network.input),
  };
}

/** Float parameters of each weighted layer from trained weights, checked against the network's shapes. */
export function floatParams(net: ResolvedNetwork, w: TrainedWeights, source: string): LayerParams[] {
  return net.weightedIndices.map((li) => {
    const rl = net.layers[li];
    if (!rl) throw new Error(`bad weighted index ${li}`);
    const l = rl.layer;
    const t = Object.prototype.hasOwnProperty.call(w.layers, l.name) ? w.layers[l.name] : undefined;
    if (!t) throw new ValidationError(source, `layers.${l.name}`, 'missing', `trained weights for every weighted layer of ${net.network.name}`);
    const inShape = rl.inShapes[0] ?? { channels: 0, height: 0, width: 0 };
    const expected =
      l.kind === 'conv'
        ? [l.outChannels, inShape.channels / l.groups, l.kernel[0], l.kernel[1]]
        : [rl.outShape.channels, inShape.channels * inShape.height * inShape.width];
    if (t.weightShape.join('x') !== expected.join('x')) {
      throw new ValidationError(source, `layers.${l.name}.weightShape`, t.weightShape.join('x'), expected.join('x'));
    }
    const outCount = expected[0] as number;
    if (t.bias && t.bias.length !== outCount) throw new ValidationError(source, `layers.${l.name}.bias`, `${t.bias.length} values`, `${outCount}`);
    return { weight: t.weight, bias: t.bias };
  });
}

/**
 * Weights in the layouts the loops want, applied after quantization: fc [out, in] -> [in, out]; conv
 * [out, in/g, kh, kw] -> per group [in/g, kh, kw, out/g].
 */
export function toRuntimeLayout(net: ResolvedNetwork, params: LayerParams[]): LayerParams[] {
  return params.map((p, pos) => {
    const rl = net.layers[net.weightedIndices[pos] ?? -1];
    const l = rl?.layer;
    if (l?.kind === 'conv') {
      const coutG = l.outChannels / l.groups;
      const k = p.weight.length / l.outChannels; // (in/g) * kh * kw
      const t = new Float32Array(p.weight.length);
      for (let o = 0; o < l.outChannels; o++) {
        const g = Math.floor(o / coutG);
        for (let r = 0; r < k; r++) t[(g * k + r) * coutG + (o - g * coutG)] = p.weight[o * k + r] as number;
      }
      return { weight: t, bias: p.bias };
    }
    if (rl?.layer.kind !== 'fc') return p;
    const nout = rl.outShape.channels;
    const nin = p.weight.length / nout;
    const t = new Float32Array(p.weight.length);
    for (let o = 0; o < nout; o++) for (let i = 0; i < nin; i++) t[i * nout + o] = p.weight[o * nin + i] as number;
    return { weight: t, bias: p.bias };
  });
}

/**
 * Convolution by scattering each non-zero input value into the outputs it feeds. Inputs are mostly zero (MNIST
 * pixels ~80%, post-ReLU maps about half), so this does a fraction of the multiply-accumulates of a dense loop.
 * `wt` holds the weights as [in/groups][kh][kw][out/groups] per group, so the innermost loop runs over output
 * channels.
 */
function conv(rl: ResolvedNetwork['layers'][number], x: Float32Array, y: Float32Array, bias: Float32Array | undefined, wt: Float32Array, hwc: Float32Array): void {
  const l = rl.layer;
  if (l.kind !== 'conv') return;
  const inS = rl.inShapes[0] as { channels: number; height: number; width: number };
  const { channels: cout, height: hout, width: wout } = rl.outShape;
  const [kh, kw] = l.kernel;
  const [sy, sx] = l.stride;
  const [dy, dx] = l.dilation;
  const [pt, pl] = l.pad;
  const cinG = inS.channels / l.groups;
  const coutG = cout / l.groups;
  const plane = hout * wout;
  // Accumulate channel-last (HWC) so the innermost loop over output channels is contiguous; transposed at the end.
  hwc.fill(0);
  for (let cIn = 0; cIn < inS.channels; cIn++) {
    const g = Math.floor(cIn / cinG);
    const ci = cIn - g * cinG;
    const o0 = g * coutG;
    for (let iy = 0; iy < inS.height; iy++) {
      for (let ix = 0; ix < inS.width; ix++) {
        const v = x[(cIn * inS.height + iy) * inS.width + ix] as number;
        if (v === 0) continue;
        for (let ky = 0; ky < kh; ky++) {
          const ny = iy + pt - ky * dy;
          if (ny < 0 || ny % sy !== 0) continue;
          const oy = ny / sy;
          if (oy >= hout) continue;
          for (let kx = 0; kx < kw; kx++) {
            const nx = ix + pl - kx * dx;
            if (nx < 0 || nx % sx !== 0) continue;
            const ox = nx / sx;
            if (ox >= wout) continue;
            const wBase = (((g * cinG + ci) * kh + ky) * kw + kx) * coutG;
            const yBase = (oy * wout + ox) * cout + o0;
            // NOTE: hot loop; plain indexed typed-array arithmetic is what V8 optimises best.
            for (let o = 0; o < coutG; o++) hwc[yBase + o] = (hwc[yBase + o] as number) + v * (wt[wBase + o] as number);
          }
        }
      }
    }
  }
  for (let o = 0; o < cout; o++) {
    const b = bias ? (bias[o] as number) : 0;
    for (let q = 0; q < plane; q++) y[o * plane + q] = (hwc[q * cout + o] as number) + b;
  }
}

function fc(x: Float32Array, y: Float32Array, p: LayerParams): void {
  const nout = y.length;
  if (p.bias) y.set(p.bias);
  else y.fill(0);
  const w = p.weight;
  for (let i = 0; i < x.length; i++) {
    const xv = x[i] as number;
    if (xv === 0) continue; // most inputs are zero after ReLU
    const base = i * nout;
    for (let o = 0; o < nout; o++) y[o] = (y[o] as number) + xv * (w[base + o] as number);
  }
}

function pool(rl: ResolvedNetwork['layers'][number], x: Float32Array, y: Float32Array): void {
  const l = rl.layer;
  if (l.kind !== 'pool') return;
  const inS = rl.inShapes[0] as { channels: number; height: number; width: number };
  const { channels, height: hout, width: wout } = rl.outShape;
  const [kh, kw] = l.global ? [inS.height, inS.width] : l.kernel;
  const [sy, sx] = l.global ? [1, 1] : l.stride;
  const [pt, pl] = l.global ? [0, 0] : l.pad;
  const isMax = l.op === 'max';
  const lowest = -Number.MAX_VALUE;
  for (let c = 0; c < channels; c++) {
    const inBase = c * inS.height * inS.width;
    for (let oy = 0; oy < hout; oy++) {
      for (let ox = 0; ox < wout; ox++) {
        let acc = isMax ? lowest : 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sy + ky - pt;
          if (iy < 0 || iy >= inS.height) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sx + kx - pl;
            if (ix < 0 || ix >= inS.width) continue;
            const v = x[inBase + iy * inS.width + ix] as number;
            if (!isMax) acc += v;
            else if (v > acc) acc = v;
          }
        }
        // Average pooling divides by the full kernel (PyTorch's count_include_pad default).
        y[(c * hout + oy) * wout + ox] = isMax ? acc : acc / (kh * kw);
      }
    }
  }
}

/**
 * Runs one image (C x H x W floats) and returns the last layer's output buffer (valid until the next call).
 * `quant[p]` quantizes the input of weighted layer p; `quantize` does it in place on the scratch copy.
 */
export function forward(
  c: CompiledNetwork,
  params: readonly LayerParams[],
  image: Float32Array,
  quant: readonly (InputQuantizer | undefined)[],
  quantize: (x: Float32Array, bits: number, clip: number) => void,
  fromLayer = 0,
  toLayer = c.net.layers.length - 1,
): Float32Array {
  const { net, buffers } = c;
  const inputOf = (idx: number): Float32Array => (idx < 0 ? image : (buffers[idx] as Float32Array));
  for (let li = fromLayer; li <= toLayer; li++) {
    const rl = net.layers[li] as ResolvedNetwork['layers'][number];
    const y = buffers[li] as Float32Array;
    const x0 = inputOf(rl.inputIndices[0] ?? -1);
    const l = rl.layer;
    const pos = c.weightedPos[li] ?? -1;
    if (pos >= 0) {
      let x = x0;
      const q = quant[pos];
      if (q) {
        x = c.scratch[pos] as Float32Array;
        x.set(x0);
        quantize(x, q.bits, q.clip);
      }
      const p = params[pos] as LayerParams;
      if (l.kind === 'conv') conv(rl, x, y, p.bias, p.weight, c.hwc[pos] as Float32Array);
      else fc(x, y, p);
    } else if (l.kind === 'pool') {
      pool(rl, x0, y);
    } else if (l.kind === 'activation') {
      const cap = l.fn === 'relu6' ? 6 : Number.MAX_VALUE;
      // NOTE: no Math.* or global lookups in per-element loops: under jest's vm sandbox each is a slow global access.
      for (let i = 0; i < y.length; i++) {
        const v = x0[i] as number;
        y[i] = v > 0 ? (v < cap ? v : cap) : 0;
      }
    } else if (l.kind === 'eltwise') {
      y.set(x0);
      for (let k = 1; k < rl.inputIndices.length; k++) {
        const xk = inputOf(rl.inputIndices[k] ?? -1);
        for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + (xk[i] as number);
      }
    } else {
      y.set(x0);
    }
  }
  return buffers[toLayer] as Float32Array;
}

/**
 * Where a run can be split for prefix caching: the first weighted layer P whose own and later weighted layers hold
 * at most `suffixShare` of the multiply-accumulates, provided everything from P on reads only layers from P on
 * or P's single producer (true of chains like LeNet; false across a residual connection). The producer's output,
 * which depends only on the bits of weighted layers before P, can then be stored per image and replayed.
 */
export function prefixSplit(net: ResolvedNetwork, suffixShare = 0.25): { weightedPos: number; startLayer: number; producer: number } | undefined {
  const macs = net.weightedIndices.map((li) => net.layers[li]?.macs ?? 0);
  const total = macs.reduce((a, b) => a + b, 0);
  for (let p = 1; p < macs.length; p++) {
    const suffix = macs.slice(p).reduce((a, b) => a + b, 0);
    if (suffix > suffixShare * total) continue;
    const startLayer = net.weightedIndices[p] as number;
    const producer = net.layers[startLayer]?.inputIndices[0] ?? -1;
    if (producer < 0) return undefined;
    const closed = net.layers.slice(startLayer).every((rl) => rl.inputIndices.every((i) => i >= startLayer || i === producer));
    // Layers between the producer and P (none in a chain) would not be replayed.
    return closed && producer === startLayer - 1 ? { weightedPos: p, startLayer, producer } : undefined;
  }
  return undefined;
}

export function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best;
}
