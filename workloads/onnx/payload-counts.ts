/**
 * Element counts of the payloads the importer's lean read skips (proto.ts: float_data, double_data, uint64_data of
 * the main graph's initializers), read from the wire without materialising them, and the values of small float and
 * double ones: a weight file stored in float_data costs a scan of its tags, not a second decode of every weight
 * (tensor-check.ts).
 */
import protobuf from 'protobufjs';

// Field numbers of onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_NAME = 8;
const TENSOR_DOUBLE_DATA = 10;
const TENSOR_UINT64_DATA = 11;
const LENGTH_DELIMITED = 2;

/** A skipped payload: its count, and its values when it has at most the caller's limit of floats or doubles. */
export interface SkippedPayload {
  count: number;
  values?: number[];
  field?: 'float' | 'double';
}

/** Per initializer name of the main graph: its skipped payload, values read up to `maxValues` (float and double). */
export function skippedPayloads(bytes: Uint8Array, maxValues: number): Map<string, SkippedPayload> {
  const counts = new Map<string, SkippedPayload>();
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === MODEL_GRAPH && (tag & 7) === LENGTH_DELIMITED) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === GRAPH_INITIALIZER && (t & 7) === LENGTH_DELIMITED) {
          const tensorEnd = r.uint32() + r.pos;
          const { name, ...payload } = tensorPayload(r, bytes, tensorEnd, maxValues);
          counts.set(name, payload);
        } else r.skipType(t & 7);
      }
    } else r.skipType(tag & 7);
  }
  return counts;
}

function tensorPayload(r: protobuf.Reader, bytes: Uint8Array, end: number, maxValues: number): SkippedPayload & { name: string } {
  let name = '';
  let count = 0;
  let values: number[] | undefined = maxValues > 0 ? [] : undefined;
  let field: SkippedPayload['field'];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wire = tag & 7;
    if (f === TENSOR_NAME && wire === LENGTH_DELIMITED) name = r.string();
    else if (f === TENSOR_FLOAT_DATA || f === TENSOR_DOUBLE_DATA) {
      const width = f === TENSOR_FLOAT_DATA ? 4 : 8;
      field = f === TENSOR_FLOAT_DATA ? 'float' : 'double';
      // Packed (length-delimited), or one unpacked fixed32 / fixed64 value.
      const length = wire === LENGTH_DELIMITED ? r.uint32() : width;
      const n = Math.floor(length / width);
      if (values !== undefined && count + n <= maxValues) {
        for (let k = 0; k < n; k++) values.push(width === 4 ? view.getFloat32(r.pos + 4 * k, true) : view.getFloat64(r.pos + 8 * k, true));
      } else values = undefined;
      count += n;
      r.skip(length);
    } else if (f === TENSOR_UINT64_DATA) {
      values = undefined;
      if (wire === LENGTH_DELIMITED) {
        // Packed varints: one ends at each byte below 0x80.
        const length = r.uint32();
        for (let p = r.pos; p < r.pos + length; p++) if (((bytes[p] ?? 0) & 0x80) === 0) count++;
        r.skip(length);
      } else {
        count++;
        r.skipType(wire);
      }
    } else r.skipType(wire);
  }
  return { name, count, ...(values !== undefined && count > 0 && field !== undefined ? { values, field } : {}) };
}
