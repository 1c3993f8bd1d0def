/**
 * The `measured` accuracy oracle: top-1 accuracy of a network with trained weights, quantized as the candidate
 * says, on its held-out images. Every evaluated candidate is cached, so a search that revisits a precision choice
 * costs nothing, and the same choice always gives the same number (the pass is deterministic).
 */
import seedrandom from 'seedrandom';
import { PlanError, ValidationError } from '../../../errors';
import type { ResolvedNetwork } from '../../../workloads/types';
import type { AccuracyOracle, PrecisionChoice } from '../types';
import { argmax, compileNetwork, floatParams, forward, prefixSplit, toRuntimeLayout, type CompiledNetwork, type InputQuantizer, type LayerParams } from './forward';
import { digitCount, loadAllDigits, selectDigits, type DigitSet } from './mnist-data';
import { mseClip, positiveHistogram, quantizeActivationsInPlace, quantizeWeights, type PositiveHistogram } from './quantize';
import { hasTrainedWeights, loadWeights, weightsPathFor, type TrainedWeights } from './weights';

export const MIN_BITS = 2;
export const MAX_BITS = 16;
/** Memory for cached prefix activations (about 40 prefixes of LeNet-5 on 2,000 images). */
export const PREFIX_CACHE_BYTES = 128 * 1024 * 1024;

export interface MeasuredOracleOptions {
  /** Weights file. @default workloads/trained/<network name>.weights.json */
  weightsPath?: string;
  /** Evaluate on the first N images of the split only (tests, quick looks). @default all of them */
  heldOutLimit?: number;
  /**
   * Which images accuracy is measured on: 'held-out' (never trained on; what the optimizer and every report use),
   * or 'proxy-fit' (PROXY_FIT_IMAGES training images drawn with a fixed seed, disjoint from the held-out split):
   * the proxy's sensitivities are fitted there, so that comparing the proxy with measurements on the held-out
   * images tests it on data it was not fitted to. @default 'held-out'
   */
  split?: 'held-out' | 'proxy-fit';
}

/** Training images the proxy calibration measures its drops on (scripts/calibrate-lenet5.ts). */
export const PROXY_FIT_IMAGES = 2000;

/**
 * The proxy-fit split: PROXY_FIT_IMAGES indices of digits outside the held-out split (so from training), drawn
 * with a fixed seed, ascending. Training images are easier for the network than unseen ones, so drops measured here
 * run somewhat smaller than on held-out images; compare.ts shows the proxy against the held-out measurements.
 */
export function proxyFitIndices(totalDigits: number, heldOut: readonly number[]): number[] {
  const held = new Set(heldOut);
  const training: number[] = [];
  for (let i = 0; i < totalDigits; i++) if (!held.has(i)) training.push(i);
  const random = seedrandom('lenet5 proxy fit');
  // Partial Fisher-Yates: the first PROXY_FIT_IMAGES positions end up a uniform sample.
  const take = Math.min(PROXY_FIT_IMAGES, training.length);
  for (let k = 0; k < take; k++) {
    const j = k + Math.floor(random() * (training.length - k));
    const t = training[k] as number;
    training[k] = training[j] as number;
    training[j] = t;
  }
  return training.slice(0, take).sort((a, b) => a - b);
}

export interface MeasuredOracle extends AccuracyOracle {
  readonly kind: 'measured';
  /** Number of images each accuracy is measured on (held-out, unless options.split chose the proxy-fit split). */
  readonly heldOutImages: number;
  /** Synchronous form of accuracyPct (what the async one wraps). */
  measure(choice: PrecisionChoice): number;
  /** Float accuracy of our own forward pass (no quantization). */
  floatAccuracyPct(): number;
  /** Binomial standard error (points) of an accuracy p (percent) on the held-out images. */
  standardErrorPct(accuracyPct: number): number;
  /** Distinct candidates evaluated so far (cache size) and forward passes actually run. */
  stats(): { cached: number; evaluations: number };
}

function key(c: PrecisionChoice): string {
  return `${c.wbits.join(',')}/${c.abits.join(',')}`;
}

function checkChoice(net: ResolvedNetwork, c: PrecisionChoice): void {
  const n = net.weightedIndices.length;
  for (const [field, bits] of [['wbits', c.wbits], ['abits', c.abits]] as const) {
    if (bits.length !== n) throw new PlanError(`${net.network.name}: ${field} has ${bits.length} entries; the network has ${n} weighted layers`);
    bits.forEach((b, i) => {
      if (!Number.isInteger(b) || b < MIN_BITS || b > MAX_BITS) {
        const name = net.layers[net.weightedIndices[i] ?? -1]?.layer.name ?? String(i);
        throw new ValidationError(net.network.name, `${field}[${i}] (${name})`, String(b), `an integer from ${MIN_BITS} to ${MAX_BITS}`);
      }
    });
  }
}

/** Histograms of each weighted layer's float input over the calibration images. */
function inputHistograms(c: CompiledNetwork, params: LayerParams[], images: DigitSet): PositiveHistogram[] {
  const n = c.net.weightedIndices.length;
  const collected = c.scratch.map((s) => new Float32Array(s.length * images.count));
  // Identity "quantizer" that only records what it sees: the float inputs of each weighted layer.
  let pos = 0;
  let img = 0;
  const record = (x: Float32Array): void => {
    (collected[pos] as Float32Array).set(x, img * x.length);
    pos = (pos + 1) % n;
  };
  const tap: InputQuantizer[] = Array.from({ length: n }, () => ({ bits: 0, clip: 0 }));
  for (img = 0; img < images.count; img++) {
    pos = 0;
    forward(c, params, images.images.subarray(img * c.inputSize, (img + 1) * c.inputSize), tap, record);
  }
  return collected.map((v) => positiveHistogram(v));
}

export function createMeasuredOracle(net: ResolvedNetwork, options: MeasuredOracleOptions = {}): MeasuredOracle {
  const name = net.network.name;
  const file = options.weightsPath ?? weightsPathFor(name);
  if (options.weightsPath === undefined && !hasTrainedWeights(name)) {
    throw new ValidationError(name, 'accuracy', 'measured', `a network with trained weights (${file} does not exist; lenet5-mnist has them) or --accuracy proxy|cmd`);
  }
  const weights: TrainedWeights = loadWeights(file);
  if (weights.network !== name) throw new ValidationError(file, 'network', weights.network, name);
  const compiled = compileNetwork(net, file);
  const floats = floatParams(net, weights, file);
  const digits = loadAllDigits();
  const indices = options.split === 'proxy-fit' ? proxyFitIndices(digitCount(digits), weights.heldOut) : weights.heldOut;
  const limit = options.heldOutLimit ?? indices.length;
  const heldOut = selectDigits(digits, indices.slice(0, limit));
  const histograms = inputHistograms(compiled, toRuntimeLayout(net, floats), selectDigits(digits, weights.calibration));
  const clipCache = new Map<string, number>();
  const clipFor = (pos: number, bits: number): number => {
    const k = `${pos}:${bits}`;
    let c = clipCache.get(k);
    if (c === undefined) {
      c = mseClip(histograms[pos] as PositiveHistogram, bits);
      clipCache.set(k, c);
    }
    return c;
  };
  const weightCache = new Map<string, LayerParams>();
  const runtimeFloat = toRuntimeLayout(net, floats);
  const paramsFor = (choice: PrecisionChoice | undefined): LayerParams[] =>
    floats.map((p, pos) => {
      if (!choice) return runtimeFloat[pos] as LayerParams;
      const bits = choice.wbits[pos] as number;
      const k = `${pos}:${bits}`;
      let q = weightCache.get(k);
      if (!q) {
        const single = toRuntimeLayout(net, floats.map((f, i) => (i === pos ? { weight: quantizeWeights(p.weight, bits), bias: p.bias } : f)))[pos];
        q = single as LayerParams;
        weightCache.set(k, q);
      }
      return q;
    });

  let evaluations = 0;
  // Prefix cache (exact): the activations entering the split layer depend only on the bits of the layers before it,
  // which a search revisits far more often than whole candidates. Bounded to PREFIX_CACHE_BYTES, oldest out first.
  const split = prefixSplit(net);
  const prefixSize = split ? ((compiled.buffers[split.producer] as Float32Array).length) : 0;
  const prefixEntries = split ? Math.max(1, Math.floor(PREFIX_CACHE_BYTES / (4 * prefixSize * heldOut.count))) : 0;
  const prefixes = new Map<string, Float32Array>();
  const image = (i: number): Float32Array => heldOut.images.subarray(i * compiled.inputSize, (i + 1) * compiled.inputSize);

  const run = (choice: PrecisionChoice | undefined): number => {
    evaluations++;
    const params = paramsFor(choice);
    const quant = net.weightedIndices.map((_, pos) => (choice ? { bits: choice.abits[pos] as number, clip: clipFor(pos, choice.abits[pos] as number) } : undefined));
    let correct = 0;
    if (!split) {
      for (let i = 0; i < heldOut.count; i++) {
        if (argmax(forward(compiled, params, image(i), quant, quantizeActivationsInPlace)) === heldOut.labels[i]) correct++;
      }
      return (100 * correct) / heldOut.count;
    }
    const prefixKey = choice ? `${choice.wbits.slice(0, split.weightedPos).join(',')}/${choice.abits.slice(0, split.weightedPos).join(',')}` : 'float';
    let stored = prefixes.get(prefixKey);
    if (stored) {
      prefixes.delete(prefixKey); // re-insert: most recently used last
    } else {
      stored = new Float32Array(prefixSize * heldOut.count);
      for (let i = 0; i < heldOut.count; i++) stored.set(forward(compiled, params, image(i), quant, quantizeActivationsInPlace, 0, split.producer), i * prefixSize);
      if (prefixes.size >= prefixEntries) prefixes.delete(prefixes.keys().next().value as string);
    }
    prefixes.set(prefixKey, stored);
    const into = compiled.buffers[split.producer] as Float32Array;
    for (let i = 0; i < heldOut.count; i++) {
      into.set(stored.subarray(i * prefixSize, (i + 1) * prefixSize));
      if (argmax(forward(compiled, params, image(i), quant, quantizeActivationsInPlace, split.startLayer)) === heldOut.labels[i]) correct++;
    }
    return (100 * correct) / heldOut.count;
  };

  let floatAcc: number | undefined;
  const floatAccuracyPct = (): number => (floatAcc ??= run(undefined));
  const cache = new Map<string, number>();
  const measure = (choice: PrecisionChoice): number => {
    checkChoice(net, choice);
    const k = key(choice);
    let acc = cache.get(k);
    if (acc === undefined) {
      acc = run(choice);
      cache.set(k, acc);
    }
    return acc;
  };
  return {
    kind: 'measured',
    heldOutImages: heldOut.count,
    measure,
    floatAccuracyPct,
    referenceAccuracyPct: () => Promise.resolve(floatAccuracyPct()),
    accuracyPct: (choice) => {
      try {
        return Promise.resolve(measure(choice));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    standardErrorPct: (p) => 100 * Math.sqrt(Math.max(0, (p / 100) * (1 - p / 100)) / Math.max(1, heldOut.count)),
    stats: () => ({ cached: cache.size, evaluations }),
  };
}
