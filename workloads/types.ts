/**
 * Network descriptions: a DAG of layers, as data. Tensor shapes are channels x height x width per image
 * (batch is always 1 inside lrmp); a fully connected layer sees its input flattened.
 */

/** Name that refers to the network's input tensor in `inputs`. */
export const NETWORK_INPUT = 'input' as const;

export interface Shape {
  channels: number;
  height: number;
  width: number;
}

interface LayerBase {
  /** Unique within the network; plans refer to layers by it. */
  name: string;
  /** Producer layer names, or `input` for the network input. Empty/omitted: the previous layer in the list. */
  inputs: string[];
}

export interface ConvLayer extends LayerBase {
  kind: 'conv';
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  /** [top, left, bottom, right] zero padding. */
  pad: [number, number, number, number];
  dilation: [number, number];
  /** groups = inChannels is depthwise. */
  groups: number;
  bias: boolean;
}

export interface FcLayer extends LayerBase {
  kind: 'fc';
  outFeatures: number;
  bias: boolean;
}

export interface PoolLayer extends LayerBase {
  kind: 'pool';
  op: 'max' | 'avg';
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number, number, number];
  /** Pools the whole plane to 1x1 (kernel/stride ignored). */
  global: boolean;
  /** Output size rounds up, as PyTorch ceil_mode. @default false */
  ceilMode: boolean;
}

/** Element-wise op between two or more tensors of the same shape (residual add, SE multiply). */
export interface EltwiseLayer extends LayerBase {
  kind: 'eltwise';
  op: 'add' | 'sub' | 'mul' | 'div';
}

/** Concatenation along channels. */
export interface ConcatLayer extends LayerBase {
  kind: 'concat';
}

/** Per-element activation function, done by the tile's digital units. */
export interface ActivationLayer extends LayerBase {
  kind: 'activation';
  fn: 'relu' | 'relu6' | 'sigmoid' | 'hardswish' | 'hardsigmoid' | 'scale';
}

/** Shape-preserving or reshaping layers that cost nothing (batchnorm folded, flatten, dropout, identity). */
export interface PassLayer extends LayerBase {
  kind: 'pass';
  fn: 'batchnorm' | 'flatten' | 'dropout' | 'identity';
}

export type Layer = ConvLayer | FcLayer | PoolLayer | EltwiseLayer | ConcatLayer | ActivationLayer | PassLayer;
export type LayerKind = Layer['kind'];
export type WeightedLayer = ConvLayer | FcLayer;

export interface Network {
  name: string;
  /** Shape of one input image. */
  input: Shape;
  /** Topologically ordered. */
  layers: Layer[];
  /**
   * Optional per-layer accuracy sensitivity for the separable accuracy proxy, by weighted-layer name
   * (percentage points of top-1 per unit of normalised quantization noise).
   */
  sensitivities?: Record<string, { weight: number; activation: number }>;
  /** Full-precision top-1 accuracy in percent, when known. */
  floatAccuracyPct?: number;
}

/** A layer with inferred shapes (the output of shape inference). */
export interface ResolvedLayer {
  layer: Layer;
  /** Position in `Network.layers`. */
  index: number;
  /** Indices of producers; -1 is the network input. */
  inputIndices: number[];
  /** Shape of each input, in the order of `inputIndices`. */
  inShapes: Shape[];
  outShape: Shape;
  /** Parameters: conv/fc weights + bias; a folded batchnorm counts its 2 x C affine parameters (as torchvision does); else 0. */
  params: number;
  /** Multiply-accumulates per image. */
  macs: number;
}

export interface ResolvedNetwork {
  network: Network;
  layers: ResolvedLayer[];
  /** Indices (into `layers`) of conv/fc layers, in order. */
  weightedIndices: number[];
  totalParams: number;
}
