/**
 * Shape inference over a network's layer DAG: every layer's input and output shape, parameter count and MACs,
 * with the structural checks (unique names, inputs that exist and come earlier, kernels that fit).
 */
import { blockSequences, unblockedInput } from './sequence-block';
import { ShapeError, ValidationError } from '../errors';
import { NETWORK_INPUT, type Layer, type Network, type ResolvedLayer, type ResolvedNetwork, type Shape } from './types';
import {
  broadcastShape, col2imOut, convOut, fcOut, formatShape, matmulOut, poolOut, reduceOut, resizeOut, shapeSize,
} from './layer-shapes';
import { LIMITS, MAX_LAYERS, describeRange, inRange, type NumericRange } from '../limits';
import { checkLayerWeights, checkTensorSize } from './size-limits';

export { formatShape, shapeSize } from './layer-shapes';

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
