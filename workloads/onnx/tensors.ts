/**
 * Values flowing along ONNX graph edges during import: constants (initializers, Constant nodes, folded shape
 * arithmetic) and activations (tensors produced by lrmp layers or the network input).
 */
import { DTYPE, toNumber, type OnnxTensor } from './proto';

/** Constants larger than this are treated as weights: their dims are used, their values never read. */
export const MAX_CONST_ELEMENTS = 4096;

export interface ConstValue {
  kind: 'const';
  dims: number[];
  /** Element values in row-major order; undefined when not readable (weights, unsupported element type). */
  values: () => number[] | undefined;
  /** True for integer element types (folding keeps integer semantics, e.g. Div truncates). */
  integer: boolean;
  /** Width of a quantized (int4/int8/int16) tensor, kept through DequantizeLinear: a layer's default bits. */
  bits?: number;
}

export interface ActValue {
  kind: 'act';
  /** Name of the producing lrmp layer, or NETWORK_INPUT. */
  producer: string;
  /** Full ONNX dims including the batch (always 1). */
  dims: number[];
  /** ONNX axis the pipeline streams as rows; -1: none (the tensor is one row). */
  rowAxis: number;
  /** ONNX axes whose product is the cols (pixels of a row, computed one after another), outer first. */
  colAxes: number[];
  /**
   * The network input seen through layout ops only, its layout not chosen yet: the first layer that reads it
   * picks the order in which the input is streamed in (free: it comes from off-chip in any order).
   */
  floating?: boolean;
  /**
   * Padding of a Pad node not yet applied to a layer, per ONNX axis (begin, end): `dims` already include it; the
   * next Conv/pool absorbs it into its own pads.
   */
  pendingPad?: { begin: number[]; end: number[] };
}

export type Value = ConstValue | ActValue;

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function constOf(dims: number[], values: number[], integer: boolean): ConstValue {
  return { kind: 'const', dims, values: () => values, integer };
}

const INTEGER_TYPES = new Set<number>([DTYPE.INT64, DTYPE.INT32, DTYPE.INT8, DTYPE.UINT8, DTYPE.BOOL, DTYPE.INT16, DTYPE.UINT16]);

/** Wraps a TensorProto; its values are read lazily, once, and only when it is small. */
/** Bits of the quantized element types: int4/uint4 (ONNX 1.16), int8/uint8, int16/uint16. */
const QUANT_BITS: Partial<Record<number, number>> = { 2: 8, 3: 8, 4: 16, 5: 16, 21: 4, 22: 4 };

export function constFromTensor(tensor: OnnxTensor): ConstValue {
  const dims = tensor.dims.map(toNumber);
  let cache: number[] | undefined;
  let done = false;
  const bits = QUANT_BITS[tensor.dataType];
  return {
    ...(bits !== undefined ? { bits } : {}),
    kind: 'const',
    dims,
    integer: INTEGER_TYPES.has(tensor.dataType),
    values: () => {
      if (!done) {
        cache = numel(dims) <= MAX_CONST_ELEMENTS ? readValues(tensor, numel(dims)) : undefined;
        done = true;
      }
      return cache;
    },
  };
}

function readValues(tensor: OnnxTensor, count: number): number[] | undefined {
  const raw = tensor.rawData;
  if (raw.length > 0) return readRaw(raw, tensor.dataType, count);
  if (tensor.int64Data.length > 0) return tensor.int64Data.map(toNumber);
  if (tensor.int32Data.length > 0) return [...tensor.int32Data];
  if (tensor.floatData && tensor.floatData.length > 0) return [...tensor.floatData];
  if (tensor.doubleData && tensor.doubleData.length > 0) return [...tensor.doubleData];
  return count === 0 ? [] : undefined;
}

/** Fixed-width little-endian elements of raw_data (the tensor payload, not protobuf wire format). */
function readRaw(raw: Uint8Array, dataType: number, count: number): number[] | undefined {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const width: Partial<Record<number, number>> = {
    [DTYPE.FLOAT]: 4,
    [DTYPE.DOUBLE]: 8,
    [DTYPE.INT64]: 8,
    [DTYPE.INT32]: 4,
    [DTYPE.INT8]: 1,
    [DTYPE.UINT8]: 1,
    [DTYPE.BOOL]: 1,
    [DTYPE.FLOAT16]: 2,
    [DTYPE.INT16]: 2,
    [DTYPE.UINT16]: 2,
  };
  const size = width[dataType];
  if (size === undefined || raw.byteLength < size * count) return undefined;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * size;
    switch (dataType) {
      case DTYPE.FLOAT:
        out.push(view.getFloat32(at, true));
        break;
      case DTYPE.DOUBLE:
        out.push(view.getFloat64(at, true));
        break;
      case DTYPE.INT64:
        out.push(Number(view.getBigInt64(at, true)));
        break;
      case DTYPE.INT32:
        out.push(view.getInt32(at, true));
        break;
      case DTYPE.INT8:
        out.push(view.getInt8(at));
        break;
      case DTYPE.FLOAT16:
        out.push(halfToNumber(view.getUint16(at, true)));
        break;
      case DTYPE.INT16:
        out.push(view.getInt16(at, true));
        break;
      case DTYPE.UINT16:
        out.push(view.getUint16(at, true));
        break;
      default:
        out.push(view.getUint8(at));
    }
  }
  return out;
}

/** IEEE 754 half precision to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
