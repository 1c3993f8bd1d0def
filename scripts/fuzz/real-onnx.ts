/**
 * The 'real-onnx' fuzz kind: a real published model (real-onnx-models.ts) decoded through the importer's own
 * protobuf schema, changed structurally (an attribute changed or removed, an input renamed to a missing tensor or
 * into a cycle, an initializer's dims or data cut, an op swapped, the input's dims, an output removed, the opset, a
 * node duplicated or renamed), re-encoded, and run through import, analyze, simulate or optimize.
 *
 * Each mutation says what the ONNX specification makes of the result: `mustReject` only where the model is invalid
 * by the spec (a required attribute gone, a kernel that disagrees with its weights, a tensor nobody produces, a
 * cycle, a tensor whose data and dims disagree, a tensor produced twice); `mustImport` where the model stays valid
 * and means what lrmp already imports (the unchanged model, a default written out or left out, a dead copy of a
 * node, one of several outputs dropped, a symbolic dim given on the command line, one activation for another);
 * neither where the answer depends on shapes the harness does not infer.
 */
import { decodeModelForEdit, encodeDecodedModel, toNumber, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from '../../workloads/onnx/proto';
import { fuzzRealModels } from './real-onnx-models';
import { int, pick, type FuzzCase, type Rng } from './values';

interface Mutation {
  note: string;
  mustReject: boolean;
  mustImport: boolean;
  /** `--input-shape` to pass instead of the model's own (the dims a symbolic input had). */
  inputSpec?: string;
}

const reject = (note: string): Mutation => ({ note, mustReject: true, mustImport: false });
const valid = (note: string): Mutation => ({ note, mustReject: false, mustImport: true });
const unknown = (note: string): Mutation => ({ note, mustReject: false, mustImport: false });

const ATTR_INT = 2;
const ATTR_INTS = 7;

/** Bytes per element of each TensorProto data type lrmp may meet. */
const ELEMENT_BYTES: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

/** Elements a tensor's data holds (raw or typed), undefined when the harness cannot tell (external data). */
function elementCount(t: OnnxTensor): number | undefined {
  if (t.dataLocation === 1) return undefined;
  const size = ELEMENT_BYTES[t.dataType];
  if (t.rawData.length > 0) return size === undefined ? undefined : t.rawData.length / size;
  const typed = [t.floatData?.length ?? 0, t.int32Data.length, t.int64Data.length, t.doubleData?.length ?? 0];
  return Math.max(...typed);
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Tensors with data: graph initializers and Constant nodes' values, with a label. */
function dataTensors(graph: OnnxGraph): { t: OnnxTensor; label: string }[] {
  const out = graph.initializer.map((t) => ({ t, label: `initializer '${t.name}'` }));
  for (const n of graph.node) {
    const value = n.opType === 'Constant' ? n.attribute.find((a) => a.name === 'value' && a.t) : undefined;
    if (value?.t) out.push({ t: value.t, label: `Constant '${n.output[0] ?? ''}' value` });
  }
  return out.filter(({ t }) => elementCount(t) !== undefined && (elementCount(t) ?? 0) > 0);
}

function initializerOf(graph: OnnxGraph, name: string | undefined): OnnxTensor | undefined {
  return graph.initializer.find((t) => t.name === name);
}

const WINDOW_ATTRS = ['kernel_shape', 'strides', 'pads', 'dilations'] as const;
const TARGET_ATTRS = new Set<string>([...WINDOW_ATTRS, 'group', 'axis', 'perm']);
const POOLS = new Set(['MaxPool', 'AveragePool']);

/** Ops whose `axis` defaults to a value that does not depend on the opset or the rank. */
const AXIS_DEFAULT: Readonly<Record<string, number>> = { Flatten: 1, Gather: 0, Split: 0 };

/** An attribute's value changed. */
function changeAttribute(rng: Rng, graph: OnnxGraph): Mutation | undefined {
  const sites = graph.node.flatMap((n) => n.attribute.filter((a) => TARGET_ATTRS.has(a.name)).map((a) => ({ n, a })));
  if (sites.length === 0) return undefined;
  const { n, a } = pick(rng, sites);
  const label = `node '${n.name || n.output[0]}' (${n.opType}) ${a.name}`;
  if (a.type === ATTR_INT || a.name === 'group' || a.name === 'axis') {
    const before = toNumber(a.i);
    const value = pick(rng, [0, -1, 2, 3, 9, -10, 1000, 2 ** 31, before + 1]);
    a.type = ATTR_INT;
    a.i = value;
    const note = `${label} ${before} -> ${value}`;
    if (value === before) return valid(note);
    // Conv's weights are [M, C/group, ...] with C the input's channels: only the original group fits them.
    if (a.name === 'group') return n.opType === 'Conv' || value <= 0 ? reject(note) : unknown(note);
    // No tensor here has rank 9 or more: axis 9, -10, 1000 and 2^31 are out of range for every op.
    return Math.abs(value) >= 9 ? reject(note) : unknown(note);
  }
  const before = a.ints.map(toNumber);
  const roll = pick(rng, ['zero', 'negative', 'huge', 'longer', 'shorter', 'other'] as const);
  let after = [...before];
  const at = int(rng, 0, Math.max(0, before.length - 1));
  if (roll === 'zero') after = before.map(() => 0);
  else if (roll === 'negative') after[at] = -1;
  else if (roll === 'huge') after[at] = pick(rng, [2 ** 20, 2 ** 31, 2 ** 40]);
  else if (roll === 'longer') after.push(1);
  else if (roll === 'shorter') after.pop();
  else after = before.map(() => int(rng, 1, 4));
  a.type = ATTR_INTS;
  a.ints = after;
  const note = `${label} [${before.join(',')}] -> [${after.join(',')}]`;
  if (after.join(',') === before.join(',')) return valid(note);
  if (after.length !== before.length) return reject(note); // rank fixed by the input (pads: twice it; perm: it)
  if (a.name === 'perm') return new Set(after).size === after.length && after.every((p) => p >= 0 && p < after.length) ? unknown(note) : reject(note);
  if (n.opType === 'Pad') return unknown(note); // Pad's negative pads crop
  if (after.some((v) => v < 0)) return reject(note); // window sizes, strides, dilations and pads are >= 0
  if (a.name !== 'pads' && after.some((v) => v === 0)) return reject(note);
  if (a.name === 'kernel_shape') {
    const weight = n.opType === 'Conv' ? initializerOf(graph, n.input[1]) : undefined;
    if (weight) return after.join(',') === weight.dims.slice(2).map(toNumber).join(',') ? valid(note) : reject(note);
    // A pool window past any padded input leaves an output of size <= 0.
    if (POOLS.has(n.opType) && after.some((v) => v >= 2 ** 20)) return reject(note);
  }
  return unknown(note);
}

/** An attribute removed: invalid where it is required, neutral where it held its default. */
function removeAttribute(rng: Rng, graph: OnnxGraph): Mutation | undefined {
  const sites = graph.node.flatMap((n) => n.attribute.filter((a) => TARGET_ATTRS.has(a.name)).map((a) => ({ n, a })));
  if (sites.length === 0) return undefined;
  const { n, a } = pick(rng, sites);
  n.attribute = n.attribute.filter((x) => x !== a);
  const note = `node '${n.name || n.output[0]}' (${n.opType}) ${a.name} removed`;
  const ints = a.ints.map(toNumber);
  if (a.name === 'kernel_shape') {
    if (POOLS.has(n.opType)) return reject(note);
    return n.opType === 'Conv' && initializerOf(graph, n.input[1]) ? valid(note) : unknown(note);
  }
  // Required from Concat-4; every fixture is opset 9 or later (Concat-1 to -3 took axis 1 when absent: fold.ts).
  if (a.name === 'axis' && n.opType === 'Concat') return reject(note);
  if (a.name === 'group') return toNumber(a.i) === 1 ? valid(note) : n.opType === 'Conv' ? reject(note) : unknown(note);
  if (a.name === 'strides' || a.name === 'dilations') return ints.every((v) => v === 1) ? valid(note) : unknown(note);
  if (a.name === 'pads' && n.opType === 'Pad') return reject(note); // Pad-2's pads attribute is required
  if (a.name === 'pads') return ints.every((v) => v === 0) ? valid(note) : unknown(note);
  if (a.name === 'axis' && AXIS_DEFAULT[n.opType] === toNumber(a.i)) return valid(note);
  return unknown(note);
}

/** Nodes that read, directly or not, what node `from` writes. */
function descendants(graph: OnnxGraph, from: OnnxNode): OnnxNode[] {
  const reached = new Set<string>(from.output);
  const out: OnnxNode[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of graph.node) {
      if (n === from || out.includes(n) || !n.input.some((t) => reached.has(t))) continue;
      out.push(n);
      for (const t of n.output) reached.add(t);
      grew = true;
    }
  }
  return out;
}

/** A node's input renamed: to a tensor nobody makes, to a later node's output that reads this one (a cycle), or to '' (an absent optional input). */
function renameInput(rng: Rng, graph: OnnxGraph): Mutation | undefined {
  const readers = graph.node.filter((n) => n.input.some((t) => t !== ''));
  if (readers.length === 0) return undefined;
  const roll = rng();
  if (roll < 0.2) {
    const convs = graph.node.filter((n) => n.opType === 'Conv' && (n.input[2] ?? '') !== '');
    if (convs.length > 0) {
      const n = pick(rng, convs);
      n.input = [n.input[0] ?? '', n.input[1] ?? ''];
      return valid(`node '${n.name || n.output[0]}' (Conv) bias input left out`);
    }
  }
  const n = pick(rng, readers);
  const slots = n.input.map((t, k) => ({ t, k })).filter(({ t }) => t !== '');
  const { t, k } = pick(rng, slots);
  const later = descendants(graph, n);
  const inputs = [...n.input];
  if (roll < 0.6 && later.length > 0) {
    const target = pick(rng, later);
    inputs[k] = target.output[0] ?? '';
    n.input = inputs;
    return reject(`node '${n.name || n.output[0]}' (${n.opType}) input ${k} '${t}' -> '${inputs[k] ?? ''}' of its reader '${target.name || target.output[0]}' (a cycle)`);
  }
  inputs[k] = `${t}_fuzz_missing`;
  n.input = inputs;
  return reject(`node '${n.name || n.output[0]}' (${n.opType}) input ${k} '${t}' renamed to a tensor nobody produces`);
}

/** A data tensor's dims changed (its data kept) or its raw data cut. */
function changeTensor(rng: Rng, graph: OnnxGraph): Mutation | undefined {
  const tensors = dataTensors(graph);
  if (tensors.length === 0) return undefined;
  const { t, label } = pick(rng, tensors);
  const count = elementCount(t) ?? 0;
  if (rng() < 0.35 && t.rawData.length > 0) {
    const size = ELEMENT_BYTES[t.dataType] ?? 1;
    const keep = pick(rng, [0, Math.floor(count / 2), count - 1, count + 1]) * size;
    const raw = new Uint8Array(keep);
    raw.set(t.rawData.subarray(0, Math.min(keep, t.rawData.length)));
    t.rawData = raw;
    // No data at all lrmp reads as a dims-only tensor (tensor-check.ts); any other count disagrees with the dims.
    if (keep === 0) return unknown(`${label} raw data removed (dims [${t.dims.map(toNumber).join(',')}] kept)`);
    return reject(`${label} raw data ${count} -> ${keep / size} elements (dims [${t.dims.map(toNumber).join(',')}])`);
  }
  const before = t.dims.map(toNumber);
  const after = [...before];
  const at = int(rng, 0, Math.max(0, before.length - 1));
  const roll = pick(rng, ['plus', 'zero', 'negative', 'huge', 'drop', 'extra'] as const);
  if (roll === 'drop') after.splice(at, 1);
  else if (roll === 'extra') after.splice(at, 0, pick(rng, [1, 2]));
  else if (before.length === 0) after.push(pick(rng, [0, 2, -1]));
  else after[at] = roll === 'plus' ? (before[at] ?? 0) + 1 : roll === 'zero' ? 0 : roll === 'negative' ? -1 : 2 ** 40;
  t.dims = after;
  const note = `${label} dims [${before.join(',')}] -> [${after.join(',')}] (${count} elements)`;
  if (after.some((d) => d < 0) || product(after) !== count) return reject(note);
  return unknown(note); // same elements, another shape: whether the readers accept it depends on them
}

/** Activations that take one input and no attribute, every one of which lrmp converts. */
const UNARY = ['Relu', 'Sigmoid', 'Tanh', 'Softsign', 'Softplus', 'Abs', 'Neg', 'Exp'];
const GLOBAL_POOLS = ['GlobalAveragePool', 'GlobalMaxPool'];

/** An op_type swapped: one activation for another, one pool for the other (valid), or anything (unknown). */
function swapOp(rng: Rng, graph: OnnxGraph, supported: readonly string[]): Mutation | undefined {
  const n = pick(rng, graph.node);
  const before = n.opType;
  const label = `node '${n.name || n.output[0]}' op_type ${before}`;
  if (UNARY.includes(before) && n.attribute.length === 0 && rng() < 0.7) {
    n.opType = pick(rng, UNARY.filter((o) => o !== before));
    return valid(`${label} -> ${n.opType}`);
  }
  if (GLOBAL_POOLS.includes(before)) {
    n.opType = before === GLOBAL_POOLS[0] ? 'GlobalMaxPool' : 'GlobalAveragePool';
    return valid(`${label} -> ${n.opType}`);
  }
  if (POOLS.has(before) && n.output.length === 1 && rng() < 0.7) {
    const foreign = before === 'MaxPool' ? ['storage_order', 'dilations'] : ['count_include_pad'];
    n.opType = before === 'MaxPool' ? 'AveragePool' : 'MaxPool';
    return n.attribute.some((a) => foreign.includes(a.name)) ? unknown(`${label} -> ${n.opType}`) : valid(`${label} -> ${n.opType}`);
  }
  n.opType = pick(rng, supported.filter((o) => o !== before));
  return unknown(`${label} -> ${n.opType}`);
}

/** The streamed input's dims: 0, negative, huge, or symbolic (with or without the dims on the command line). */
function changeInputDims(rng: Rng, graph: OnnxGraph, inputSpec: string | undefined): Mutation | undefined {
  const inits = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.find((i) => !inits.has(i.name));
  const dims = input?.type?.tensorType?.shape?.dim;
  if (!input || !dims || dims.length === 0) return undefined;
  const at = int(rng, 0, dims.length - 1);
  const roll = pick(rng, ['zero', 'negative', 'huge', 'huge', 'symbolic', 'symbolic-given'] as const);
  const wasStatic = dims.every((d) => d.dimParam === undefined || d.dimParam === '');
  const label = `input '${input.name}' dim ${at}`;
  const next = dims.map((d) => (d.dimParam !== undefined && d.dimParam !== '' ? { dimParam: d.dimParam } : { dimValue: d.dimValue ?? 0 }));
  if (roll === 'symbolic' || roll === 'symbolic-given') {
    next[at] = { dimParam: 'fuzz_dim' };
    input.type = { tensorType: { elemType: input.type?.tensorType?.elemType ?? 1, shape: { dim: next } } };
    if (roll === 'symbolic') return unknown(`${label} made symbolic`);
    // The model's own dims on the command line: the same model as before.
    const given = inputSpec ?? (wasStatic ? dims.map((d) => toNumber(d.dimValue ?? 0)).join('x') : undefined);
    if (given === undefined) return unknown(`${label} made symbolic`);
    return { ...valid(`${label} made symbolic, --input-shape ${given}`), inputSpec: given };
  }
  const value = roll === 'zero' ? 0 : roll === 'negative' ? -1 : pick(rng, [2 ** 31, 2 ** 40, 1e6]);
  next[at] = { dimValue: value };
  input.type = { tensorType: { elemType: input.type?.tensorType?.elemType ?? 1, shape: { dim: next } } };
  // A negative dim_value is outside the spec, but exporters write -1 for "dynamic" and lrmp reads it so; 0 and
  // huge sizes are legal shapes lrmp may refuse.
  return unknown(`${label} set to ${value}`);
}

/** A graph output removed: one of several leaves a valid model with dead nodes. */
function removeOutput(rng: Rng, graph: OnnxGraph): Mutation | undefined {
  const out = pick(rng, graph.output);
  if (!out) return undefined;
  graph.output = graph.output.filter((o) => o !== out);
  const note = `graph output '${out.name}' removed (${graph.output.length} left)`;
  return graph.output.length > 0 ? valid(note) : unknown(note);
}

/** The default-domain opset changed or removed. */
function changeOpset(rng: Rng, model: OnnxModel): Mutation | undefined {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!entry) return undefined;
  const before = toNumber(entry.version);
  if (rng() < 0.15) {
    model.opsetImport = model.opsetImport.filter((o) => o !== entry);
    return reject(`default-domain opset ${before} import removed`);
  }
  const after = pick(rng, [0, -1, 1, 6, 7, 9, 11, 13, 17, 21, 99, 2 ** 40]);
  entry.version = after;
  const note = `opset ${before} -> ${after}`;
  return after === before ? valid(note) : after < 1 ? reject(note) : unknown(note);
}

/** A node duplicated: with its outputs (a tensor produced twice, invalid) or as a dead copy with fresh outputs. */
function duplicateNode(rng: Rng, graph: OnnxGraph): Mutation | undefined {
  const at = int(rng, 0, graph.node.length - 1);
  const n = graph.node[at];
  if (!n) return undefined;
  const fresh = rng() < 0.5;
  const copy: OnnxNode = { ...n, name: fresh ? `${n.name}_fuzz_copy` : n.name, input: [...n.input], output: n.output.map((t) => (fresh && t !== '' ? `${t}_fuzz_copy` : t)), attribute: [...n.attribute] };
  graph.node = [...graph.node.slice(0, at + 1), copy, ...graph.node.slice(at + 1)];
  const label = `node '${n.name || n.output[0]}' (${n.opType}) duplicated`;
  return fresh ? valid(`${label} as a dead copy`) : reject(`${label} with its outputs (each produced twice)`);
}

/** A node renamed (names are for diagnostics only): to another node's name, to '' or to odd characters. */
function renameNode(rng: Rng, graph: OnnxGraph): Mutation | undefined {
  const n = pick(rng, graph.node);
  if (!n) return undefined;
  const before = n.name;
  n.name = pick(rng, ['', '/', '../../x', 'a b\u0000c', pick(rng, graph.node).name, 'input', 'x'.repeat(300)]);
  return valid(`node '${before}' renamed to ${JSON.stringify(n.name.slice(0, 40))}`);
}

const MUTATIONS: ReadonlyArray<[number, (rng: Rng, model: OnnxModel, graph: OnnxGraph, spec: string | undefined, ops: readonly string[]) => Mutation | undefined]> = [
  [0.04, () => valid('unchanged (decoded and re-encoded)')],
  [0.2, (rng, _m, g) => changeAttribute(rng, g)],
  [0.1, (rng, _m, g) => removeAttribute(rng, g)],
  [0.14, (rng, _m, g) => renameInput(rng, g)],
  [0.12, (rng, _m, g) => changeTensor(rng, g)],
  [0.1, (rng, _m, g, _s, ops) => swapOp(rng, g, ops)],
  [0.1, (rng, _m, g, spec) => changeInputDims(rng, g, spec)],
  [0.04, (rng, _m, g) => removeOutput(rng, g)],
  [0.05, (rng, m) => changeOpset(rng, m)],
  [0.08, (rng, _m, g) => duplicateNode(rng, g)],
  [0.03, (rng, _m, g) => renameNode(rng, g)],
];

/** The command: mostly import and analyze (cheap), some simulate, a few optimize (seconds each on these models). */
function command(rng: Rng, sets: readonly string[]): string[] {
  const roll = rng();
  const arch = sets.flatMap((s) => ['--set', s]);
  if (roll < 0.25) return ['import', '@m.onnx', '--out', '@net.json'];
  if (roll < 0.65) return ['analyze', '--network', '@m.onnx', '--format', 'json', ...arch];
  if (roll < 0.93) return ['simulate', '--network', '@m.onnx', '--images', String(int(rng, 1, 2)), '--format', 'json', ...arch];
  return ['optimize', '--network', '@m.onnx', '--episodes', '2', '--no-confirm', '--top-k', '1', '--out', '@opt.json', ...arch];
}

export function realOnnxCase(rng: Rng, id: number, supported: readonly string[]): FuzzCase {
  const source = pick(rng, fuzzRealModels());
  const model = decodeModelForEdit(source.bytes);
  const graph = model.graph;
  let mutation: Mutation | undefined;
  if (graph) {
    for (let tries = 0; mutation === undefined && tries < 10; tries++) {
      let roll = rng();
      const entry = MUTATIONS.find(([weight]) => (roll -= weight) < 0) ?? MUTATIONS[1];
      mutation = entry?.[1](rng, model, graph, source.inputSpec, supported);
    }
  }
  mutation ??= valid('unchanged (decoded and re-encoded)');
  const argv = command(rng, source.sets);
  const spec = mutation.inputSpec ?? source.inputSpec;
  if (spec !== undefined) argv.push('--input-shape', spec);
  return {
    id,
    kind: 'real-onnx',
    argv,
    files: [{ name: 'm.onnx', data: encodeDecodedModel(model) }],
    mustReject: mutation.mustReject,
    mustImport: mutation.mustImport,
    note: `${source.name}: ${mutation.note}`,
  };
}
