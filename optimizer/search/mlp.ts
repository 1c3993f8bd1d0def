/**
 * A small multilayer perceptron with Adam, on Float64Array, for the DDPG actor and critic. Hidden layers use
 * ReLU; the output is linear or sigmoid. Matrices are row-major [out][in]; batches are row-major [sample][feature].
 * NOTE: the loops are written for speed (contiguous inner loops, no allocation per call after warm-up): the
 * search runs tens of thousands of these updates.
 */
export type OutputActivation = 'linear' | 'sigmoid';

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export class Mlp {
  readonly sizes: readonly number[];
  readonly weights: Float64Array[];
  readonly biases: Float64Array[];
  private readonly gradW: Float64Array[];
  private readonly gradB: Float64Array[];
  private readonly mW: Float64Array[];
  private readonly vW: Float64Array[];
  private readonly mB: Float64Array[];
  private readonly vB: Float64Array[];
  private step = 0;
  /** Per-layer activations of the last forward pass (index 0 = input). */
  private acts: Float64Array[] = [];
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
      const w = new Float64Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * random() - 1) * bound;
      const b = new Float64Array(fanOut);
      for (let i = 0; i < b.length; i++) b[i] = (2 * random() - 1) * bound;
      this.weights.push(w);
      this.biases.push(b);
    }
    const zeros = (arrays: Float64Array[]): Float64Array[] => arrays.map((a) => new Float64Array(a.length));
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

  private buffer(k: number, length: number): Float64Array {
    let a = this.acts[k];
    if (a === undefined || a.length < length) {
      a = new Float64Array(length);
      this.acts[k] = a;
    }
    return a;
  }

  /** Forward pass of `batch` rows of `input`; keeps activations for backward(). Returns a view of the output. */
  forward(input: Float64Array, batch: number): Float64Array {
    this.batch = batch;
    const x0 = this.buffer(0, batch * this.inputSize);
    x0.set(input.subarray(0, batch * this.inputSize));
    const layers = this.weights.length;
    for (let k = 0; k < layers; k++) {
      const nIn = this.sizes[k] ?? 0;
      const nOut = this.sizes[k + 1] ?? 0;
      const w = this.weights[k] as Float64Array;
      const b = this.biases[k] as Float64Array;
      const x = this.acts[k] as Float64Array;
      const y = this.buffer(k + 1, batch * nOut);
      const last = k + 1 === layers;
      for (let s = 0; s < batch; s++) {
        const xo = s * nIn;
        for (let o = 0; o < nOut; o++) {
          const wo = o * nIn;
          let sum = b[o] as number;
          for (let i = 0; i < nIn; i++) sum += (x[xo + i] as number) * (w[wo + i] as number);
          if (!last) sum = sum > 0 ? sum : 0;
          else if (this.output === 'sigmoid') sum = 1 / (1 + Math.exp(-sum));
          y[s * nOut + o] = sum;
        }
      }
    }
    return (this.acts[layers] as Float64Array).subarray(0, batch * this.outputSize);
  }

  /**
   * Backward pass from d(loss)/d(output) of the last forward(). Accumulates weight gradients when
   * `accumulate` (else only propagates), and returns d(loss)/d(input).
   */
  backward(gradOutput: Float64Array, accumulate = true): Float64Array {
    const batch = this.batch;
    const layers = this.weights.length;
    let delta = Float64Array.from(gradOutput.subarray(0, batch * this.outputSize));
    if (this.output === 'sigmoid') {
      const y = this.acts[layers] as Float64Array;
      for (let i = 0; i < delta.length; i++) {
        const v = y[i] as number;
        delta[i] = (delta[i] as number) * v * (1 - v);
      }
    }
    for (let k = layers - 1; k >= 0; k--) {
      const nIn = this.sizes[k] ?? 0;
      const nOut = this.sizes[k + 1] ?? 0;
      const w = this.weights[k] as Float64Array;
      const x = this.acts[k] as Float64Array;
      if (accumulate) {
        const gw = this.gradW[k] as Float64Array;
        const gb = this.gradB[k] as Float64Array;
        for (let s = 0; s < batch; s++) {
          const xo = s * nIn;
          for (let o = 0; o < nOut; o++) {
            const d = delta[s * nOut + o] as number;
            if (d === 0) continue;
            gb[o] = (gb[o] as number) + d;
            const wo = o * nIn;
            for (let i = 0; i < nIn; i++) gw[wo + i] = (gw[wo + i] as number) + d * (x[xo + i] as number);
          }
        }
      }
      const dx = new Float64Array(batch * nIn);
      for (let s = 0; s < batch; s++) {
        const xo = s * nIn;
        for (let o = 0; o < nOut; o++) {
          const d = delta[s * nOut + o] as number;
          if (d === 0) continue;
          const wo = o * nIn;
          for (let i = 0; i < nIn; i++) dx[xo + i] = (dx[xo + i] as number) + d * (w[wo + i] as number);
        }
      }
      // Through the ReLU of the layer below (the input layer has none).
      if (k > 0) for (let i = 0; i < dx.length; i++) if ((x[i] as number) <= 0) dx[i] = 0;
      delta = dx;
    }
    return delta;
  }

  /** One Adam step with the accumulated gradients (averaged over `batch`), then clears them. */
  adamStep(settings: AdamSettings, batch: number): void {
    this.step++;
    const { lr, beta1, beta2, eps } = settings;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    const scale = 1 / batch;
    const update = (p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array): void => {
      for (let i = 0; i < p.length; i++) {
        const gi = (g[i] as number) * scale;
        const mi = beta1 * (m[i] as number) + (1 - beta1) * gi;
        const vi = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = (p[i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
        g[i] = 0;
      }
    };
    this.weights.forEach((w, k) => update(w, this.gradW[k] as Float64Array, this.mW[k] as Float64Array, this.vW[k] as Float64Array));
    this.biases.forEach((b, k) => update(b, this.gradB[k] as Float64Array, this.mB[k] as Float64Array, this.vB[k] as Float64Array));
  }

  /** Clears accumulated gradients without stepping. */
  zeroGrad(): void {
    for (const g of this.gradW) g.fill(0);
    for (const g of this.gradB) g.fill(0);
  }

  /** this <- tau * source + (1 - tau) * this (soft target update); tau = 1 copies. */
  blendFrom(source: Mlp, tau: number): void {
    const blend = (dst: Float64Array, src: Float64Array): void => {
      for (let i = 0; i < dst.length; i++) dst[i] = tau * (src[i] as number) + (1 - tau) * (dst[i] as number);
    };
    this.weights.forEach((w, k) => blend(w, source.weights[k] as Float64Array));
    this.biases.forEach((b, k) => blend(b, source.biases[k] as Float64Array));
  }
}
