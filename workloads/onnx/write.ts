/**
 * Writes a network as an ONNX file in memory (tests and the bench make ONNX files of zoo networks with it), with the
 * same protobufjs schema the importer reads, in the node patterns PyTorch's exporter emits: Conv + BatchNormalization + Relu, Clip with Constant bounds for ReLU6, Add residuals,
 * GlobalAveragePool + Flatten + Gemm, and `x.view(x.size(0), -1)` as Shape/Gather/Unsqueeze/Concat/Reshape.
 */
import { encodeModel, type ModelInit } from './proto';
import { resolveNetwork } from '../shapes';
import { NETWORK_INPUT, type Layer, type Network, type ResolvedLayer } from '../types';

const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_GRAPH = 5;
const ATTR_INTS = 7;

export interface OnnxBuildOptions {
  /** Write zero-filled raw_data for weights, as a real file has. @default false (dims only) */
  weights?: boolean;
  /** Batch dimension as the symbolic 'batch_size'. @default false */
  dynamicBatch?: boolean;
  /** Height and width as symbolic 'height', 'width'. @default false */
  dynamicSpatial?: boolean;
  /** How a flatten layer is exported: `Flatten`, or the `view` chain Shape/Gather/Unsqueeze/Concat/Reshape. @default 'Flatten' */
  flatten?: 'Flatten' | 'view';
  /** Default-domain opset. @default 13 */
  opset?: number;
}

type Attr = Record<string, unknown>;
export type NodeInit = { name: string; opType: string; input: string[]; output: string[]; attribute: Attr[] };
type TensorInit = Record<string, unknown>;

export const ints = (name: string, values: number[]): Attr => ({ name, type: ATTR_INTS, ints: values });
export const int = (name: string, value: number): Attr => ({ name, type: ATTR_INT, i: value });
export const float = (name: string, value: number): Attr => ({ name, type: ATTR_FLOAT, f: value });
export const str = (name: string, value: string): Attr => ({ name, type: ATTR_STRING, s: Buffer.from(value, 'utf8') });
/** A subgraph attribute (If branches): nodes, initializers and the tensors it outputs. */
export const graphAttr = (name: string, nodes: NodeInit[], outputs: string[], initializer: TensorInit[] = []): Attr => ({
  name,
  type: ATTR_GRAPH,
  g: { name, node: nodes, initializer, input: [], output: outputs.map((o) => ({ name: o })) },
});

/** An int64 tensor with values (raw_data, little-endian, as PyTorch writes constants). */
export function int64Tensor(name: string, dims: number[], values: number[]): TensorInit {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims, dataType: INT64, rawData: raw };
}

export function floatTensor(name: string, dims: number[], values: number[]): TensorInit {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, dataType: FLOAT, rawData: raw };
}

/** Low-level graph assembly; `model()` encodes it. */
export class OnnxGraphBuilder {
  readonly nodes: NodeInit[] = [];
  readonly initializers: TensorInit[] = [];
  private inputDims: (number | string)[] = [];
  private inputName = 'input';
  private outputName = '';
  /** More graph inputs after the first: name, dims, element type. */
  private readonly moreInputs: { name: string; dims: (number | string)[]; elemType: number }[] = [];

  constructor(private readonly weights: boolean) {}

  input(name: string, dims: (number | string)[]): void {
    this.inputName = name;
    this.inputDims = dims;
  }

  output(name: string): void {
    this.outputName = name;
  }

  /** Another graph input (a state, a sample rate); elemType 1 = float, 7 = int64. */
  extraInput(name: string, dims: (number | string)[], elemType = FLOAT): void {
    this.moreInputs.push({ name, dims, elemType });
  }

  /** A weight initializer of another element type (3 = int8, 10 = float16), zero-filled when weights are written. */
  typedWeight(name: string, dims: number[], dataType: number, bytesPerElement: number): string {
    const bytes = this.weights ? new Uint8Array(dims.reduce((a, b) => a * b, 1) * bytesPerElement) : undefined;
    this.initializers.push(bytes ? { name, dims, dataType, rawData: bytes } : { name, dims, dataType });
    return name;
  }

  node(opType: string, name: string, input: string[], attribute: Attr[] = [], outputs = 1): string {
    const output = Array.from({ length: outputs }, (_, k) => `${name}_output_${k}`);
    this.nodes.push({ name, opType, input, output, attribute });
    return output[0] ?? '';
  }

  /** A weight initializer: dims, and zero raw_data if weights are written. */
  weight(name: string, dims: number[]): string {
    const bytes = this.weights ? new Uint8Array(dims.reduce((a, b) => a * b, 1) * 4) : undefined;
    this.initializers.push(bytes ? { name, dims, dataType: FLOAT, rawData: bytes } : { name, dims, dataType: FLOAT });
    return name;
  }

  constant(name: string, tensor: TensorInit): string {
    return this.node('Constant', name, [], [{ name: 'value', type: ATTR_TENSOR, t: tensor }]);
  }

  model(opset: number, graphName: string): ModelInit {
    const dim = this.inputDims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
    return {
      irVersion: 8,
      producerName: 'pytorch',
      producerVersion: '2.1.0',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: [
          { name: this.inputName, type: { tensorType: { elemType: FLOAT, shape: { dim } } } },
          ...this.moreInputs.map((i) => ({
            name: i.name,
            type: { tensorType: { elemType: i.elemType, shape: { dim: i.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
          })),
        ],
        output: [{ name: this.outputName, type: { tensorType: { elemType: FLOAT } } }],
      },
    };
  }
}

/** Emits the ONNX nodes of one lrmp layer; returns its output tensor. */
function emitLayer(g: OnnxGraphBuilder, r: ResolvedLayer, ins: string[], options: OnnxBuildOptions, rank2: Set<string>): string {
  const layer: Layer = r.layer;
  const n = `/${layer.name}`;
  const x = ins[0] ?? '';
  const inC = r.inShapes[0]?.channels ?? 0;
  switch (layer.kind) {
    case 'conv': {
      const w = g.weight(`${layer.name}.weight`, [layer.outChannels, inC / layer.groups, ...layer.kernel]);
      const inputs = layer.bias ? [x, w, g.weight(`${layer.name}.bias`, [layer.outChannels])] : [x, w];
      return g.node('Conv', `${n}/Conv`, inputs, [
        ints('dilations', layer.dilation),
        int('group', layer.groups),
        ints('kernel_shape', layer.kernel),
        ints('pads', layer.pad),
        ints('strides', layer.stride),
      ]);
    }
    case 'fc': {
      let flat = x;
      if (!rank2.has(x)) flat = g.node('Flatten', `${n}/Flatten`, [x], [int('axis', 1)]);
      const inF = (r.inShapes[0]?.channels ?? 0) * (r.inShapes[0]?.height ?? 0) * (r.inShapes[0]?.width ?? 0);
      const w = g.weight(`${layer.name}.weight`, [layer.outFeatures, inF]);
      const inputs = layer.bias ? [flat, w, g.weight(`${layer.name}.bias`, [layer.outFeatures])] : [flat, w];
      const out = g.node('Gemm', `${n}/Gemm`, inputs, [float('alpha', 1), float('beta', 1), int('transB', 1)]);
      rank2.add(out);
      return out;
    }
    case 'pool':
      if (layer.global) return g.node(layer.op === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', `${n}/GlobalPool`, [x]);
      return g.node(layer.op === 'max' ? 'MaxPool' : 'AveragePool', `${n}/Pool`, [x], [
        int('ceil_mode', layer.ceilMode ? 1 : 0),
        ints('kernel_shape', layer.kernel),
        ints('pads', layer.pad),
        ints('strides', layer.stride),
      ]);
    case 'eltwise': {
      const op = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', max: 'Max', min: 'Min', pow: 'Pow', equal: 'Equal', greater: 'Greater', less: 'Less', and: 'And', or: 'Or', select: 'Where' }[layer.op];
      // Two-input ops chain for more inputs.
      let acc = x;
      ins.slice(1).forEach((other, k) => (acc = g.node(op, `${n}/${op}${k === 0 ? '' : `_${k}`}`, [acc, other])));
      return acc;
    }
    case 'concat':
      return g.node('Concat', `${n}/Concat`, ins, [int('axis', 1)]);
    case 'activation':
      switch (layer.fn) {
        case 'relu':
          return g.node('Relu', `${n}/Relu`, [x]);
        case 'relu6': {
          const lo = g.constant(`${n}/Constant`, floatTensor('', [], [0]));
          const hi = g.constant(`${n}/Constant_1`, floatTensor('', [], [6]));
          return g.node('Clip', `${n}/Clip`, [x, lo, hi]);
        }
        case 'sigmoid':
          return g.node('Sigmoid', `${n}/Sigmoid`, [x]);
        case 'hardswish':
          return g.node('HardSwish', `${n}/HardSwish`, [x]);
        case 'hardsigmoid':
          return g.node('HardSigmoid', `${n}/HardSigmoid`, [x], [float('alpha', 1 / 6)]);
        case 'scale': {
          const c = g.constant(`${n}/Constant`, floatTensor('', [], [0.5]));
          return g.node('Mul', `${n}/Mul`, [x, c]);
        }
        default:
          break;
      }
      break;
    case 'pass':
      switch (layer.fn) {
        case 'batchnorm': {
          const p = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => g.weight(`${layer.name}.${s}`, [inC]));
          return g.node('BatchNormalization', `${n}/BatchNormalization`, [x, ...p], [float('epsilon', 1e-5), float('momentum', 0.9)]);
        }
        case 'flatten': {
          const out = options.flatten === 'view' ? viewChain(g, n, x) : g.node('Flatten', `${n}/Flatten`, [x], [int('axis', 1)]);
          rank2.add(out);
          return out;
        }
        case 'dropout':
        case 'identity': {
          const out = g.node(layer.fn === 'dropout' ? 'Dropout' : 'Identity', `${n}/${layer.fn === 'dropout' ? 'Dropout' : 'Identity'}`, [x]);
          if (rank2.has(x)) rank2.add(out);
          return out;
        }
      }
  }
  throw new Error(`onnx-builder: layer kind of '${r.layer.name}' not handled`);
}

/** `x.view(x.size(0), -1)` as PyTorch exports it (opset 13: Unsqueeze axes as an input). */
function viewChain(g: OnnxGraphBuilder, n: string, x: string): string {
  const shape = g.node('Shape', `${n}/Shape`, [x]);
  const zero = g.constant(`${n}/Constant`, int64Tensor('', [], [0]));
  const batch = g.node('Gather', `${n}/Gather`, [shape, zero], [int('axis', 0)]);
  const axes = g.constant(`${n}/Constant_1`, int64Tensor('', [1], [0]));
  const unsq = g.node('Unsqueeze', `${n}/Unsqueeze`, [batch, axes]);
  const minusOne = g.constant(`${n}/Constant_2`, int64Tensor('', [1], [-1]));
  const target = g.node('Concat', `${n}/Concat`, [unsq, minusOne], [int('axis', 0)]);
  return g.node('Reshape', `${n}/Reshape`, [x, target]);
}

/** The ONNX model of an lrmp network, as encoded bytes. */
export function networkToOnnx(network: Network, options: OnnxBuildOptions = {}): Uint8Array {
  const resolved = resolveNetwork(network);
  const g = new OnnxGraphBuilder(options.weights ?? false);
  const { channels, height, width } = network.input;
  const spatial = options.dynamicSpatial ? ['height', 'width'] : [height, width];
  g.input('input', [options.dynamicBatch ? 'batch_size' : 1, channels, ...spatial]);
  const tensorOf = new Map<string, string>([[NETWORK_INPUT, 'input']]);
  const rank2 = new Set<string>();
  let last = 'input';
  for (const r of resolved.layers) {
    const ins = r.inputIndices.map((i) => tensorOf.get(i < 0 ? NETWORK_INPUT : (resolved.layers[i]?.layer.name ?? '')) ?? '');
    last = emitLayer(g, r, ins, options, rank2);
    // Shape-preserving layers keep a flattened [N, F] tensor flat.
    if ((r.layer.kind === 'activation' || r.layer.kind === 'pass' || r.layer.kind === 'eltwise') && rank2.has(ins[0] ?? '')) rank2.add(last);
    tensorOf.set(r.layer.name, last);
  }
  g.output(last);
  return encodeModel(g.model(options.opset ?? 13, network.name));
}
