/**
 * Network descriptions: a DAG of layers, as data. Every tensor has one internal form, channels x rows x cols per
 * image (batch is always 1 inside lrmp), where a row is the pipeline's unit (docs/hardware-model.md rule 4): an
 * image [N, C, H, W] is C x H x W; a sequence [N, T, F] is F x T x 1 (one row per time step); a vector [N, F] is
 * F x 1 x 1 (one row). A fully connected layer sees its input flattened.
 */

/** Name that refers to the network's input tensor in `inputs`. */
export const NETWORK_INPUT = 'input' as const;

export interface Shape {
  channels: number;
  /** Rows: the axis the pipeline streams (an image's rows, a sequence's time steps; 1 for a vector). */
  height: number;
  /** Elements of a row that are computed one after another (an image row's pixels; 1 for sequences). */
  width: number;
}

/** How the network input's tensor maps to channels x rows x cols (for messages and the rule book). */
export type InputLayout = 'image' | 'sequence' | 'vector';

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
  /**
   * A recurrent layer (LSTM, GRU) over a sequence (F x T x 1): kernel 1x1, outChannels = directions x hidden.
   * Each step's MVM reads [x_t; h_{t-1}] (F + outChannels crossbar rows) into gates x outChannels columns, and
   * step t needs step t-1's hidden state: its steps run one after another (never replicated); a bidirectional
   * layer needs the whole sequence before its first output step.
   */
  recurrent?: { cell: 'lstm' | 'gru'; directions: number };
}

/** Gate count of a recurrent cell: LSTM input/output/forget/cell, GRU update/reset/hidden. */
export function recurrentGates(cell: 'lstm' | 'gru'): number {
  return cell === 'lstm' ? 4 : 3;
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

/**
 * Element-wise op between two or more tensors (residual add, SE multiply, attention masks). Inputs broadcast:
 * along each of channels, rows and cols an input has the output's size or 1 (channels may also divide the
 * output's channels: a broadcast along an inner axis folded into channels, as a per-head mask).
 */
export interface EltwiseLayer extends LayerBase {
  kind: 'eltwise';
  op: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'equal' | 'greater' | 'less' | 'and' | 'or' | 'select';
}

/** Concatenation along channels (default), rows or cols; the other two sizes must agree. */
export interface ConcatLayer extends LayerBase {
  kind: 'concat';
  /** @default 'channels' */
  axis?: TensorAxis;
}

/** Per-element activation function, done by the tile's digital units. */
export interface ActivationLayer extends LayerBase {
  kind: 'activation';
  fn: ActivationFn;
  /**
   * Learned constants the function applies (a PReLU's slopes, a per-channel scale or a bias left after a layout
   * change), counted as parameters; they live with the digital unit, not on crossbars. @default 0
   */
  learned?: number;
}

/** Unary element-wise functions: one digital-unit op per element each (an ALU op or a table look-up). */
export const ACTIVATION_FNS = [
  'relu', 'relu6', 'sigmoid', 'hardswish', 'hardsigmoid', 'scale', 'leakyrelu', 'prelu', 'elu', 'selu', 'tanh',
  'softplus', 'gelu', 'erf', 'exp', 'log', 'sqrt', 'pow', 'reciprocal', 'abs', 'neg', 'clip', 'floor', 'ceil',
  'round', 'sign', 'sin', 'cos', 'quantize', 'compare', 'not',
] as const;
export type ActivationFn = (typeof ACTIVATION_FNS)[number];

/** Shape-preserving or reshaping layers that cost nothing (batchnorm folded, flatten, dropout, identity). */
export interface PassLayer extends LayerBase {
  kind: 'pass';
  fn: 'batchnorm' | 'flatten' | 'dropout' | 'identity';
}

/**
 * A layout change (Reshape, Transpose, Squeeze...): no work, the data stay where they are and readers address
 * them in the new order. `rows: 'ordered'`: the tensor is re-cut in row order (output row i holds elements
 * [i*S, (i+1)*S) of the input read row after row, S the elements of one output row): same rows, rows merged into
 * blocks or split. `rows: 'all'`: the row axis itself moves (a transpose across rows): every output row needs the
 * whole input, which its readers hold in their line buffers.
 */
export interface ReshapeLayer extends LayerBase {
  kind: 'reshape';
  shape: Shape;
  rows: 'ordered' | 'all';
}

/**
 * Constant elements (zeros, a fill value) added along one axis (a Pad not absorbed by a window op, a Concat with a
 * constant, TensorFlow's channel padding before a residual add): no work, the reader substitutes the constant.
 * Along the rows, output row i is input row i - before.
 */
export interface PadLayer extends LayerBase {
  kind: 'pad';
  axis: TensorAxis;
  before: number;
  after: number;
}

/**
 * A part of a tensor along one axis (Slice, Split, Gather with constant indices): no work, readers read the
 * rows they need. Along the rows, output row i is input row start + i x step.
 */
export interface SliceLayer extends LayerBase {
  kind: 'slice';
  axis: TensorAxis;
  start: number;
  size: number;
  step: number;
}

/**
 * Product of two activations, as in attention (no constant operand, so not on crossbars: the tile's digital
 * unit does the multiply-accumulates). Input 0 is A: channels = heads x K, rows M, cols W (W pixels of K-vectors
 * per row). Input 1 is B, cols 1: `transB` false: B's rows are the contracted axis, channels = heads x N (V in
 * P.V); `transB` true: B's rows are the output's columns, channels = heads x K (K in Q.K^T). Output: channels
 * heads x N, rows M, cols W. Output row i needs row i of A and every row of B.
 */
export interface MatMulLayer extends LayerBase {
  kind: 'matmul';
  heads: number;
  transB: boolean;
  /**
   * Decoder (causal) attention: output row i uses only rows 0..i of B (a token attends to itself and the tokens
   * before it), so row i needs B's rows up to i, not all of them; A's and B's rows must then agree (tokens).
   * @default false
   */
  causal?: boolean;
}

/**
 * Normalisation on the digital unit. `layer`: each pixel's channel vector (row-local; LayerNorm over the
 * features of a sequence, incl. the decomposed ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div pattern); `rms`: the
 * same without the mean; `instance`: each channel over the whole plane; `group`: `groups` groups of channels
 * over the whole plane (instance and group need every row before the first output row).
 */
export interface NormLayer extends LayerBase {
  kind: 'norm';
  fn: 'layer' | 'rms' | 'instance' | 'group';
  /** Channel groups for `group` (1 for the others). */
  groups: number;
  /** Learned per-channel scale and shift (2 x channels parameters, or channels for `rms`). */
  affine: boolean;
}

/** Internal axes a reduction or softmax runs along. */
export type TensorAxis = 'channels' | 'height' | 'width';

/**
 * Softmax (or LogSoftmax) along one internal axis, shape-preserving. Along channels it is row-local (an attention
 * row's keys folded into channels); along the rows it needs the whole input.
 */
export interface SoftmaxLayer extends LayerBase {
  kind: 'softmax';
  axis: TensorAxis;
  log: boolean;
}

/**
 * Reduction (ReduceMean/Sum/Max/Min/L2/Prod, ArgMax/ArgMin) along internal axes; each reduced axis becomes 1
 * except that reduced channels become `groups` (independent reductions of channel groups, e.g. per head).
 * Reducing the rows needs the whole input.
 */
export interface ReduceLayer extends LayerBase {
  kind: 'reduce';
  op: 'mean' | 'sum' | 'max' | 'min' | 'l2' | 'prod' | 'argmax' | 'argmin';
  axes: TensorAxis[];
  groups: number;
}

/**
 * Resize of rows and cols by [rows, cols] factors (output size floor(in x scale)), on the digital unit.
 * `nearest` copies (row i reads row floor(i / scale)); `linear` interpolates between the two nearest rows of
 * the half-pixel source coordinate (i + 0.5) / scale - 0.5.
 */
export interface ResizeLayer extends LayerBase {
  kind: 'resize';
  mode: 'nearest' | 'linear';
  scale: [number, number];
}

/**
 * The overlap-add (col2im) of a ConvTranspose whose kernels overlap, leave gaps or are cropped (docs/hardware-model.md
 * rule 4): its input holds each input pixel's patch, outChannels x kernel channels (the crossbars' 1x1 conv);
 * output pixel (y, x) of the uncropped output, stride x (in - 1) + dilation x (kernel - 1) + 1 + outputPadding per
 * axis, sums the patch elements landing on it; `pad` then crops [top, left, bottom, right] (ONNX's pads).
 */
export interface Col2imLayer extends LayerBase {
  kind: 'col2im';
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  pad: [number, number, number, number];
  outputPadding: [number, number];
}

export type Layer =
  | ConvLayer
  | Col2imLayer
  | FcLayer
  | PoolLayer
  | EltwiseLayer
  | ConcatLayer
  | ActivationLayer
  | PassLayer
  | ReshapeLayer
  | PadLayer
  | SliceLayer
  | MatMulLayer
  | NormLayer
  | SoftmaxLayer
  | ReduceLayer
  | ResizeLayer;
export type LayerKind = Layer['kind'];
export type WeightedLayer = ConvLayer | FcLayer;

export interface Network {
  name: string;
  /** Shape of one input image (or sequence, or vector) in the internal form. */
  input: Shape;
  /** What the input is, when not an image (informative: the internal form is the same). @default 'image' */
  inputLayout?: InputLayout;
  /**
   * Sequence blocking: tokens per pipeline row (docs/hardware-model.md rule 8; workloads/sequence-block.ts), applied
   * when the network is resolved. @default 1
   */
  sequenceBlock?: number;
  /** Topologically ordered. */
  layers: Layer[];
  /**
   * Parameters held outside the layer graph: embedding tables, a class token, position embeddings (lookups and
   * constants, not MVMs: they occupy no crossbars). Counted in the network's total. @default 0
   */
  constantParams?: number;
  /**
   * Optional per-layer accuracy sensitivity for the separable accuracy proxy, by weighted-layer name
   * (percentage points of top-1 per unit of normalised quantization noise).
   */
  sensitivities?: Record<string, { weight: number; activation: number }>;
  /** Full-precision top-1 accuracy in percent, when known. */
  floatAccuracyPct?: number;
  /**
   * Default bits of weighted layers whose weights are stored quantized (an int8 ONNX graph), by layer name: plans
   * start from them instead of 8/8.
   */
  defaultBits?: Record<string, { wbits: number; abits: number }>;
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
  /**
   * Parameters: conv/fc weights + bias; a folded batchnorm and an affine norm count their 2 x C scale and shift
   * (as torchvision does); else 0.
   */
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
