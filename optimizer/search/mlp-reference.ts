/**
 * The plain reference of the fast MLP (mlp.ts): the same network, initialisation, Adam and soft update written
 * as textbook loops in double precision, with no blocking, no Float32 storage and no scratch reuse. Tests compare
 * the fast MLP's forward pass, gradients and Adam steps with it (test/mlp-reference.test.ts); the search never
 * uses it.
 */
import type { AdamSettings, OutputActivation } from './mlp';

export class ReferenceMlp {
  readonly sizes: readonly number[];
  /** weights[k][o][i]: layer k, output o, input i. */
  readonly weights: number[][][];
  readonly biases: number[][];
  readonly gradW: number[][][];
  readonly gradB: number[][];
  private readonly mW: number[][][];
  private readonly vW: number[][][];
  private readonly mB: number[][];
  private readonly vB: number[][];
  private step = 0;
  /** activations[k][s][j]: layer k's output for sample s (k = 0 is the input) of the last forward pass. */
  private activations: number[][][] = [];

  constructor(sizes: readonly number[], readonly output: OutputActivation, random: () => number, finalInit = 3e-3) {
    this.sizes = [...sizes];
    this.weights = [];
    this.biases = [];
    // The same draw order as mlp.ts: each layer's weights (row-major [out][in]), then its biases.
    for (let k = 0; k + 1 < sizes.length; k++) {
      const fanIn = sizes[k] ?? 1;
      const fanOut = sizes[k + 1] ?? 1;
      const bound = k + 2 === sizes.length ? finalInit : 1 / Math.sqrt(fanIn);
      const w: number[][] = [];
      for (let o = 0; o < fanOut; o++) {
        const row: number[] = [];
        for (let i = 0; i < fanIn; i++) row.push(Math.fround((2 * random() - 1) * bound));
        w.push(row);
      }
      const b: number[] = [];
      for (let o = 0; o < fanOut; o++) b.push(Math.fround((2 * random() - 1) * bound));
      this.weights.push(w);
      this.biases.push(b);
    }
    const zerosW = (): number[][][] => this.weights.map((w) => w.map((row) => row.map(() => 0)));
    const zerosB = (): number[][] => this.biases.map((b) => b.map(() => 0));
    this.gradW = zerosW();
    this.gradB = zerosB();
    this.mW = zerosW();
    this.vW = zerosW();
    this.mB = zerosB();
    this.vB = zerosB();
  }

  /** Outputs of `batch` rows of `input` (row-major), keeping every layer's activations for backward(). */
  forward(input: ArrayLike<number>, batch: number): number[][] {
    const nIn = this.sizes[0] ?? 0;
    let x: number[][] = [];
    for (let s = 0; s < batch; s++) x.push(Array.from({ length: nIn }, (_, i) => input[s * nIn + i] as number));
    this.activations = [x];
    this.weights.forEach((w, k) => {
      const last = k + 1 === this.weights.length;
      x = x.map((row) =>
        w.map((wo, o) => {
          let z = this.biases[k]?.[o] ?? 0;
          wo.forEach((v, i) => (z += v * (row[i] ?? 0)));
          if (!last) return Math.max(0, z);
          return this.output === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : z;
        }),
      );
      this.activations.push(x);
    });
    return x;
  }

  /** Backward pass from d(loss)/d(output) (row-major); accumulates weight gradients; returns d(loss)/d(input). */
  backward(gradOutput: ArrayLike<number>, accumulate = true): number[][] {
    const layers = this.weights.length;
    const y = this.activations[layers] ?? [];
    const nOut = this.sizes[layers] ?? 0;
    let delta = y.map((row, s) =>
      row.map((v, o) => {
        const g = gradOutput[s * nOut + o] as number;
        return this.output === 'sigmoid' ? g * v * (1 - v) : g;
      }),
    );
    for (let k = layers - 1; k >= 0; k--) {
      const x = this.activations[k] ?? [];
      const w = this.weights[k] ?? [];
      if (accumulate) {
        delta.forEach((d, s) =>
          d.forEach((dv, o) => {
            const gw = this.gradW[k]?.[o] ?? [];
            (x[s] ?? []).forEach((xv, i) => (gw[i] = (gw[i] ?? 0) + dv * xv));
            const gb = this.gradB[k] ?? [];
            gb[o] = (gb[o] ?? 0) + dv;
          }),
        );
      }
      delta = delta.map((d, s) =>
        (x[s] ?? []).map((xv, i) => {
          let g = 0;
          d.forEach((dv, o) => (g += dv * (w[o]?.[i] ?? 0)));
          // Through the ReLU that produced this layer's input (the network's input has none).
          return k > 0 && xv <= 0 ? 0 : g;
        }),
      );
    }
    return delta;
  }

  /** One Adam step on the gradients averaged over `batch`, then clears them. */
  adamStep(settings: AdamSettings, batch: number): void {
    this.step++;
    const { lr, beta1, beta2, eps } = settings;
    const update = (p: number[], g: number[], m: number[], v: number[]): void => {
      p.forEach((_, i) => {
        const gi = (g[i] ?? 0) / batch;
        m[i] = beta1 * (m[i] ?? 0) + (1 - beta1) * gi;
        v[i] = beta2 * (v[i] ?? 0) + (1 - beta2) * gi * gi;
        const mHat = (m[i] ?? 0) / (1 - beta1 ** this.step);
        const vHat = (v[i] ?? 0) / (1 - beta2 ** this.step);
        p[i] = (p[i] ?? 0) - (lr * mHat) / (Math.sqrt(vHat) + eps);
        g[i] = 0;
      });
    };
    this.weights.forEach((w, k) => {
      w.forEach((row, o) => update(row, this.gradW[k]?.[o] ?? [], this.mW[k]?.[o] ?? [], this.vW[k]?.[o] ?? []));
      update(this.biases[k] ?? [], this.gradB[k] ?? [], this.mB[k] ?? [], this.vB[k] ?? []);
    });
  }

  /** this <- tau * source + (1 - tau) * this. */
  blendFrom(source: ReferenceMlp, tau: number): void {
    this.weights.forEach((w, k) => {
      w.forEach((row, o) => row.forEach((v, i) => (row[i] = tau * (source.weights[k]?.[o]?.[i] ?? 0) + (1 - tau) * v)));
      const b = this.biases[k] ?? [];
      b.forEach((v, o) => (b[o] = tau * (source.biases[k]?.[o] ?? 0) + (1 - tau) * v));
    });
  }
}
