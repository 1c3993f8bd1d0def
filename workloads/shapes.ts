/**
 * Shape inference over a network's layer DAG: every layer's input and output shape, parameter count and MACs,
 * with the structural checks (unique names, inputs that exist and come earlier, kernels that fit).
 */
import { blockSequences, unblockedInput } from './sequence-block';
import { ShapeError, ValidationError } from '../errors';
import {
  NETWORK_INPUT,
  type ConvLayer,
  type FcLayer,
  type Layer,
  type Network,
  type MatMulLayer,
  type PoolLayer,
  recurrentGates,
  type ReduceLayer,
  type ResizeLayer,
  type Col2imLayer,
  type ResolvedLayer,
  type ResolvedNetwork,
  type Shape,
} from './types';
import { LIMITS, MAX_LAYERS, describeRange, inRange, type NumericRange } from '../limits';
import { checkLayerWeights, checkTensorSize } from './size-limits';

/** Formats a shape as `CxHxW`, the way error messages print it. */
export function formatShape(shape: Shape): string {
  return `${shape.channels}x${shape.height}x${shape.width}`;
}

/** Number of elements of one tensor of this shape. */
export function shapeSize(shape: Shape): number {
  return shape.channels * shape.height * shape.width;
}

/** Checks the numeric fields of one layer against limits.ts (the JSON importer checks them too, but zoo, CSV and ONNX networks come here directly). */
function checkLayerFields(source: string, index: number, layer: Layer): void {
  const at = (field: string): string => `layers[${index}].${field}`;
  const one = (field: string, value: number, range: NumericRange): void => {
    if (!inRange(value, range)) throw new ValidationError(source, at(field), `${value} (layer '${layer.name}')`, describeRange(range));
  };
  const pairs = (field: string, values: readonly number[], range: NumericRange): void => {
    if (!values.every((v) => inRange(v, range))) throw new ValidationError(source, at(field), `[${values.join(', ')}] (layer '${layer.name}')`, `each ${describeRange(range)}`);
  };
  switch (layer.kind) {
    case 'conv':
      one('outChannels', layer.outChannels, LIMITS.channels);
      one('groups', layer.groups, LIMITS.groups);
      if (layer.recurrent && !(layer.recurrent.directions === 1 || layer.recurrent.directions === 2)) {
        throw new ValidationError(source, at('recurrent.directions'), `${layer.recurrent.directions} (layer '${layer.name}')`, '1 or 2');
      }
      pairs('kernel', layer.kernel, LIMITS.kernel);
      pairs('stride', layer.stride, LIMITS.stride);
      pairs('dilation', layer.dilation, LIMITS.dilation);
      pairs('pad', layer.pad, LIMITS.pad);
      break;
    case 'activation':
      if (layer.learned !== undefined) one('learned', layer.learned, LIMITS.learnedParams);
      break;
    case 'col2im':
      one('outChannels', layer.outChannels, LIMITS.channels);
      pairs('kernel', layer.kernel, LIMITS.kernel);
      pairs('stride', layer.stride, LIMITS.stride);
      pairs('dilation', layer.dilation, LIMITS.dilation);
      pairs('pad', layer.pad, LIMITS.pad);
      pairs('outputPadding', layer.outputPadding, LIMITS.pad);
      break;
    case 'fc':
      one('outFeatures', layer.outFeatures, LIMITS.features);
      break;
    case 'pool':
      pairs('kernel', layer.kernel, LIMITS.kernel);
      pairs('stride', layer.stride, LIMITS.stride);
      pairs('pad', layer.pad, LIMITS.pad);
      break;
    case 'reshape':
      if (!inRange(layer.shape.channels, LIMITS.channels) || !inRange(layer.shape.height, LIMITS.spatial) || !inRange(layer.shape.width, LIMITS.spatial)) {
        throw new ValidationError(source, at('shape'), `${formatShape(layer.shape)} (layer '${layer.name}')`, `channels ${describeRange(LIMITS.channels)}, height and width ${describeRange(LIMITS.spatial)}`);
      }
      break;
    case 'matmul':
    case 'norm':
    case 'reduce': {
      const value = layer.kind === 'matmul' ? layer.heads : layer.groups;
      const field = layer.kind === 'matmul' ? 'heads' : 'groups';
      one(field, value, LIMITS.groups);
      break;
    }
    case 'pad':
      pairs('before/after', [layer.before, layer.after], LIMITS.sliceStart);
      break;
    case 'slice':
      one('start', layer.start, LIMITS.sliceStart);
      one('size', layer.size, LIMITS.channels);
      one('step', layer.step, LIMITS.stride);
      break;
    case 'resize':
      pairs('scale', layer.scale, LIMITS.resizeScale);
      break;
    default:
      break;
  }
}

/** Output length of a sliding window along one axis (PyTorch's formula, including ceil_mode's last-window rule). */
function windowOut(inLen: number, padLo: number, padHi: number, kernel: number, stride: number, dilation: number, ceilMode: boolean): number {
  const span = inLen + padLo + padHi - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch drops a last window that would start entirely in the bottom/right padding.
  if (ceilMode && (out - 1) * stride >= inLen + padLo) out -= 1;
  return out;
}

function convOut(source: string, layer: ConvLayer, input: Shape, producer: string): { outShape: Shape; params: number; macs: number } {
  const inC = input.channels;
  if (inC % layer.groups !== 0 || layer.outChannels % layer.groups !== 0) {
    throw new ShapeError(
      `${source}: layer '${layer.name}': groups ${layer.groups} must divide both its input channels ${inC} (from '${producer}') ` +
        `and its output channels ${layer.outChannels}.`,
    );
  }
  const [kh, kw] = layer.kernel;
  const [sh, sw] = layer.stride;
  const [dh, dw] = layer.dilation;
  const [pt, pl, pb, pr] = layer.pad;
  const height = windowOut(input.height, pt, pb, kh, sh, dh, false);
  const width = windowOut(input.width, pl, pr, kw, sw, dw, false);
  if (height < 1 || width < 1) {
    throw new ShapeError(
      `${source}: layer '${layer.name}': kernel ${kh}x${kw} (dilation ${dh}x${dw}) does not fit its padded input ` +
        `${formatShape(input)} from '${producer}' (pad [${layer.pad.join(', ')}]); output would be ${height}x${width}.`,
    );
  }
  const outShape: Shape = { channels: layer.outChannels, height, width };
  if (layer.recurrent) {
    const { cell, directions } = layer.recurrent;
    if (kh !== 1 || kw !== 1 || input.width !== 1 || layer.groups !== 1 || layer.outChannels % directions !== 0) {
      throw new ShapeError(
        `${source}: layer '${layer.name}' (${cell}) must be a 1x1, ungrouped layer over a sequence (width 1) with outChannels a multiple of its ${directions} direction(s); ` +
          `it has kernel ${kh}x${kw}, groups ${layer.groups}, input ${formatShape(input)} from '${producer}'.`,
      );
    }
    // Per direction gates x hidden x (F + hidden) weights: W (input) and R (recurrence); two bias vectors (ONNX Wb, Rb).
    const gates = recurrentGates(cell);
    const weights = gates * layer.outChannels * (inC + layer.outChannels / directions);
    return { outShape, params: weights + (layer.bias ? 2 * gates * layer.outChannels : 0), macs: weights * height };
  }
  const weights = layer.outChannels * (inC / layer.groups) * kh * kw;
  const params = weights + (layer.bias ? layer.outChannels : 0);
  return { outShape, params, macs: weights * height * width };
}

function fcOut(layer: FcLayer, input: Shape): { outShape: Shape; params: number; macs: number } {
  const inFeatures = shapeSize(input);
  const weights = inFeatures * layer.outFeatures;
  return {
    outShape: { channels: layer.outFeatures, height: 1, width: 1 },
    params: weights + (layer.bias ? layer.outFeatures : 0),
    macs: weights,
  };
}

function poolOut(source: string, layer: PoolLayer, input: Shape, producer: string): Shape {
  if (layer.global) return { channels: input.channels, height: 1, width: 1 };
  const [kh, kw] = layer.kernel;
  const [sh, sw] = layer.stride;
  const [pt, pl, pb, pr] = layer.pad;
  const height = windowOut(input.height, pt, pb, kh, sh, 1, layer.ceilMode);
  const width = windowOut(input.width, pl, pr, kw, sw, 1, layer.ceilMode);
  if (height < 1 || width < 1) {
    throw new ShapeError(
      `${source}: layer '${layer.name}': pooling window ${kh}x${kw} does not fit its input ${formatShape(input)} from '${producer}'; ` +
        `output would be ${height}x${width}.`,
    );
  }
  return { channels: input.channels, height, width };
}

/** Output of an element-wise op: per axis the largest size; each input has it, or 1 (channels: or a divisor). */
function broadcastShape(shapes: Shape[]): Shape | undefined {
  const out: Shape = {
    channels: Math.max(...shapes.map((s) => s.channels)),
    height: Math.max(...shapes.map((s) => s.height)),
    width: Math.max(...shapes.map((s) => s.width)),
  };
  const fits = (v: number, o: number, divisor: boolean): boolean => v === o || v === 1 || (divisor && o % v === 0);
  return shapes.every((s) => fits(s.channels, out.channels, true) && fits(s.height, out.height, false) && fits(s.width, out.width, false))
    ? out
    : undefined;
}

function matmulOut(source: string, layer: MatMulLayer, a: Shape, b: Shape): { outShape: Shape; macs: number } {
  const h = layer.heads;
  const fail = (why: string): ShapeError =>
    new ShapeError(`${source}: layer '${layer.name}' (matmul, ${h} head(s), transB ${layer.transB}): ${why} (A ${formatShape(a)}, B ${formatShape(b)}).`);
  if (b.width !== 1) throw fail('B must have one column');
  if (a.channels % h !== 0 || b.channels % h !== 0) throw fail(`the heads must divide both inputs' channels`);
  // transB: B rows are the output columns (K^T); else B rows are the contracted axis (V).
  const k = layer.transB ? b.channels / h : b.height;
  const n = layer.transB ? b.height : b.channels / h;
  if (a.channels !== h * k) throw fail(`A's channels must be heads x ${k} (the contracted size)`);
  const outShape = { channels: h * n, height: a.height, width: a.width };
  if (layer.causal !== true) return { outShape, macs: a.height * a.width * h * n * k };
  // Causal: row i pairs with B rows 0..i only, i + 1 of the T keys (Q.K^T) or values (A.V).
  if (b.height !== a.height) throw fail('a causal product needs as many rows in B as in A (one per token)');
  const pairs = (a.height * (a.height + 1)) / 2;
  return { outShape, macs: pairs * a.width * h * (layer.transB ? k : n) };
}

function reduceOut(source: string, layer: ReduceLayer, input: Shape): Shape {
  if (layer.axes.includes('channels') && input.channels % layer.groups !== 0) {
    throw new ShapeError(`${source}: layer '${layer.name}' (reduce ${layer.op}): groups ${layer.groups} must divide its input channels ${input.channels}.`);
  }
  return {
    channels: layer.axes.includes('channels') ? layer.groups : input.channels,
    height: layer.axes.includes('height') ? 1 : input.height,
    width: layer.axes.includes('width') ? 1 : input.width,
  };
}

function resizeOut(source: string, layer: ResizeLayer, input: Shape): Shape {
  const out = { channels: input.channels, height: Math.floor(input.height * layer.scale[0] + 1e-9), width: Math.floor(input.width * layer.scale[1] + 1e-9) };
  if (out.height < 1 || out.width < 1) {
    throw new ShapeError(`${source}: layer '${layer.name}' (resize x[${layer.scale.join(', ')}]) makes ${formatShape(out)} from ${formatShape(input)}.`);
  }
  return out;
}

/** ConvTranspose's output per axis: stride x (in - 1) + dilation x (kernel - 1) + 1 + outputPadding - pads. */
function col2imOut(source: string, layer: Col2imLayer, input: Shape): Shape {
  const [kh, kw] = layer.kernel;
  if (input.channels !== layer.outChannels * kh * kw) {
    throw new ShapeError(`${source}: layer '${layer.name}' (col2im ${layer.outChannels} x ${kh}x${kw}) reads ${formatShape(input)}: its channels must be ${layer.outChannels * kh * kw}.`);
  }
  const axis = (inLen: number, a: 0 | 1): number =>
    layer.stride[a] * (inLen - 1) + layer.dilation[a] * (layer.kernel[a] - 1) + 1 + layer.outputPadding[a] - layer.pad[a] - (a === 0 ? layer.pad[2] : layer.pad[3]);
  const out = { channels: layer.outChannels, height: axis(input.height, 0), width: axis(input.width, 1) };
  if (out.height < 1 || out.width < 1) {
    throw new ShapeError(`${source}: layer '${layer.name}' (col2im, pads [${layer.pad.join(', ')}]) crops ${formatShape(input)} to ${formatShape(out)}.`);
  }
  return out;
}

/** How many inputs each kind takes: [min, max]. */
const INPUT_ARITY: Record<Layer['kind'], [number, number]> = {
  conv: [1, 1],
  col2im: [1, 1],
  fc: [1, 1],
  pool: [1, 1],
  activation: [1, 1],
  pass: [1, 1],
  eltwise: [2, Infinity],
  concat: [1, Infinity],
  reshape: [1, 1],
  pad: [1, 1],
  slice: [1, 1],
  matmul: [2, 2],
  norm: [1, 1],
  softmax: [1, 1],
  reduce: [1, 1],
  resize: [1, 1],
};

/**
 * Infers every layer's shapes, parameters and MACs; throws ValidationError for structural mistakes and ShapeError
 * when shapes do not agree (naming the layers involved).
 * @param source what error messages name as the origin @default `network '<name>'`
 */
export function resolveNetwork(given: Network, source = `network '${given.name}'`): ResolvedNetwork {
  // A network resolved with sequence blocking carries its blocked input: resolve from the unblocked one, then block.
  const network: Network = given.sequenceBlock !== undefined && given.sequenceBlock > 1 ? { ...given, input: unblockedInput(given) } : given;
  const { input } = network;
  if (!inRange(input.channels, LIMITS.channels) || !inRange(input.height, LIMITS.spatial) || !inRange(input.width, LIMITS.spatial)) {
    throw new ValidationError(source, 'input', formatShape(input), `channels ${describeRange(LIMITS.channels)}, height and width ${describeRange(LIMITS.spatial)}`);
  }
  checkTensorSize(source, 'input', NETWORK_INPUT, input);
  if (network.layers.length === 0) throw new ValidationError(source, 'layers', 'empty', 'at least one layer');
  if (network.layers.length > MAX_LAYERS) throw new ValidationError(source, 'layers', `${network.layers.length} layers`, `at most ${MAX_LAYERS}`);

  const indexByName = new Map<string, number>();
  const resolved: ResolvedLayer[] = [];
  const weightedIndices: number[] = [];
  let totalParams = 0;

  network.layers.forEach((layer, index) => {
    if (layer.name === NETWORK_INPUT) {
      throw new ValidationError(source, `layers[${index}].name`, `'${layer.name}'`, `any name but '${NETWORK_INPUT}' (it means the network input)`);
    }
    if (layer.name.length === 0) throw new ValidationError(source, `layers[${index}].name`, 'empty', 'a non-empty, unique name');
    const earlier = indexByName.get(layer.name);
    if (earlier !== undefined) {
      throw new ValidationError(source, `layers[${index}].name`, `'${layer.name}' (already used by layers[${earlier}])`, 'a unique name');
    }
    checkLayerFields(source, index, layer);

    const names = layer.inputs.length > 0 ? layer.inputs : [index === 0 ? NETWORK_INPUT : (network.layers[index - 1]?.name ?? NETWORK_INPUT)];
    const [minIn, maxIn] = INPUT_ARITY[layer.kind];
    if (names.length < minIn || names.length > maxIn) {
      const allowed = minIn === maxIn ? `exactly ${minIn}` : `at least ${minIn}`;
      throw new ValidationError(source, `layers[${index}].inputs`, `${names.length} input(s) for ${layer.kind} layer '${layer.name}'`, `${allowed} input(s)`);
    }
    const inputIndices = names.map((name) => {
      if (name === NETWORK_INPUT) return -1;
      const at = indexByName.get(name);
      if (at === undefined) {
        const later = network.layers.findIndex((l) => l.name === name);
        const found = later >= 0 ? `'${name}', which comes later (layers[${later}])` : `'${name}', which is not a layer`;
        throw new ValidationError(source, `layers[${index}].inputs`, `${found} (layer '${layer.name}')`, `'${NETWORK_INPUT}' or the name of an earlier layer`);
      }
      return at;
    });
    const producerName = (i: number): string => (i < 0 ? NETWORK_INPUT : (resolved[i]?.layer.name ?? NETWORK_INPUT));
    const inShapes = inputIndices.map((i) => (i < 0 ? { ...input } : { ...(resolved[i] as ResolvedLayer).outShape }));
    const first = inShapes[0] as Shape;
    const firstProducer = producerName(inputIndices[0] as number);

    let outShape: Shape;
    let params = 0;
    let macs = 0;
    switch (layer.kind) {
      case 'conv':
        ({ outShape, params, macs } = convOut(source, layer, first, firstProducer));
        break;
      case 'fc':
        ({ outShape, params, macs } = fcOut(layer, first));
        break;
      case 'pool':
        outShape = poolOut(source, layer, first, firstProducer);
        break;
      case 'eltwise': {
        const out = broadcastShape(inShapes);
        if (!out) {
          const parts = inShapes.map((sh, k) => `'${producerName(inputIndices[k] as number)}' gives ${formatShape(sh)}`);
          const listed = `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`;
          throw new ShapeError(
            `${source}: layer '${layer.name}' (${layer.op}) needs inputs of one shape (or of size 1 along an axis, to broadcast), but ${listed}.`,
          );
        }
        outShape = out;
        break;
      }
      case 'concat': {
        const axis = layer.axis ?? 'channels';
        const along = (sh: Shape): number => sh[axis];
        const others = (sh: Shape): string => (['channels', 'height', 'width'] as const).filter((x) => x !== axis).map((x) => sh[x]).join('x');
        inShapes.forEach((sh, k) => {
          if (others(sh) !== others(first)) {
            throw new ShapeError(
              `${source}: layer '${layer.name}' (concat along ${axis}) needs inputs that agree on the other axes, but '${firstProducer}' gives ` +
                `${formatShape(first)} and '${producerName(inputIndices[k] as number)}' gives ${formatShape(sh)}.`,
            );
          }
        });
        outShape = { ...first, [axis]: inShapes.reduce((sum, sh) => sum + along(sh), 0) };
        break;
      }
      case 'reshape':
        if (shapeSize(layer.shape) !== shapeSize(first)) {
          throw new ShapeError(
            `${source}: layer '${layer.name}' (reshape to ${formatShape(layer.shape)}) needs ${shapeSize(layer.shape)} elements, but '${firstProducer}' gives ${formatShape(first)}.`,
          );
        }
        outShape = { ...layer.shape };
        break;
      case 'pad':
        outShape = { ...first, [layer.axis]: first[layer.axis] + layer.before + layer.after };
        break;
      case 'slice': {
        const length = first[layer.axis];
        if (layer.start + (layer.size - 1) * layer.step >= length) {
          throw new ShapeError(
            `${source}: layer '${layer.name}' (slice of ${layer.axis} from ${layer.start}, ${layer.size} x step ${layer.step}) reaches past ` +
              `the ${length} ${layer.axis} of '${firstProducer}' (${formatShape(first)}).`,
          );
        }
        outShape = { ...first, [layer.axis]: layer.size };
        break;
      }
      case 'matmul':
        ({ outShape, macs } = matmulOut(source, layer, first, inShapes[1] as Shape));
        break;
      case 'norm':
        if (first.channels % layer.groups !== 0) {
          throw new ShapeError(`${source}: layer '${layer.name}' (${layer.fn} norm): groups ${layer.groups} must divide its input channels ${first.channels}.`);
        }
        outShape = { ...first };
        if (layer.affine) params = (layer.fn === 'rms' ? 1 : 2) * first.channels;
        break;
      case 'softmax':
        outShape = { ...first };
        break;
      case 'reduce':
        outShape = reduceOut(source, layer, first);
        break;
      case 'resize':
        outShape = resizeOut(source, layer, first);
        break;
      case 'col2im':
        outShape = col2imOut(source, layer, first);
        break;
      case 'activation':
        outShape = { ...first };
        params = layer.learned ?? 0;
        break;
      case 'pass':
        outShape = layer.fn === 'flatten' ? { channels: shapeSize(first), height: 1, width: 1 } : { ...first };
        // torchvision counts BN's affine weight and bias; they fold into the crossbar bias (no rows).
        if (layer.fn === 'batchnorm') params = 2 * first.channels;
        break;
    }

    checkTensorSize(source, `layers[${index}]`, layer.name, outShape);
    checkLayerWeights(source, `layers[${index}]`, layer.name, params);
    indexByName.set(layer.name, index);
    resolved.push({ layer, index, inputIndices, inShapes, outShape, params, macs });
    if (layer.kind === 'conv' || layer.kind === 'fc') weightedIndices.push(index);
    totalParams += params;
  });

  const constantParams = network.constantParams ?? 0;
  if (!(Number.isInteger(constantParams) && constantParams >= 0)) {
    throw new ValidationError(source, 'constantParams', String(constantParams), 'an integer >= 0 (parameters outside the layer graph)');
  }
  const out: ResolvedNetwork = { network, layers: resolved, weightedIndices, totalParams: totalParams + constantParams };
  return network.sequenceBlock !== undefined && network.sequenceBlock > 1 ? blockSequences(out, network.sequenceBlock, source) : out;
}

/** The output shape of the network's last layer. */
export function outputShape(resolved: ResolvedNetwork): Shape {
  const last = resolved.layers[resolved.layers.length - 1];
  return last ? last.outShape : resolved.network.input;
}
