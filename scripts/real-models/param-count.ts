/**
 * An independent count of an ONNX file's learned parameters, for checking the importer: a plain walk of the
 * protobuf wire format (no protobufjs, no importer code) that sums the elements of the initializers holding
 * learned values.
 *
 * Convention (the one lrmp's parameter totals follow): every float (fp32/fp16/bf16/fp64) or quantized-integer
 * initializer or Constant-node tensor of more than one element (or of any size when a Conv, Gemm, MatMul,
 * LSTM/GRU or norm reads it as its weights or bias), except the values that are not learned weights: batchnorm running
 * mean/variance, quantization scales and zero points, Resize scales/sizes/roi, recurrent initial states and
 * sequence lengths. Initializers of If branches count for the branch `branch` picks (by branch name and the If's
 * first output; default: then_branch); only tensors that a node of the walked graph reads count.
 */

interface Field {
  no: number;
  wire: number;
  /** Varint value, or the byte range of a length-delimited field. */
  value: number;
  start: number;
  end: number;
}

function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[at++] ?? 0;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (at < end) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint(), start: 0, end: 0 };
    else if (wire === 2) {
      const len = varint();
      yield { no, wire, value: len, start: at, end: at + len };
      at += len;
    } else if (wire === 5) at += 4;
    else if (wire === 1) at += 8;
    else throw new Error(`unexpected wire type ${wire}`);
  }
}

function text(buf: Uint8Array, f: Field): string {
  return Buffer.from(buf.subarray(f.start, f.end)).toString('utf8');
}

interface Tensor {
  name: string;
  dataType: number;
  elements: number;
}

function tensor(buf: Uint8Array, start: number, end: number): Tensor {
  let name = '';
  let dataType = 0;
  let elements = 1;
  for (const f of fields(buf, start, end)) {
    if (f.no === 1) {
      // dims: packed (wire 2) or single varints.
      elements *= f.wire === 2 ? packedProduct(buf, f.start, f.end) : f.value;
    } else if (f.no === 2) dataType = f.value;
    else if (f.no === 8) name = text(buf, f);
  }
  return { name, dataType, elements };
}

/** Product of a packed repeated varint field. */
function packedProduct(buf: Uint8Array, start: number, end: number): number {
  let at = start;
  let product = 1;
  while (at < end) {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[at++] ?? 0;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    product *= v;
  }
  return product;
}

interface Node {
  opType: string;
  inputs: string[];
  outputs: string[];
  branches: { name: string; start: number; end: number }[];
  /** A Constant node's value. */
  value?: Tensor;
}

function node(buf: Uint8Array, start: number, end: number): Node {
  const out: Node = { opType: '', inputs: [], outputs: [], branches: [] };
  for (const f of fields(buf, start, end)) {
    if (f.no === 1) out.inputs.push(text(buf, f));
    else if (f.no === 2) out.outputs.push(text(buf, f));
    else if (f.no === 4) out.opType = text(buf, f);
    else if (f.no === 5) {
      let name = '';
      let g: Field | undefined;
      let t: Field | undefined;
      for (const a of fields(buf, f.start, f.end)) {
        if (a.no === 1) name = text(buf, a);
        else if (a.no === 6) g = a;
        else if (a.no === 5) t = a;
      }
      if (g) out.branches.push({ name, start: g.start, end: g.end });
      if (t && name === 'value') out.value = tensor(buf, t.start, t.end);
    }
  }
  if (out.value) out.value.name = out.outputs[0] ?? '';
  return out;
}

const FLOAT_OR_QUANT = new Set([1, 10, 11, 16, 2, 3, 4, 5, 21, 22]);

/** Inputs (by position) that hold learned weights whatever their size (a one-output layer's bias has one element). */
const WEIGHTS: Record<string, number[]> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  Gemm: [1, 2],
  MatMul: [1],
  LSTM: [1, 2, 3],
  GRU: [1, 2, 3],
  BatchNormalization: [1, 2],
  LayerNormalization: [1, 2],
  InstanceNormalization: [1, 2],
  GroupNormalization: [1, 2],
  PRelu: [1],
  ConvInteger: [1],
  MatMulInteger: [1],
  QLinearConv: [3, 8],
  QLinearMatMul: [3],
};

/** Inputs (by position) of each op that hold no learned weights. */
const NOT_LEARNED: Record<string, number[]> = {
  BatchNormalization: [3, 4],
  QuantizeLinear: [1, 2],
  DequantizeLinear: [1, 2],
  QLinearConv: [1, 2, 4, 5, 6, 7],
  QLinearMatMul: [1, 2, 4, 5, 6, 7],
  ConvInteger: [2, 3],
  MatMulInteger: [2, 3],
  Resize: [1, 2, 3],
  Upsample: [1],
  LSTM: [4, 5, 6],
  GRU: [4, 5],
};

/** Learned parameters of an ONNX model file (see the module comment for what counts). */
export function countOnnxParams(bytes: Uint8Array, branch: (ifBranch: string, ifOutput: string) => boolean = (b) => b === 'then_branch'): number {
  let graphField: Field | undefined;
  for (const f of fields(bytes, 0, bytes.length)) if (f.no === 7) graphField = f;
  if (!graphField) throw new Error('no graph');
  const excluded = new Set<string>();
  const weights = new Set<string>();
  const read = new Set<string>();
  const initializers: Tensor[] = [];
  const walk = (start: number, end: number): void => {
    for (const f of fields(bytes, start, end)) {
      if (f.no === 5) initializers.push(tensor(bytes, f.start, f.end));
      else if (f.no === 1) {
        const n = node(bytes, f.start, f.end);
        if (n.value) initializers.push(n.value);
        for (const t of n.inputs) read.add(t);
        for (const i of NOT_LEARNED[n.opType] ?? []) if (n.inputs[i]) excluded.add(n.inputs[i] ?? '');
        for (const i of WEIGHTS[n.opType] ?? []) if (n.inputs[i]) weights.add(n.inputs[i] ?? '');
        for (const b of n.branches) if (n.opType !== 'If' || branch(b.name, n.outputs[0] ?? '')) walk(b.start, b.end);
      }
    }
  };
  walk(graphField.start, graphField.end);
  let total = 0;
  for (const t of initializers) {
    // Only tensors a node of the walked graph reads: a branch not taken may keep its weights at the top level.
    if (!FLOAT_OR_QUANT.has(t.dataType) || excluded.has(t.name) || !read.has(t.name)) continue;
    if (t.elements > 1 || weights.has(t.name)) total += t.elements;
  }
  return total;
}
