/**
 * A small multilayer perceptron with Adam, for the DDPG actor and critic. Hidden layers use ReLU; the output is
 * linear or sigmoid. Weights are row-major [out][in] in one contiguous Float32Array per layer; batches are
 * row-major [sample][feature]. NOTE: written for speed, since a search runs tens of thousands of minibatch
 * updates: every buffer is allocated once per batch size, and the three products (forward, weight gradient,
 * input gradient) are register-blocked (4 samples x 2 outputs, 2 outputs x 4 inputs, 2 samples x 4 inputs) so
 * each loaded value feeds several independent accumulators (a single running sum is bound by the add latency). Float32 halves the memory traffic; the sums
 * are formed in double precision (JavaScript arithmetic), so only storage is rounded.
 */
export type OutputActivation = 'linear' | 'sigmoid';

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

type Vec = Float32Array;
const Vec = Float32Array;

export class Mlp {
  readonly sizes: readonly number[];
  readonly weights: Vec[];
  readonly biases: Vec[];
  private readonly gradW: Vec[];
  private readonly gradB: Vec[];
  private readonly mW: Vec[];
  private readonly vW: Vec[];
  private readonly mB: Vec[];
  private readonly vB: Vec[];
  private step = 0;
  /** Per-layer activations of the last forward pass (index 0 = input), sized for `capacity` rows. */
  private acts: Vec[] = [];
  /** Per-layer deltas of the backward pass (index k = gradient at layer k's output). */
  private deltas: Vec[] = [];
  private capacity = 0;
  private batch = 0;

  constructor(
    sizes: readonly number[],
    readonly output: OutputActivation,
    random: () => number,
    /** Uniform range of the last layer's initial weights (DDPG: 3e-3). */
    finalInit = 3e-3,
  ) {
    this.sizes = [...sizes];
    this.weights = [];
    this.biases = [];
    for (let k = 0; k + 1 < sizes.length; k++) {
      const fanIn = sizes[k] ?? 1;
      const fanOut = sizes[k + 1] ?? 1;
      const last = k + 2 === sizes.length;
      const bound = last ? finalInit : 1 / Math.sqrt(fanIn);
      const w = new Vec(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * random() - 1) * bound;
      const b = new Vec(fanOut);
      for (let i = 0; i < b.length; i++) b[i] = (2 * random() - 1) * bound;
      this.weights.push(w);
      this.biases.push(b);
    }
    const zeros = (arrays: Vec[]): Vec[] => arrays.map((a) => new Vec(a.length));
    this.gradW = zeros(this.weights);
    this.gradB = zeros(this.biases);
    this.mW = zeros(this.weights);
    this.vW = zeros(this.weights);
    this.mB = zeros(this.biases);
    this.vB = zeros(this.biases);
  }

  get inputSize(): number {
    return this.sizes[0] ?? 0;
  }

  get outputSize(): number {
    return this.sizes[this.sizes.length - 1] ?? 0;
  }

  private reserve(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    this.acts = this.sizes.map((n) => new Vec(batch * n));
    this.deltas = this.sizes.map((n) => new Vec(batch * n));
  }

  /** Forward pass of `batch` rows of `input`; keeps activations for backward(). Returns a view of the output. */
  forward(input: ArrayLike<number>, batch: number): Vec {
    this.reserve(batch);
    this.batch = batch;
    const x0 = this.acts[0] as Vec;
    const n0 = batch * this.inputSize;
    for (let i = 0; i < n0; i++) x0[i] = input[i] as number;
    const layers = this.weights.length;
    for (let k = 0; k < layers; k++) {
      const last = k + 1 === layers;
      affine(this.acts[k] as Vec, this.weights[k] as Vec, this.biases[k] as Vec, this.acts[k + 1] as Vec, batch, this.sizes[k] ?? 0, this.sizes[k + 1] ?? 0, !last);
    }
    const y = this.acts[layers] as Vec;
    const nOut = batch * this.outputSize;
    if (this.output === 'sigmoid') for (let i = 0; i < nOut; i++) y[i] = 1 / (1 + Math.exp(-(y[i] as number)));
    return y.subarray(0, nOut);
  }

  /**
   * Backward pass from d(loss)/d(output) of the last forward(). Accumulates weight gradients when `accumulate`
   * (else only propagates). Returns d(loss)/d(input) for input columns [inputFrom, inputTo) as a [batch][width]
   * view (width 0 skips the input layer's product, for callers that need only the weight gradients).
   */
  backward(gradOutput: ArrayLike<number>, accumulate = true, inputFrom = 0, inputTo = this.inputSize): Vec {
    const batch = this.batch;
    const layers = this.weights.length;
    const top = this.deltas[layers] as Vec;
    const nTop = batch * this.outputSize;
    const y = this.acts[layers] as Vec;
    for (let i = 0; i < nTop; i++) {
      const g = gradOutput[i] as number;
      if (this.output === 'sigmoid') {
        const v = y[i] as number;
        top[i] = g * v * (1 - v);
      } else top[i] = g;
    }
    for (let k = layers - 1; k >= 0; k--) {
      const nIn = this.sizes[k] ?? 0;
      const nOut = this.sizes[k + 1] ?? 0;
      const delta = this.deltas[k + 1] as Vec;
      const x = this.acts[k] as Vec;
      if (accumulate) {
        weightGradient(delta, x, this.gradW[k] as Vec, batch, nIn, nOut);
        const gb = this.gradB[k] as Vec;
        for (let s = 0; s < batch; s++) for (let o = 0; o < nOut; o++) gb[o] = (gb[o] as number) + (delta[s * nOut + o] as number);
      }
      const dx = this.deltas[k] as Vec;
      if (k > 0) {
        inputGradient(delta, this.weights[k] as Vec, dx, batch, nIn, nOut, 0, nIn);
        // Through the ReLU of this layer's input (the network's input has none).
        const n = batch * nIn;
        for (let i = 0; i < n; i++) if ((x[i] as number) <= 0) dx[i] = 0;
      } else if (inputTo > inputFrom) {
        inputGradient(delta, this.weights[k] as Vec, dx, batch, nIn, nOut, inputFrom, inputTo);
      }
    }
    return (this.deltas[0] as Vec).subarray(0, inputTo > inputFrom ? batch * (inputTo - inputFrom) : 0);
  }

  /** One Adam step with the accumulated gradients (averaged over `batch`), then clears them. */
  adamStep(settings: AdamSettings, batch: number): void {
    this.step++;
    const { lr, beta1, beta2, eps } = settings;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    const scale = 1 / batch;
    for (let k = 0; k < this.weights.length; k++) {
      adamUpdate(this.weights[k] as Vec, this.gradW[k] as Vec, this.mW[k] as Vec, this.vW[k] as Vec, scale, lr / c1, 1 / c2, beta1, beta2, eps);
      adamUpdate(this.biases[k] as Vec, this.gradB[k] as Vec, this.mB[k] as Vec, this.vB[k] as Vec, scale, lr / c1, 1 / c2, beta1, beta2, eps);
    }
  }

  /** Layer k's weight from input i to output o (layout-independent; for tests and inspection). */
  weightAt(k: number, o: number, i: number): number {
    return this.weights[k]?.[o * (this.sizes[k] ?? 0) + i] ?? NaN;
  }

  /** The accumulated gradient of weightAt(k, o, i), summed over the batch (cleared by adamStep). */
  gradientAt(k: number, o: number, i: number): number {
    return this.gradW[k]?.[o * (this.sizes[k] ?? 0) + i] ?? NaN;
  }

  /** The accumulated gradient of layer k's bias o, summed over the batch. */
  biasGradientAt(k: number, o: number): number {
    return this.gradB[k]?.[o] ?? NaN;
  }

  /** Clears accumulated gradients without stepping. */
  zeroGrad(): void {
    for (const g of this.gradW) g.fill(0);
    for (const g of this.gradB) g.fill(0);
  }

  /** this <- tau * source + (1 - tau) * this (soft target update); tau = 1 copies. */
  blendFrom(source: Mlp, tau: number): void {
    for (let k = 0; k < this.weights.length; k++) {
      blend(this.weights[k] as Vec, source.weights[k] as Vec, tau);
      blend(this.biases[k] as Vec, source.biases[k] as Vec, tau);
    }
  }
}

function blend(dst: Vec, src: Vec, tau: number): void {
  const keep = 1 - tau;
  for (let i = 0; i < dst.length; i++) dst[i] = tau * (src[i] as number) + keep * (dst[i] as number);
}

function adamUpdate(p: Vec, g: Vec, m: Vec, v: Vec, scale: number, step: number, c2inv: number, beta1: number, beta2: number, eps: number): void {
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < p.length; i++) {
    const gi = (g[i] as number) * scale;
    const mi = beta1 * (m[i] as number) + a1 * gi;
    const vi = beta2 * (v[i] as number) + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = (p[i] as number) - (step * mi) / (Math.sqrt(vi * c2inv) + eps);
    g[i] = 0;
  }
}

/** y[s][o] = b[o] + sum_i x[s][i] w[o][i], then ReLU when `relu`; blocks of 4 samples x 2 outputs. */
function affine(x: Vec, w: Vec, b: Vec, y: Vec, batch: number, nIn: number, nOut: number, relu: boolean): void {
  let s = 0;
  for (; s + 4 <= batch; s += 4) {
    const x0 = s * nIn;
    const x1 = x0 + nIn;
    const x2 = x1 + nIn;
    const x3 = x2 + nIn;
    let o = 0;
    for (; o + 2 <= nOut; o += 2) {
      const wo = o * nIn;
      const wp = wo + nIn;
      const bo = b[o] as number;
      const bp = b[o + 1] as number;
      let a0 = bo;
      let a1 = bo;
      let a2 = bo;
      let a3 = bo;
      let c0 = bp;
      let c1 = bp;
      let c2 = bp;
      let c3 = bp;
      for (let i = 0; i < nIn; i++) {
        const wi = w[wo + i] as number;
        const vi = w[wp + i] as number;
        const u0 = x[x0 + i] as number;
        const u1 = x[x1 + i] as number;
        const u2 = x[x2 + i] as number;
        const u3 = x[x3 + i] as number;
        a0 += u0 * wi;
        a1 += u1 * wi;
        a2 += u2 * wi;
        a3 += u3 * wi;
        c0 += u0 * vi;
        c1 += u1 * vi;
        c2 += u2 * vi;
        c3 += u3 * vi;
      }
      if (relu) {
        a0 = a0 > 0 ? a0 : 0;
        a1 = a1 > 0 ? a1 : 0;
        a2 = a2 > 0 ? a2 : 0;
        a3 = a3 > 0 ? a3 : 0;
        c0 = c0 > 0 ? c0 : 0;
        c1 = c1 > 0 ? c1 : 0;
        c2 = c2 > 0 ? c2 : 0;
        c3 = c3 > 0 ? c3 : 0;
      }
      y[s * nOut + o] = a0;
      y[(s + 1) * nOut + o] = a1;
      y[(s + 2) * nOut + o] = a2;
      y[(s + 3) * nOut + o] = a3;
      y[s * nOut + o + 1] = c0;
      y[(s + 1) * nOut + o + 1] = c1;
      y[(s + 2) * nOut + o + 1] = c2;
      y[(s + 3) * nOut + o + 1] = c3;
    }
    for (; o < nOut; o++) {
      const wo = o * nIn;
      const bias = b[o] as number;
      let a0 = bias;
      let a1 = bias;
      let a2 = bias;
      let a3 = bias;
      for (let i = 0; i < nIn; i++) {
        const wi = w[wo + i] as number;
        a0 += (x[x0 + i] as number) * wi;
        a1 += (x[x1 + i] as number) * wi;
        a2 += (x[x2 + i] as number) * wi;
        a3 += (x[x3 + i] as number) * wi;
      }
      if (relu) {
        a0 = a0 > 0 ? a0 : 0;
        a1 = a1 > 0 ? a1 : 0;
        a2 = a2 > 0 ? a2 : 0;
        a3 = a3 > 0 ? a3 : 0;
      }
      y[s * nOut + o] = a0;
      y[(s + 1) * nOut + o] = a1;
      y[(s + 2) * nOut + o] = a2;
      y[(s + 3) * nOut + o] = a3;
    }
  }
  for (; s < batch; s++) {
    const xs = s * nIn;
    for (let o = 0; o < nOut; o++) {
      const wo = o * nIn;
      let a0 = b[o] as number;
      let a1 = 0;
      let i = 0;
      for (; i + 2 <= nIn; i += 2) {
        a0 += (x[xs + i] as number) * (w[wo + i] as number);
        a1 += (x[xs + i + 1] as number) * (w[wo + i + 1] as number);
      }
      if (i < nIn) a0 += (x[xs + i] as number) * (w[wo + i] as number);
      const a = a0 + a1;
      y[s * nOut + o] = relu && a < 0 ? 0 : a;
    }
  }
}

/** gw[o][i] += sum_s d[s][o] x[s][i]; blocks of 2 outputs x 4 inputs over the samples. */
function weightGradient(d: Vec, x: Vec, gw: Vec, batch: number, nIn: number, nOut: number): void {
  let o = 0;
  for (; o + 2 <= nOut; o += 2) {
    const wo = o * nIn;
    const wp = wo + nIn;
    let i = 0;
    for (; i + 4 <= nIn; i += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let s = 0; s < batch; s++) {
        const dso = s * nOut + o;
        const ds = d[dso] as number;
        const dp = d[dso + 1] as number;
        const xs = s * nIn + i;
        const u0 = x[xs] as number;
        const u1 = x[xs + 1] as number;
        const u2 = x[xs + 2] as number;
        const u3 = x[xs + 3] as number;
        a0 += ds * u0;
        a1 += ds * u1;
        a2 += ds * u2;
        a3 += ds * u3;
        c0 += dp * u0;
        c1 += dp * u1;
        c2 += dp * u2;
        c3 += dp * u3;
      }
      gw[wo + i] = (gw[wo + i] as number) + a0;
      gw[wo + i + 1] = (gw[wo + i + 1] as number) + a1;
      gw[wo + i + 2] = (gw[wo + i + 2] as number) + a2;
      gw[wo + i + 3] = (gw[wo + i + 3] as number) + a3;
      gw[wp + i] = (gw[wp + i] as number) + c0;
      gw[wp + i + 1] = (gw[wp + i + 1] as number) + c1;
      gw[wp + i + 2] = (gw[wp + i + 2] as number) + c2;
      gw[wp + i + 3] = (gw[wp + i + 3] as number) + c3;
    }
    for (; i < nIn; i++) {
      let a = 0;
      let c = 0;
      for (let s = 0; s < batch; s++) {
        const u = x[s * nIn + i] as number;
        a += (d[s * nOut + o] as number) * u;
        c += (d[s * nOut + o + 1] as number) * u;
      }
      gw[wo + i] = (gw[wo + i] as number) + a;
      gw[wp + i] = (gw[wp + i] as number) + c;
    }
  }
  for (; o < nOut; o++) {
    const wo = o * nIn;
    for (let i = 0; i < nIn; i++) {
      let a = 0;
      for (let s = 0; s < batch; s++) a += (d[s * nOut + o] as number) * (x[s * nIn + i] as number);
      gw[wo + i] = (gw[wo + i] as number) + a;
    }
  }
}

/**
 * dx[s][i - from] = sum_o d[s][o] w[o][i] for i in [from, to) (rows of width to - from); blocks of 2 samples x 4
 * inputs over the outputs.
 */
function inputGradient(d: Vec, w: Vec, dx: Vec, batch: number, nIn: number, nOut: number, from: number, to: number): void {
  const width = to - from;
  let s = 0;
  for (; s < batch; s += 2) {
    const pair = s + 1 < batch;
    const ds = s * nOut;
    const dq = pair ? ds + nOut : ds;
    const xs = s * width - from;
    const xq = xs + width;
    let i = from;
    for (; i + 4 <= to; i += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let o = 0; o < nOut; o++) {
        const g = d[ds + o] as number;
        const h = d[dq + o] as number;
        const wo = o * nIn + i;
        const v0 = w[wo] as number;
        const v1 = w[wo + 1] as number;
        const v2 = w[wo + 2] as number;
        const v3 = w[wo + 3] as number;
        a0 += g * v0;
        a1 += g * v1;
        a2 += g * v2;
        a3 += g * v3;
        c0 += h * v0;
        c1 += h * v1;
        c2 += h * v2;
        c3 += h * v3;
      }
      dx[xs + i] = a0;
      dx[xs + i + 1] = a1;
      dx[xs + i + 2] = a2;
      dx[xs + i + 3] = a3;
      if (pair) {
        dx[xq + i] = c0;
        dx[xq + i + 1] = c1;
        dx[xq + i + 2] = c2;
        dx[xq + i + 3] = c3;
      }
    }
    for (; i < to; i++) {
      let a = 0;
      let c = 0;
      for (let o = 0; o < nOut; o++) {
        const v = w[o * nIn + i] as number;
        a += (d[ds + o] as number) * v;
        c += (d[dq + o] as number) * v;
      }
      dx[xs + i] = a;
      if (pair) dx[xq + i] = c;
    }
  }
}
