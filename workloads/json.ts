/**
 * The JSON form of a network (documented in workloads/README.md): parse with full validation and defaults,
 * and export in the fully explicit form, so that parse(export(n)) equals n exactly.
 */
import { ValidationError } from '../errors';
import {
  checkKeys,
  describeValue,
  expectArray,
  expectObject,
  readBool,
  readEnum,
  readFiniteNumber,
  readInt,
  readPair,
  readQuad,
  readString,
  type JsonObject,
} from './json-fields';
import { resolveNetwork } from './shapes';
import { parseJsonText } from '../io';
import { ACTIVATION_FNS, type EltwiseLayer, type Layer, type LayerKind, type Network, type NormLayer, type PassLayer, type PoolLayer, type ReduceLayer, type Shape, type TensorAxis } from './types';
import { LIMITS } from '../limits';

const LAYER_KINDS: readonly LayerKind[] = ['conv', 'col2im', 'fc', 'pool', 'eltwise', 'concat', 'activation', 'pass', 'reshape', 'pad', 'slice', 'matmul', 'norm', 'softmax', 'reduce', 'resize'];
const POOL_OPS: readonly PoolLayer['op'][] = ['max', 'avg'];
const ELTWISE_OPS: readonly EltwiseLayer['op'][] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'equal', 'greater', 'less', 'and', 'or', 'select'];
const PASS_FNS: readonly PassLayer['fn'][] = ['batchnorm', 'flatten', 'dropout', 'identity'];
const AXES: readonly TensorAxis[] = ['channels', 'height', 'width'];
const NORM_FNS: readonly NormLayer['fn'][] = ['layer', 'rms', 'instance', 'group'];
const REDUCE_OPS: readonly ReduceLayer['op'][] = ['mean', 'sum', 'max', 'min', 'l2', 'prod', 'argmax', 'argmin'];

/** Keys each layer kind accepts, besides the common `name`, `kind`, `inputs`. */
const KIND_KEYS: Record<LayerKind, readonly string[]> = {
  conv: ['outChannels', 'kernel', 'stride', 'pad', 'dilation', 'groups', 'bias', 'recurrent'],
  col2im: ['outChannels', 'kernel', 'stride', 'dilation', 'pad', 'outputPadding'],
  fc: ['outFeatures', 'bias'],
  pool: ['op', 'kernel', 'stride', 'pad', 'global', 'ceilMode'],
  eltwise: ['op'],
  concat: ['axis'],
  activation: ['fn', 'learned'],
  pass: ['fn'],
  reshape: ['shape', 'rows'],
  pad: ['axis', 'before', 'after'],
  slice: ['axis', 'start', 'size', 'step'],
  matmul: ['heads', 'transB', 'causal'],
  norm: ['fn', 'groups', 'affine'],
  softmax: ['axis', 'log'],
  reduce: ['op', 'axes', 'groups'],
  resize: ['mode', 'scale'],
};

/** A positive number for both axes, or a [rows, cols] pair of them (resize factors). */
function readScale(source: string, path: string, v: unknown): [number, number] {
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0 && x <= 1024;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0] as number, v[1] as number];
  throw new ValidationError(source, path, describeValue(v), 'a number above 0 and at most 1024, or a pair [rows, cols] of them');
}

function readRecurrent(source: string, path: string, v: unknown): { cell: 'lstm' | 'gru'; directions: number } {
  const obj = expectObject(source, path, v);
  checkKeys(source, path, obj, ['cell', 'directions']);
  const directions = readInt(source, `${path}.directions`, obj['directions'], 1, 1);
  if (directions > 2) throw new ValidationError(source, `${path}.directions`, String(directions), '1 or 2');
  return { cell: readEnum(source, `${path}.cell`, obj['cell'], ['lstm', 'gru'] as const), directions };
}

function readAxes(source: string, path: string, v: unknown): TensorAxis[] {
  const list = expectArray(source, path, v);
  if (list.length === 0) throw new ValidationError(source, path, '[]', `a non-empty list of ${AXES.map((a) => `'${a}'`).join(', ')}`);
  const axes = list.map((x, i) => readEnum(source, `${path}[${i}]`, x, AXES));
  return AXES.filter((a) => axes.includes(a));
}

const NETWORK_KEYS = ['name', 'input', 'inputLayout', 'layers', 'sensitivities', 'floatAccuracyPct', 'constantParams', 'defaultBits'] as const;

function readShape(source: string, path: string, v: unknown): Shape {
  const obj = expectObject(source, path, v);
  checkKeys(source, path, obj, ['channels', 'height', 'width']);
  return {
    channels: readInt(source, `${path}.channels`, obj['channels'], LIMITS.channels),
    height: readInt(source, `${path}.height`, obj['height'], LIMITS.spatial),
    width: readInt(source, `${path}.width`, obj['width'], LIMITS.spatial),
  };
}

function readInputs(source: string, path: string, v: unknown): string[] {
  if (v === undefined) return [];
  return expectArray(source, path, v).map((x, i) => readString(source, `${path}[${i}]`, x));
}

function readLayer(source: string, path: string, v: unknown): Layer {
  const obj = expectObject(source, path, v);
  const kind = readEnum(source, `${path}.kind`, obj['kind'], LAYER_KINDS);
  checkKeys(source, path, obj, ['name', 'kind', 'inputs', ...KIND_KEYS[kind]]);
  const name = readString(source, `${path}.name`, obj['name']);
  const inputs = readInputs(source, `${path}.inputs`, obj['inputs']);
  const f = (key: string): unknown => obj[key];
  const at = (key: string): string => `${path}.${key}`;
  switch (kind) {
    case 'conv':
      return {
        ...(f('recurrent') !== undefined ? { recurrent: readRecurrent(source, at('recurrent'), f('recurrent')) } : {}),
        kind,
        name,
        inputs,
        outChannels: readInt(source, at('outChannels'), f('outChannels'), LIMITS.channels),
        kernel: readPair(source, at('kernel'), f('kernel'), LIMITS.kernel),
        stride: readPair(source, at('stride'), f('stride'), LIMITS.stride, [1, 1]),
        pad: readQuad(source, at('pad'), f('pad'), 0, LIMITS.pad),
        dilation: readPair(source, at('dilation'), f('dilation'), LIMITS.dilation, [1, 1]),
        groups: readInt(source, at('groups'), f('groups'), LIMITS.groups, 1),
        // PyTorch's nn.Conv2d default.
        bias: readBool(source, at('bias'), f('bias'), true),
      };
    case 'col2im':
      return {
        kind,
        name,
        inputs,
        outChannels: readInt(source, at('outChannels'), f('outChannels'), LIMITS.channels),
        kernel: readPair(source, at('kernel'), f('kernel'), LIMITS.kernel),
        stride: readPair(source, at('stride'), f('stride'), LIMITS.stride, [1, 1]),
        dilation: readPair(source, at('dilation'), f('dilation'), LIMITS.dilation, [1, 1]),
        pad: readQuad(source, at('pad'), f('pad'), 0, LIMITS.pad),
        outputPadding: readPair(source, at('outputPadding'), f('outputPadding'), LIMITS.pad, [0, 0]),
      };
    case 'fc':
      return { kind, name, inputs, outFeatures: readInt(source, at('outFeatures'), f('outFeatures'), LIMITS.features), bias: readBool(source, at('bias'), f('bias'), true) };
    case 'pool': {
      const op = readEnum(source, at('op'), f('op'), POOL_OPS);
      const global = readBool(source, at('global'), f('global'), false);
      // A global pool needs no window; otherwise the kernel is required and the stride defaults to it (PyTorch).
      const kernel = global ? readPair(source, at('kernel'), f('kernel'), LIMITS.kernel, [1, 1]) : readPair(source, at('kernel'), f('kernel'), LIMITS.kernel);
      return {
        kind,
        name,
        inputs,
        op,
        kernel,
        stride: readPair(source, at('stride'), f('stride'), LIMITS.stride, kernel),
        pad: readQuad(source, at('pad'), f('pad'), 0, LIMITS.pad),
        global,
        ceilMode: readBool(source, at('ceilMode'), f('ceilMode'), false),
      };
    }
    case 'eltwise':
      return { kind, name, inputs, op: readEnum(source, at('op'), f('op'), ELTWISE_OPS, 'add') };
    case 'concat':
      return f('axis') === undefined ? { kind, name, inputs } : { kind, name, inputs, axis: readEnum(source, at('axis'), f('axis'), AXES) };
    case 'activation': {
      const fn = readEnum(source, at('fn'), f('fn'), ACTIVATION_FNS);
      return f('learned') === undefined ? { kind, name, inputs, fn } : { kind, name, inputs, fn, learned: readInt(source, at('learned'), f('learned'), 0) };
    }
    case 'pass':
      return { kind, name, inputs, fn: readEnum(source, at('fn'), f('fn'), PASS_FNS) };
    case 'reshape':
      return { kind, name, inputs, shape: readShape(source, at('shape'), f('shape')), rows: readEnum(source, at('rows'), f('rows'), ['ordered', 'all'] as const, 'ordered') };
    case 'pad':
      return {
        kind,
        name,
        inputs,
        axis: readEnum(source, at('axis'), f('axis'), AXES),
        before: readInt(source, at('before'), f('before'), 0, 0),
        after: readInt(source, at('after'), f('after'), 0, 0),
      };
    case 'slice':
      return {
        kind,
        name,
        inputs,
        axis: readEnum(source, at('axis'), f('axis'), AXES),
        start: readInt(source, at('start'), f('start'), 0, 0),
        size: readInt(source, at('size'), f('size'), 1),
        step: readInt(source, at('step'), f('step'), 1, 1),
      };
    case 'matmul': {
      const matmul: Layer = { kind, name, inputs, heads: readInt(source, at('heads'), f('heads'), 1, 1), transB: readBool(source, at('transB'), f('transB'), false) };
      if (readBool(source, at('causal'), f('causal'), false)) matmul.causal = true;
      return matmul;
    }
    case 'norm':
      return {
        kind,
        name,
        inputs,
        fn: readEnum(source, at('fn'), f('fn'), NORM_FNS),
        groups: readInt(source, at('groups'), f('groups'), 1, 1),
        affine: readBool(source, at('affine'), f('affine'), true),
      };
    case 'softmax':
      return { kind, name, inputs, axis: readEnum(source, at('axis'), f('axis'), AXES, 'channels'), log: readBool(source, at('log'), f('log'), false) };
    case 'reduce':
      return {
        kind,
        name,
        inputs,
        op: readEnum(source, at('op'), f('op'), REDUCE_OPS),
        axes: readAxes(source, at('axes'), f('axes')),
        groups: readInt(source, at('groups'), f('groups'), 1, 1),
      };
    case 'resize':
      return { kind, name, inputs, mode: readEnum(source, at('mode'), f('mode'), ['nearest', 'linear'] as const, 'nearest'), scale: readScale(source, at('scale'), f('scale')) };
  }
}

/** A record keyed by the names of `network`'s conv/fc layers, each entry an object with only `keys`, read by `read`. */
function readPerWeightedLayer<T>(
  source: string,
  field: string,
  v: unknown,
  network: Network,
  keys: readonly string[],
  read: (path: string, entry: JsonObject) => T,
): Record<string, T> {
  const obj = expectObject(source, field, v);
  const weighted = new Set(network.layers.filter((l) => l.kind === 'conv' || l.kind === 'fc').map((l) => l.name));
  const out: Record<string, T> = {};
  for (const [layerName, entry] of Object.entries(obj)) {
    const path = `${field}.${layerName}`;
    if (!weighted.has(layerName)) throw new ValidationError(source, path, 'a layer that is not a conv or fc layer of this network', 'names of conv/fc layers');
    const e = expectObject(source, path, entry);
    checkKeys(source, path, e, keys);
    out[layerName] = read(path, e);
  }
  return out;
}

function readSensitivities(source: string, v: unknown, network: Network): Record<string, { weight: number; activation: number }> {
  return readPerWeightedLayer(source, 'sensitivities', v, network, ['weight', 'activation'], (path, e) => ({
    weight: readFiniteNumber(source, `${path}.weight`, e['weight'], 0, Number.MAX_VALUE),
    activation: readFiniteNumber(source, `${path}.activation`, e['activation'], 0, Number.MAX_VALUE),
  }));
}

function readDefaultBits(source: string, v: unknown, network: Network): Record<string, { wbits: number; abits: number }> {
  return readPerWeightedLayer(source, 'defaultBits', v, network, ['wbits', 'abits'], (path, e) => ({
    wbits: readInt(source, `${path}.wbits`, e['wbits'], 1),
    abits: readInt(source, `${path}.abits`, e['abits'], 1),
  }));
}

/**
 * Parses and fully validates a network in the JSON format; shapes are inferred and checked too, so a returned
 * network always resolves. `source` names the file in error messages.
 */
export function parseNetworkJson(text: string, source: string): Network {
  const root = expectObject(source, '(document)', parseJsonText(text, source));
  checkKeys(source, '', root, NETWORK_KEYS);
  const layersJson = expectArray(source, 'layers', root['layers']);
  if (layersJson.length === 0) throw new ValidationError(source, 'layers', describeValue(layersJson), 'at least one layer');
  const network: Network = {
    name: readString(source, 'name', root['name']),
    input: readShape(source, 'input', root['input']),
    layers: layersJson.map((l, i) => readLayer(source, `layers[${i}]`, l)),
  };
  if (root['inputLayout'] !== undefined) network.inputLayout = readEnum(source, 'inputLayout', root['inputLayout'], ['image', 'sequence', 'vector'] as const);
  if (root['defaultBits'] !== undefined) network.defaultBits = readDefaultBits(source, root['defaultBits'], network);
  if (root['sensitivities'] !== undefined) network.sensitivities = readSensitivities(source, root['sensitivities'], network);
  if (root['constantParams'] !== undefined) network.constantParams = readInt(source, 'constantParams', root['constantParams'], 0, 0);
  if (root['floatAccuracyPct'] !== undefined) network.floatAccuracyPct = readFiniteNumber(source, 'floatAccuracyPct', root['floatAccuracyPct'], 0, 100);
  resolveNetwork(network, source);
  return network;
}

function layerToJson(layer: Layer): JsonObject {
  const head: JsonObject = { name: layer.name, kind: layer.kind };
  if (layer.inputs.length > 0) head['inputs'] = [...layer.inputs];
  switch (layer.kind) {
    case 'conv': {
      const conv: JsonObject = { ...head, outChannels: layer.outChannels, kernel: layer.kernel, stride: layer.stride, pad: layer.pad, dilation: layer.dilation, groups: layer.groups, bias: layer.bias };
      return layer.recurrent ? { ...conv, recurrent: layer.recurrent } : conv;
    }
    case 'col2im':
      return { ...head, outChannels: layer.outChannels, kernel: layer.kernel, stride: layer.stride, dilation: layer.dilation, pad: layer.pad, outputPadding: layer.outputPadding };
    case 'fc':
      return { ...head, outFeatures: layer.outFeatures, bias: layer.bias };
    case 'pool':
      return { ...head, op: layer.op, kernel: layer.kernel, stride: layer.stride, pad: layer.pad, global: layer.global, ceilMode: layer.ceilMode };
    case 'eltwise':
      return { ...head, op: layer.op };
    case 'concat':
      return layer.axis === undefined ? head : { ...head, axis: layer.axis };
    case 'activation':
      return layer.learned === undefined ? { ...head, fn: layer.fn } : { ...head, fn: layer.fn, learned: layer.learned };
    case 'pass':
      return { ...head, fn: layer.fn };
    case 'reshape':
      return { ...head, shape: layer.shape, rows: layer.rows };
    case 'pad':
      return { ...head, axis: layer.axis, before: layer.before, after: layer.after };
    case 'slice':
      return { ...head, axis: layer.axis, start: layer.start, size: layer.size, step: layer.step };
    case 'matmul':
      return { ...head, heads: layer.heads, transB: layer.transB, ...(layer.causal === true ? { causal: true } : {}) };
    case 'norm':
      return { ...head, fn: layer.fn, groups: layer.groups, affine: layer.affine };
    case 'softmax':
      return { ...head, axis: layer.axis, log: layer.log };
    case 'reduce':
      return { ...head, op: layer.op, axes: layer.axes, groups: layer.groups };
    case 'resize':
      return { ...head, mode: layer.mode, scale: layer.scale };
  }
}

/**
 * Exports a network in the explicit JSON form (every field written, pairs and pads as arrays), one layer per
 * line so diffs stay readable.
 */
export function networkToJson(network: Network): string {
  const lines: string[] = ['{', `  "name": ${JSON.stringify(network.name)},`, `  "input": ${JSON.stringify(network.input)},`];
  if (network.inputLayout !== undefined) lines.push(`  "inputLayout": ${JSON.stringify(network.inputLayout)},`);
  if (network.constantParams !== undefined) lines.push(`  "constantParams": ${JSON.stringify(network.constantParams)},`);
  if (network.floatAccuracyPct !== undefined) lines.push(`  "floatAccuracyPct": ${JSON.stringify(network.floatAccuracyPct)},`);
  if (network.defaultBits !== undefined) lines.push(`  "defaultBits": ${JSON.stringify(network.defaultBits)},`);
  if (network.sensitivities !== undefined) lines.push(`  "sensitivities": ${JSON.stringify(network.sensitivities)},`);
  lines.push('  "layers": [');
  network.layers.forEach((layer, i) => {
    lines.push(`    ${JSON.stringify(layerToJson(layer))}${i < network.layers.length - 1 ? ',' : ''}`);
  });
  lines.push('  ]', '}');
  return `${lines.join('\n')}\n`;
}
