/**
 * A small multilayer perceptron with Adam, for the DDPG actor and critic. Hidden layers use ReLU; the output is
 * linear or sigmoid. NOTE: written for speed, since a search runs thousands of minibatch updates: the products,
 * Adam and the soft update run as WebAssembly SIMD kernels (mlp-kernels.ts) on float32 data in the network's own
 * wasm memory, weights stored transposed (wT[i][o]) with every width padded to a multiple of 4 by zeros (padded
 * weights, biases and activations stay 0 through every step); buffers are allocated once per batch capacity.
 * mlp-reference.ts is the plain version the tests compare it with.
 */
import { instantiateKernels, MAX_PAGES, type MlpKernels } from './mlp-kernels';
import { SplitKernels } from './mlp-threads';

export type OutputActivation = 'linear' | 'sigmoid';

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

const PAGE_BYTES = 65536;
const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

export class Mlp {
  readonly sizes: readonly number[];
  /** Padded widths (multiples of 4). */
  private readonly widths: number[];
  private readonly memory: WebAssembly.Memory;
  private readonly k: MlpKernels;
  private heap: Float32Array;
  /** Float offsets, per layer, of wT and b within the parameter block; P = the block's length. */
  private readonly wAt: number[] = [];
  private readonly bAt: number[] = [];
  private readonly P: number;
  /** Float offsets of the blocks: parameters, gradients, Adam moments, a scratch copy for blendFrom. */
  private readonly params = 0;
  private readonly grads: number;
  private readonly m: number;
  private readonly v: number;
  private readonly scratch: number;
  /** Float offsets of each layer's activations and deltas (index 0 = input), sized for `capacity` rows. */
  private acts: number[] = [];
  private deltas: number[] = [];
  private capacity = 0;
  private batch = 0;
  private step = 0;
  private out = new Float32Array(0);
  private dIn = new Float32Array(0);

  constructor(
    sizes: readonly number[],
    readonly output: OutputActivation,
    random: () => number,
    /** Uniform range of the last layer's initial weights (DDPG: 3e-3). */
    finalInit = 3e-3,
    /** Split large kernel calls with a helper thread (mlp-threads.ts; the outputs are the same either way). */
    threads = true,
  ) {
    this.sizes = [...sizes];
    this.widths = sizes.map(pad4);
    let at = 0;
    for (let k = 0; k + 1 < sizes.length; k++) {
      this.wAt.push(at);
      at += (this.widths[k] ?? 0) * (this.widths[k + 1] ?? 0);
      this.bAt.push(at);
      at += this.widths[k + 1] ?? 0;
    }
    this.P = at;
    this.grads = at;
    this.m = 2 * at;
    this.v = 3 * at;
    this.scratch = 4 * at;
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((5 * at * 4) / PAGE_BYTES)), maximum: MAX_PAGES, shared: true });
    this.k = new SplitKernels(this.memory, instantiateKernels(this.memory), threads);
    this.heap = new Float32Array(this.memory.buffer);
    // The same draw order as before the SIMD rewrite and as mlp-reference.ts: per layer, weights [out][in], then biases.
    for (let k = 0; k + 1 < sizes.length; k++) {
      const fanIn = sizes[k] ?? 1;
      const fanOut = sizes[k + 1] ?? 1;
      const bound = k + 2 === sizes.length ? finalInit : 1 / Math.sqrt(fanIn);
      const stride = this.widths[k + 1] ?? 0;
      const w = this.wAt[k] ?? 0;
      for (let o = 0; o < fanOut; o++) for (let i = 0; i < fanIn; i++) this.heap[w + i * stride + o] = (2 * random() - 1) * bound;
      const b = this.bAt[k] ?? 0;
      for (let o = 0; o < fanOut; o++) this.heap[b + o] = (2 * random() - 1) * bound;
    }
  }

  get inputSize(): number {
    return this.sizes[0] ?? 0;
  }

  get outputSize(): number {
    return this.sizes[this.sizes.length - 1] ?? 0;
  }

  private reserve(batch: number): void {
    if (batch <= this.capacity) return;
    let at = 5 * this.P;
    this.acts = this.widths.map((n) => ((at += batch * n), at - batch * n));
    this.deltas = this.widths.map((n) => ((at += batch * n), at - batch * n));
    const pages = Math.ceil((at * 4) / PAGE_BYTES) - this.memory.buffer.byteLength / PAGE_BYTES;
    if (pages > 0) this.memory.grow(pages);
    this.heap = new Float32Array(this.memory.buffer);
    // New rows start at zero, so padded columns read 0 (no kernel writes a nonzero there).
    this.heap.fill(0, 5 * this.P, at);
    this.capacity = batch;
    this.out = new Float32Array(batch * this.outputSize);
    this.dIn = new Float32Array(batch * this.inputSize);
  }

  /** Forward pass of `batch` rows of `input`; keeps activations for backward(). Returns [batch][outputs]. */
  forward(input: ArrayLike<number>, batch: number): Float32Array {
    this.reserve(batch);
    this.batch = batch;
    const heap = this.heap;
    const nIn = this.inputSize;
    const w0 = this.widths[0] ?? 0;
    const x0 = this.acts[0] ?? 0;
    for (let s = 0; s < batch; s++) for (let i = 0; i < nIn; i++) heap[x0 + s * w0 + i] = input[s * nIn + i] as number;
    const layers = this.sizes.length - 1;
    for (let k = 0; k < layers; k++) {
      const floor = k + 1 === layers ? -Infinity : 0;
      this.k.affine(4 * (this.acts[k] ?? 0), 4 * (this.wAt[k] ?? 0), 4 * (this.bAt[k] ?? 0), 4 * (this.acts[k + 1] ?? 0), batch, this.widths[k] ?? 0, this.widths[k + 1] ?? 0, floor);
    }
    // Sigmoid on the real output columns, kept in place for backward(), copied out compact.
    const nOut = this.outputSize;
    const wOut = this.widths[layers] ?? 0;
    const y = this.acts[layers] ?? 0;
    const out = this.out;
    for (let s = 0; s < batch; s++) {
      for (let o = 0; o < nOut; o++) {
        const j = y + s * wOut + o;
        if (this.output === 'sigmoid') heap[j] = 1 / (1 + Math.exp(-(heap[j] as number)));
        out[s * nOut + o] = heap[j] as number;
      }
    }
    return out.subarray(0, batch * nOut);
  }

  /**
   * Backward pass from d(loss)/d(output) of the last forward(). Accumulates weight gradients when `accumulate`
   * (else only propagates). Returns d(loss)/d(input) for input columns [inputFrom, inputTo) as a [batch][width]
   * view (width 0 skips the input layer's product, for callers that need only the weight gradients).
   */
  backward(gradOutput: ArrayLike<number>, accumulate = true, inputFrom = 0, inputTo = this.inputSize): Float32Array {
    const batch = this.batch;
    const heap = this.heap;
    const layers = this.sizes.length - 1;
    const nOut = this.outputSize;
    const wOut = this.widths[layers] ?? 0;
    const top = this.deltas[layers] ?? 0;
    const y = this.acts[layers] ?? 0;
    for (let s = 0; s < batch; s++) {
      for (let o = 0; o < nOut; o++) {
        const g = gradOutput[s * nOut + o] as number;
        const v = heap[y + s * wOut + o] as number;
        heap[top + s * wOut + o] = this.output === 'sigmoid' ? g * v * (1 - v) : g;
      }
    }
    const width = inputTo - inputFrom;
    for (let k = layers - 1; k >= 0; k--) {
      const nIn = this.widths[k] ?? 0;
      const nO = this.widths[k + 1] ?? 0;
      const delta = 4 * (this.deltas[k + 1] ?? 0);
      const x = 4 * (this.acts[k] ?? 0);
      if (accumulate) {
        this.k.weightGradient(delta, x, 4 * (this.grads + (this.wAt[k] ?? 0)), batch, nIn, nO, nIn);
        this.k.biasGradient(delta, 4 * (this.grads + (this.bAt[k] ?? 0)), batch, nO);
      }
      if (k > 0 || width > 0) this.k.inputGradient(delta, 4 * (this.wAt[k] ?? 0), 4 * (this.deltas[k] ?? 0), batch, nIn, nO);
      // Through the ReLU of this layer's input (the network's input has none).
      if (k > 0) this.k.reluMask(4 * (this.deltas[k] ?? 0), x, batch * nIn);
    }
    const dIn = this.dIn;
    if (width > 0) {
      const w0 = this.widths[0] ?? 0;
      const d0 = this.deltas[0] ?? 0;
      for (let s = 0; s < batch; s++) for (let i = 0; i < width; i++) dIn[s * width + i] = heap[d0 + s * w0 + inputFrom + i] as number;
    }
    return dIn.subarray(0, width > 0 ? batch * width : 0);
  }

  /** One Adam step with the accumulated gradients (averaged over `batch`), then clears them. */
  adamStep(settings: AdamSettings, batch: number): void {
    this.step++;
    const { lr, beta1, beta2, eps } = settings;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    this.k.adam(4 * this.params, 4 * this.grads, 4 * this.m, 4 * this.v, this.P, 1 / batch, lr / c1, 1 / c2, beta1, beta2, eps, 1 - beta1, 1 - beta2);
  }

  /** Clears accumulated gradients without stepping. */
  zeroGrad(): void {
    this.heap.fill(0, this.grads, this.grads + this.P);
  }

  /** this <- tau * source + (1 - tau) * this (soft target update); tau = 1 copies. */
  blendFrom(source: Mlp, tau: number): void {
    if (source.P !== this.P) throw new Error('blendFrom: networks of different sizes');
    this.heap.set(source.heap.subarray(source.params, source.params + source.P), this.scratch);
    this.k.blend(4 * this.params, 4 * this.scratch, this.P, tau, 1 - tau);
  }

  /**
   * this <- source plus N(0, sd) on every real weight and bias (parameter-space noise, Plappert et al., ICLR 2018);
   * the padded entries stay 0. Draws per layer, weights [out][in] then biases, as the constructor.
   */
  perturbFrom(source: Mlp, sd: number, normal: () => number): void {
    this.blendFrom(source, 1);
    const heap = this.heap;
    for (let k = 0; k + 1 < this.sizes.length; k++) {
      const fanIn = this.sizes[k] ?? 0;
      const fanOut = this.sizes[k + 1] ?? 0;
      const stride = this.widths[k + 1] ?? 0;
      const w = this.params + (this.wAt[k] ?? 0);
      for (let o = 0; o < fanOut; o++) for (let i = 0; i < fanIn; i++) heap[w + i * stride + o] = (heap[w + i * stride + o] as number) + sd * normal();
      const b = this.params + (this.bAt[k] ?? 0);
      for (let o = 0; o < fanOut; o++) heap[b + o] = (heap[b + o] as number) + sd * normal();
    }
  }

  /** The real weights and biases as one vector, per layer weights [out][in] then biases (perturbFrom's order; no padding). */
  parameters(): Float64Array {
    const out: number[] = [];
    this.eachParameter((j) => out.push(this.heap[j] as number));
    return Float64Array.from(out);
  }

  /** Sets the real weights and biases from a vector in parameters()' order (the padded entries stay 0). */
  setParameters(values: ArrayLike<number>): void {
    let n = 0;
    this.eachParameter(() => n++);
    if (values.length !== n) throw new Error(`setParameters: ${values.length} values for ${n} parameters`);
    let at = 0;
    this.eachParameter((j) => (this.heap[j] = values[at++] as number));
  }

  /** Forgets Adam's moments and step count (a fresh optimizer for newly loaded parameters). */
  resetOptimizer(): void {
    this.heap.fill(0, this.m, this.m + 2 * this.P);
    this.step = 0;
  }

  /** Calls `visit` with the heap index of every real weight and bias, in parameters()' order. */
  private eachParameter(visit: (j: number) => void): void {
    for (let k = 0; k + 1 < this.sizes.length; k++) {
      const fanIn = this.sizes[k] ?? 0;
      const fanOut = this.sizes[k + 1] ?? 0;
      const stride = this.widths[k + 1] ?? 0;
      const w = this.params + (this.wAt[k] ?? 0);
      for (let o = 0; o < fanOut; o++) for (let i = 0; i < fanIn; i++) visit(w + i * stride + o);
      const b = this.params + (this.bAt[k] ?? 0);
      for (let o = 0; o < fanOut; o++) visit(b + o);
    }
  }

  /** Layer k's weight from input i to output o (for tests and inspection). */
  weightAt(k: number, o: number, i: number): number {
    return this.heap[this.params + (this.wAt[k] ?? 0) + i * (this.widths[k + 1] ?? 0) + o] ?? NaN;
  }

  /** The accumulated gradient of weightAt(k, o, i), summed over the batch (cleared by adamStep). */
  gradientAt(k: number, o: number, i: number): number {
    return this.heap[this.grads + (this.wAt[k] ?? 0) + i * (this.widths[k + 1] ?? 0) + o] ?? NaN;
  }

  /** The accumulated gradient of layer k's bias o, summed over the batch. */
  biasGradientAt(k: number, o: number): number {
    return this.heap[this.grads + (this.bAt[k] ?? 0) + o] ?? NaN;
  }
}
