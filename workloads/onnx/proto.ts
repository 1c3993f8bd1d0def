/**
 * ONNX protobuf messages through protobufjs. `schema.json` is a protobufjs JSON descriptor of the subset of
 * ONNX's `onnx.proto` that lrmp reads (field names and numbers as in the ONNX specification); fields that are not
 * in it are skipped by the decoder without being copied.
 *
 * Reading uses a lean variant of the schema in which graph initializers carry no float/double/uint64/string
 * payload fields: weights are never decoded, and `rawData` is a view into the caller's buffer (protobufjs
 * returns `subarray`s), so a model file is held in memory once.
 */
import protobuf from 'protobufjs';
import { InputFileError } from '../../errors';
import schemaJson from './schema.json';

/** protobufjs decodes int64 as Long when the `long` package is present, else as number. */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}
export type Int64 = number | LongLike;

export interface OnnxTensor {
  dims: Int64[];
  dataType: number;
  name: string;
  rawData: Uint8Array;
  int32Data: number[];
  int64Data: Int64[];
  /** Absent on graph initializers when reading (weights are not decoded). */
  floatData?: number[];
  doubleData?: number[];
  dataLocation: number;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: OnnxTensor | null;
  /** Subgraph (If branches, Loop bodies). */
  g?: OnnxGraph | null;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: OnnxAttribute[];
}

export interface OnnxDimension {
  dimValue?: Int64;
  dimParam?: string;
  value?: 'dimValue' | 'dimParam';
}

export interface OnnxValueInfo {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: OnnxDimension[] } | null } | null } | null;
}

export interface OnnxGraph {
  node: OnnxNode[];
  name: string;
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: Int64;
  producerName: string;
  producerVersion: string;
  graph?: OnnxGraph | null;
  opsetImport: { domain: string; version: Int64 }[];
}

/** Attribute type codes (AttributeProto.AttributeType). */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** Tensor element types (TensorProto.DataType) that lrmp reads values of. */
export const DTYPE = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  UINT16: 4,
  INT16: 5,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** Payload fields left out of initializers when reading. */
const BULK_FIELDS = ['floatData', 'doubleData', 'uint64Data', 'stringData'] as const;

interface DescriptorMessage {
  fields: Record<string, { type: string; id: number; rule?: string }>;
}

function cloneSchema(): protobuf.INamespace {
  return JSON.parse(JSON.stringify(schemaJson)) as protobuf.INamespace;
}

function leanSchema(): protobuf.INamespace {
  const schema = cloneSchema();
  const onnx = schema.nested?.['onnx'] as protobuf.INamespace | undefined;
  const nested = onnx?.nested as Record<string, DescriptorMessage> | undefined;
  const tensor = nested?.['TensorProto'];
  const graph = nested?.['GraphProto'];
  const initializerField = graph?.fields['initializer'];
  if (!nested || !tensor || !initializerField) throw new Error('onnx schema.json lacks TensorProto/GraphProto');
  const fields = { ...tensor.fields };
  for (const name of BULK_FIELDS) delete fields[name];
  nested['InitializerTensorProto'] = { fields };
  initializerField.type = 'InitializerTensorProto';
  return schema;
}

let readType: protobuf.Type | undefined;
let writeType: protobuf.Type | undefined;

// NOTE: the compiled protobufjs types are cached: building them is the slow part of a small import, and they are
// immutable once built.
function modelReader(): protobuf.Type {
  readType ??= protobuf.Root.fromJSON(leanSchema()).lookupType('onnx.ModelProto');
  return readType;
}

function modelWriter(): protobuf.Type {
  writeType ??= protobuf.Root.fromJSON(cloneSchema()).lookupType('onnx.ModelProto');
  return writeType;
}

/** Decodes an ONNX ModelProto; a malformed or truncated buffer is an InputFileError naming `source`. */
export function decodeModel(bytes: Uint8Array, source: string): OnnxModel {
  let message: protobuf.Message;
  try {
    message = modelReader().decode(bytes);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InputFileError(source, `not a readable ONNX model (truncated or corrupt protobuf: ${detail})`);
  }
  // The decoder builds objects of exactly the schema's shape, which OnnxModel mirrors.
  return message as unknown as OnnxModel;
}

/** Plain-object form of a ModelProto for encoding (field names as in OnnxModel; int64 as number). */
export type ModelInit = Record<string, unknown>;

/** Encodes a ModelProto from a plain object (used by tests and the benchmark to build models). */
export function encodeModel(model: ModelInit): Uint8Array {
  const type = modelWriter();
  const problem = type.verify(model);
  if (problem) throw new Error(`invalid ONNX model object: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/**
 * Decodes every field the schema knows (weights included) for tools that rewrite a model (the fuzz harness's
 * structural mutations); `encodeDecodedModel` writes it back. int64 fields stay as decoded (Long), so values
 * beyond 2^53 (INT64_MAX as "to the end") survive the round trip.
 */
export function decodeModelForEdit(bytes: Uint8Array): OnnxModel {
  return modelWriter().decode(bytes) as unknown as OnnxModel;
}

export function encodeDecodedModel(model: OnnxModel): Uint8Array {
  return modelWriter().encode(model as unknown as protobuf.Message).finish();
}

/** int64 (number or Long) to a JS number; values beyond 2^53 (INT64_MAX used as "to the end") saturate. */
export function toNumber(value: Int64): number {
  if (typeof value === 'number') return value;
  const bits = protobuf.util.LongBits.from(value as protobuf.Long);
  if (!value.unsigned && value.high < 0) {
    const n = bits.toNumber(false);
    return n < Number.MIN_SAFE_INTEGER ? Number.MIN_SAFE_INTEGER : n;
  }
  const n = bits.toNumber(true);
  return n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n;
}
