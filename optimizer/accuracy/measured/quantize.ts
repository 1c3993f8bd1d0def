/**
 * The uniform quantizers of measured accuracy (optimizer/README.md, "Measured accuracy"), round to nearest:
 * - weights: symmetric, per layer, scale = max|w| / (2^(b-1) - 1), integer levels -(2^(b-1)-1) .. 2^(b-1)-1
 *   (the signed weight a crossbar holds as b-bit magnitude slices plus a sign / differential pair);
 * - activations (the input of a weighted layer, streamed through the DACs): unsigned, levels 0 .. 2^b - 1 with
 *   scale = clip / (2^b - 1); values above clip saturate. `clip` is calibrated per layer and bit width on training
 *   images (mseClip).
 * Quantization is simulated in float ("fake quantization"): a quantized value is level * scale.
 */

/** Largest weight level of a symmetric b-bit quantizer. */
export function weightLevels(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/** w quantized to `bits` with the per-layer max-abs scale; a new array. All-zero weights stay zero. */
export function quantizeWeights(w: Float32Array, bits: number): Float32Array {
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(w[i] as number));
  const levels = weightLevels(bits);
  const out = new Float32Array(w.length);
  if (maxAbs === 0 || levels < 1) return out;
  const scale = maxAbs / levels;
  // Ties round away from zero, so the quantizer stays symmetric (Math.round alone sends -1.5 to -1).
  for (let i = 0; i < w.length; i++) {
    const v = (w[i] as number) / scale;
    const level = Math.round(Math.abs(v));
    out[i] = level === 0 ? 0 : Math.sign(v) * level * scale;
  }
  return out;
}

/** Quantizes x in place to `bits` unsigned levels over [0, clip]; negative values go to 0. */
export function quantizeActivationsInPlace(x: Float32Array, bits: number, clip: number): void {
  const levels = 2 ** bits - 1;
  const scale = clip / levels;
  if (!(scale > 0)) {
    x.fill(0);
    return;
  }
  const inv = 1 / scale;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    // NOTE: hot loop (every activation of every image); zeros after ReLU are the common case. For v >= 0,
    // Math.round(t) = floor(t + 0.5), done with `| 0` because global lookups (Math) are slow under jest's sandbox.
    if (v <= 0) x[i] = 0;
    else if (v >= clip) x[i] = clip;
    else x[i] = ((v * inv + 0.5) | 0) * scale;
  }
}

/** Histogram of the positive values (zeros quantize exactly, so they never add error). */
export interface PositiveHistogram {
  max: number;
  /** counts[k] holds values in (k, k+1] * max / bins; represented by the bin centre. */
  counts: Float64Array;
}

export function positiveHistogram(values: Float32Array, bins = 2048): PositiveHistogram {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > max) max = v;
  }
  const counts = new Float64Array(bins);
  if (max > 0) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v <= 0) continue;
      const k = ((v / max) * bins) | 0;
      counts[k < bins ? k : bins - 1]! += 1;
    }
  }
  return { max, counts };
}

/**
 * The clip (upper end of the unsigned range) that minimises the mean squared quantization error of the
 * histogrammed values at `bits`, searched over 1%..100% of the largest value in 1% steps. Clipping a few outliers
 * buys a finer step for the bulk of the values, which matters at low bit widths; at 8 bits the answer is near max.
 */
export function mseClip(h: PositiveHistogram, bits: number): number {
  if (!(h.max > 0)) return 0;
  const bins = h.counts.length;
  const levels = 2 ** bits - 1;
  let best = h.max;
  let bestErr = Infinity;
  for (let pct = 100; pct >= 1; pct--) {
    const clip = (h.max * pct) / 100;
    const scale = clip / levels;
    let err = 0;
    for (let k = 0; k < bins; k++) {
      const n = h.counts[k] as number;
      if (n === 0) continue;
      const v = ((k + 0.5) / bins) * h.max;
      const q = v >= clip ? clip : Math.round(v / scale) * scale;
      err += n * (v - q) * (v - q);
    }
    if (err < bestErr) {
      bestErr = err;
      best = clip;
    }
  }
  return best;
}
