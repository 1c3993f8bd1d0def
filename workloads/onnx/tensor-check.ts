/**
 * A tensor's data must hold exactly the elements its dims say (ONNX TensorProto): raw_data of numel x element
 * bytes, or numel entries of the typed field; a tensor with no data at all is read as dims only. lrmp reads dims and never most weights, so a file whose dims and data
 * disagree (a cut file, a hand-edited shape) would otherwise be mapped with shapes the file does not have.
 *
 * The importer's lean read skips initializers' float/double/uint64/string payloads (proto.ts): an initializer
 * of the main graph with none of the fields it does see is checked against those payloads' counts, scanned from the
 * file's tags (payload-counts.ts); one in a subgraph is left as read (lrmp reads no subgraph weights).
 */
import { ValidationError } from '../../errors';
import { skippedPayloads, type SkippedPayload } from './payload-counts';
import { MAX_CONST_ELEMENTS } from './tensors';
import { toNumber, type OnnxGraph, type OnnxTensor } from './proto';

/**
 * Bytes per element of raw_data by TensorProto.DataType (0.5: two 4-bit values per byte, 0.25: four 2-bit values);
 * strings have none; a type not listed (newer than this table) is not checked.
 */
const RAW_BYTES: Readonly<Partial<Record<number, number>>> = {
  1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2, 17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5,
  24: 1, 25: 0.25, 26: 0.25,
};
/** Typed entries per element (complex numbers take two floats or doubles). */
const ENTRIES: Readonly<Partial<Record<number, number>>> = { 14: 2, 15: 2 };
const EXTERNAL = 1;
const STRING = 8;

type Verdict = { problem: string } | 'ok' | 'unseen';

/** `skipped`: the count of the payloads the lean read leaves out (undefined: the tensor was read in full or lean). */
function verdict(t: OnnxTensor, full: boolean, skipped?: number): Verdict {
  const dims = t.dims.map(toNumber);
  if (dims.some((d) => d < 0)) return { problem: `dims [${dims.join(', ')}] (a negative size)` };
  if (t.dataLocation === EXTERNAL || t.dataType === STRING) return 'ok';
  const count = dims.reduce((a, b) => a * b, 1);
  const bytes = RAW_BYTES[t.dataType];
  if (t.rawData.length > 0) {
    if (bytes === undefined) return 'ok';
    const want = Math.ceil(count * bytes);
    return t.rawData.length === want ? 'ok' : { problem: `dims [${dims.join(', ')}] (${count} elements, ${want} bytes) with ${t.rawData.length} bytes of raw_data` };
  }
  const typed = [t.floatData?.length ?? 0, t.int32Data.length, t.int64Data.length, t.doubleData?.length ?? 0, skipped ?? 0].find((n) => n > 0);
  // No data at all is a dims-only tensor (lrmp's own writer makes them; a weight-stripped export): lrmp needs only
  // the dims of weights, and a small constant it must read says so itself ('an unreadable constant').
  if (typed === undefined) return full || skipped !== undefined || count === 0 ? 'ok' : 'unseen';
  if (bytes === undefined) return 'ok';
  // int4 and int2 pack two and four values per int32_data entry as in raw_data; every other type one (complex: two).
  const want = bytes < 1 ? Math.ceil(count * bytes) : count * (ENTRIES[t.dataType] ?? 1);
  return typed === want ? 'ok' : { problem: `dims [${dims.join(', ')}] (${count} elements) with ${typed} data values` };
}

/** Initializers of a graph and of its subgraphs, with where they are. */
function initializers(graph: OnnxGraph, where = ''): { t: OnnxTensor; where: string }[] {
  const out = graph.initializer.map((t) => ({ t, where }));
  for (const n of graph.node) for (const a of n.attribute) if (a.g) out.push(...initializers(a.g, `${where}node '${n.name || (n.output[0] ?? '')}' ${a.name} `));
  return out;
}

function invalid(source: string, where: string, t: OnnxTensor, problem: string): ValidationError {
  return new ValidationError(source, `${where}initializer '${t.name}'`, problem, 'data holding exactly the elements its dims give');
}

/**
 * Throws when an initializer's data disagrees with its dims; `bytes` is the file, for the skipped payloads. A small
 * one found in float_data or double_data (onnx.helper.make_tensor writes them so by default: Resize scales, Pad
 * values) gets its values, as the lean read would have given them, so the importer can read it as a constant.
 */
export function checkInitializers(graph: OnnxGraph, bytes: Uint8Array, source: string): void {
  let skipped: Map<string, SkippedPayload> | undefined;
  for (const { t, where } of initializers(graph)) {
    let v = verdict(t, false);
    if (v === 'unseen' && where === '') {
      skipped ??= skippedPayloads(bytes, MAX_CONST_ELEMENTS);
      const payload = skipped.get(t.name);
      v = verdict(t, false, payload?.count ?? 0);
      if (v === 'ok' && payload?.values !== undefined) {
        if (payload.field === 'double') t.doubleData = payload.values;
        else t.floatData = payload.values;
      }
    }
    if (typeof v === 'object') throw invalid(source, where, t, v.problem);
  }
}

/** Why a fully decoded tensor (a Constant's value) disagrees with its dims, if it does. */
export function tensorProblem(t: OnnxTensor): string | undefined {
  const v = verdict(t, true);
  return typeof v === 'object' ? v.problem : undefined;
}
