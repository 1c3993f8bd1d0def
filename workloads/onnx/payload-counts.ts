/**
 * Element counts of the payloads the importer's lean read skips (proto.ts: float_data, double_data, uint64_data of
 * the main graph's initializers), read from the wire without materialising them: a weight file stored in
 * float_data costs a scan of its tags, not a second decode of every weight (tensor-check.ts).
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

/** Per initializer name of the main graph: how many float, double or uint64 values it stores (0: none). */
export function skippedPayloadCounts(bytes: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === MODEL_GRAPH && (tag & 7) === LENGTH_DELIMITED) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === GRAPH_INITIALIZER && (t & 7) === LENGTH_DELIMITED) {
          const tensorEnd = r.uint32() + r.pos;
          const { name, count } = tensorCounts(r, bytes, tensorEnd);
          counts.set(name, count);
        } else r.skipType(t & 7);
      }
    } else r.skipType(tag & 7);
  }
  return counts;
}

function tensorCounts(r: protobuf.Reader, bytes: Uint8Array, end: number): { name: string; count: number } {
  let name = '';
  let count = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === TENSOR_NAME && wire === LENGTH_DELIMITED) name = r.string();
    else if ((field === TENSOR_FLOAT_DATA || field === TENSOR_DOUBLE_DATA || field === TENSOR_UINT64_DATA) && wire === LENGTH_DELIMITED) {
      // Packed: fixed-size floats and doubles, or varints (one ends at each byte below 0x80).
      const length = r.uint32();
      if (field === TENSOR_FLOAT_DATA) count += length / 4;
      else if (field === TENSOR_DOUBLE_DATA) count += length / 8;
      else for (let p = r.pos; p < r.pos + length; p++) if (((bytes[p] ?? 0) & 0x80) === 0) count++;
      r.skip(length);
    } else {
      // One unpacked value of a payload field, or any other field.
      if (field === TENSOR_FLOAT_DATA || field === TENSOR_DOUBLE_DATA || field === TENSOR_UINT64_DATA) count++;
      r.skipType(wire);
    }
  }
  return { name, count };
}
