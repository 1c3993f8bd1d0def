/**
 * ONNX -> lrmp layer graph. Reads the graph, attributes and initializer shapes (never the weights), folds
 * constants and shape arithmetic, and converts each remaining node with its operator's converter.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputFileError, ValidationError } from '../../errors';
import { resolveNetwork } from '../shapes';
import { NETWORK_INPUT, type InputLayout, type Network, type Shape } from '../types';
import { ImportContext, nodeLabel } from './context';
import { FOLDERS } from './fold';
import { EXTRA_FOLDERS } from './fold-extra';
import { graphInputs, type OnnxInputOptions } from './inputs';
import { defaultLayout, internalShape } from './layout';
import { ELEMENTWISE_OPS } from './ops-elementwise';
import { LAYOUT_OPS } from './ops-layout';
import { LINEAR_OPS } from './ops-linear';
import { RECURRENT_OPS } from './ops-recurrent';
import { REDUCE_OPS } from './ops-reduce';
import { WINDOW_OPS } from './ops-window';
import { tryDecomposedLayerNorm } from './patterns';
import { decodeModel, toNumber, type OnnxGraph, type OnnxNode } from './proto';
import { constFromTensor } from './tensors';
import { checkInitializers } from './tensor-check';

export interface OnnxImportOptions extends OnnxInputOptions {
  /** File name (or other origin) that error messages name. */
  source: string;
  /** Network name. @default the graph name, else the file name without extension */
  name?: string;
}

type Converter = (ctx: ImportContext, node: OnnxNode) => void;
const CONVERTERS: Readonly<Record<string, Converter>> = {
  ...WINDOW_OPS,
  ...ELEMENTWISE_OPS,
  ...LAYOUT_OPS,
  ...LINEAR_OPS,
  ...REDUCE_OPS,
  ...RECURRENT_OPS,
  If: convertIf,
  Loop: convertLoop,
};
const ALL_FOLDERS: Readonly<Record<string, Converter>> = { ...EXTRA_FOLDERS, ...FOLDERS };

/** Operator types the importer understands (converted to layers or folded to constants). */
export function supportedOnnxOps(): string[] {
  return [...new Set([...Object.keys(CONVERTERS), ...Object.keys(ALL_FOLDERS)])].sort();
}

/** Ops whose folder runs even on activations (they only read the input's shape). */
const ALWAYS_FOLD = new Set(['Constant', 'Shape', 'Size']);

/** Every node of a graph and of its subgraphs (If branches, Loop bodies). */
function allNodes(graph: OnnxGraph): OnnxNode[] {
  const out: OnnxNode[] = [];
  const walk = (g: OnnxGraph): void => {
    for (const n of g.node) {
      out.push(n);
      for (const a of n.attribute) if (a.g) walk(a.g);
    }
  };
  walk(graph);
  return out;
}

/**
 * Every tensor has one producer (ONNX's static single assignment): a node output that another node, an
 * initializer or a graph input also provides is an error, in the graph and in each subgraph.
 */
function checkSingleProducers(graph: OnnxGraph, source: string, where = 'graph'): void {
  const made = new Map<string, string>();
  for (const t of graph.initializer) made.set(t.name, 'an initializer');
  for (const i of graph.input) if (!made.has(i.name)) made.set(i.name, 'a graph input');
  graph.node.forEach((n, index) => {
    for (const t of n.output) {
      if (t === '') continue;
      const before = made.get(t);
      if (before !== undefined) throw new ValidationError(source, `${where} node ${nodeLabel(n, index)} (${n.opType}) output '${t}'`, `also produced by ${before}`, 'a tensor name no other node, initializer or graph input produces');
      made.set(t, `node ${nodeLabel(n, index)}`);
    }
    for (const a of n.attribute) if (a.g) checkSingleProducers(a.g, source, `${where} node ${nodeLabel(n, index)} ${a.name}`);
  });
}

/** Tensors a node reads, including those its subgraphs read from the enclosing scope. */
function nodeReads(node: OnnxNode): string[] {
  const reads = node.input.filter((t) => t !== '');
  for (const a of node.attribute) {
    if (!a.g) continue;
    const local = new Set<string>();
    const scope = (g: OnnxGraph): void => {
      for (const t of g.initializer) local.add(t.name);
      for (const i of g.input) local.add(i.name);
      for (const n of g.node) {
        for (const t of n.output) local.add(t);
        for (const b of n.attribute) if (b.g) scope(b.g);
      }
    };
    scope(a.g);
    for (const n of allNodes(a.g)) for (const t of n.input) if (t !== '' && !local.has(t)) reads.push(t);
  }
  return reads;
}

/** Imports an ONNX model given as bytes or as a path to the file. */
export function importOnnx(file: Uint8Array | string, options: OnnxImportOptions): Network {
  const bytes = typeof file === 'string' ? readFile(file) : file;
  const model = decodeModel(bytes, options.source);
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw new InputFileError(options.source, 'the ONNX model has no graph nodes (truncated or not an ONNX model?)');
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!opset) throw new InputFileError(options.source, 'the ONNX model imports no default-domain opset (truncated or corrupt file?)');
  if (!(toNumber(opset.version) >= 1)) throw new ValidationError(options.source, 'opset_import (default domain) version', String(toNumber(opset.version)), 'an opset version from 1');
  checkInitializers(graph, bytes, options.source);
  checkSingleProducers(graph, options.source);

  const readers = new Map<string, number>();
  const readersOf = new Map<string, OnnxNode[]>();
  for (const node of allNodes(graph)) {
    for (const t of nodeReads(node)) {
      readers.set(t, (readers.get(t) ?? 0) + 1);
      readersOf.set(t, [...(readersOf.get(t) ?? []), node]);
    }
  }
  const outputs = new Set(graph.output.map((o) => o.name));
  const ctx = new ImportContext(options.source, toNumber(opset.version), readers, outputs, readersOf);

  for (const init of graph.initializer) ctx.set(init.name, constFromTensor(init));
  const { streamed, others } = graphInputs(graph, options);
  ctx.declaredBatch = streamed.batch;
  for (const other of others) ctx.set(other.name, other.value);
  ctx.set(streamed.name, { kind: 'act', producer: NETWORK_INPUT, dims: streamed.dims, ...inputLayout(streamed.dims), floating: true });

  convertGraph(ctx, graph.node);

  for (const out of graph.output) {
    const value = ctx.get(out.name);
    if (!value) throw new InputFileError(options.source, `graph output '${out.name}' is produced by no node (truncated or corrupt file?)`);
  }
  if (!graph.output.some((o) => {
    const v = ctx.get(o.name);
    return v?.kind === 'act' && v.producer !== NETWORK_INPUT;
  })) {
    throw new ValidationError(options.source, 'graph.output', 'only constants or the unchanged input', 'at least one tensor computed by layers');
  }
  if (ctx.layers.length === 0) throw new ValidationError(options.source, 'graph', 'no layers after folding constants', 'at least one layer');
  const input = ctx.inputShape ?? internalShape(streamed.dims, defaultLayout(streamed.dims.length));
  // Exporters' generic graph names (tf2onnx, torch-jit-export, main_graph...) say nothing: the file name does.
  const generic = /^(tf2onnx|torch[-_]jit.*|main_graph|spox_graph|graph|model|model from .*|paddle.*|onnx.*)?$/i.test(graph.name);
  const name = options.name ?? (generic ? path.basename(options.source, path.extname(options.source)) : graph.name);
  const network: Network = { name, input, layers: ctx.layers };
  const layout = layoutOf(input);
  if (layout !== 'image') network.inputLayout = layout;
  if (ctx.quantBits.size > 0) network.defaultBits = Object.fromEntries(ctx.quantBits);
  const resolved = resolveNetwork(network, options.source);
  ctx.checkShapes(new Map(resolved.layers.map((r) => [r.layer.name, r.outShape])));
  return network;
}

/**
 * The streamed input's starting layout: an image in TensorFlow's NHWC order (1 to 4 channels last, height and
 * width above 4) streams its H rows of W pixels; otherwise the default by rank. The first layer that reads it may still choose.
 */
function inputLayout(dims: readonly number[]): { rowAxis: number; colAxes: number[] } {
  const [, h = 1, w = 1, c = 1] = dims;
  if (dims.length === 4 && c <= 4 && h > 4 && w > 4) return { rowAxis: 1, colAxes: [2] };
  return defaultLayout(dims.length);
}

/** Image (rows of pixels), sequence (rows of one step) or vector (one row), by the chosen internal shape. */
function layoutOf(shape: Shape): InputLayout {
  if (shape.height > 1 && shape.width > 1) return 'image';
  return shape.height > 1 ? 'sequence' : 'vector';
}

/** Converts a list of nodes (a graph or an inlined If branch) in dependency order. */
function convertGraph(ctx: ImportContext, nodes: OnnxNode[]): void {
  // Constants first (they read nothing): multi-node patterns look at constants that come later in the file.
  const constantsFirst = [...nodes.filter((n) => n.opType === 'Constant'), ...nodes.filter((n) => n.opType !== 'Constant')];
  sortNodes(constantsFirst, ctx, ctx.source).forEach(({ node, index }) => {
    ctx.begin(node, index);
    convertNode(ctx, node, index);
  });
}

/** If with a constant condition (exporters leave them for sample rates, batch sizes): the taken branch inlined. */
function convertIf(ctx: ImportContext, node: OnnxNode): void {
  const cond = ctx.input(node, 0);
  const values = cond.kind === 'const' ? cond.values() : undefined;
  if (values === undefined || values.length !== 1) {
    throw ctx.invalid('input 0 (cond)', cond.kind === 'const' ? 'an unreadable constant' : 'computed from the network input', 'a condition that folds to a constant at import');
  }
  const branch = node.attribute.find((a) => a.name === (values[0] !== 0 ? 'then_branch' : 'else_branch'))?.g;
  if (!branch) throw ctx.invalid('attribute then_branch/else_branch', 'missing', 'both branches as graphs');
  for (const init of branch.initializer) ctx.set(init.name, constFromTensor(init));
  convertGraph(ctx, branch.node);
  ctx.begin(node, 0);
  branch.output.forEach((o, k) => {
    const v = ctx.get(o.name);
    if (!v) throw ctx.invalid(`branch output '${o.name}'`, 'produced by no node of the branch', 'a tensor the branch computes');
    ctx.set(node.output[k] ?? '', v);
  });
}

/** Loops unrolled at import run at most this many iterations (a larger constant trip count is an error). */
const MAX_UNROLL = 4096;

/**
 * Loop with a constant trip count (and a constant or absent condition): the body unrolled, each iteration's
 * loop-carried values feeding the next. Scan outputs (values stacked across iterations) are not supported.
 */
function convertLoop(ctx: ImportContext, node: OnnxNode): void {
  const body = node.attribute.find((a) => a.name === 'body')?.g;
  if (!body) throw ctx.invalid('attribute body', 'missing', 'a graph');
  const trips = ctx.optional(node, 0);
  const cond = ctx.optional(node, 1);
  const count = trips?.kind === 'const' ? trips.values()?.[0] : undefined;
  const go = cond === undefined ? 1 : cond.kind === 'const' ? cond.values()?.[0] : undefined;
  if (count === undefined || go === undefined || count > MAX_UNROLL) {
    throw ctx.invalid('inputs 0-1 (M, cond)', trips === undefined || count === undefined ? 'no constant trip count' : go === undefined ? 'a condition computed from the network input' : `${count} iterations`, `a constant trip count up to ${MAX_UNROLL} and a constant condition (the loop is unrolled at import)`);
  }
  const carried = node.input.slice(2);
  const scans = body.output.length - 1 - carried.length;
  if (scans > 0 && node.output.slice(carried.length).some((t) => t !== '' && (ctx.readerCount(t) > 0 || ctx.isGraphOutput(t)))) {
    throw ctx.invalid('outputs', `${scans} scan output(s) in use`, 'loop-carried values only');
  }
  let values = carried.map((_, k) => ctx.input(node, k + 2));
  for (let i = 0; i < (go !== 0 ? count : 0); i++) {
    for (const init of body.initializer) ctx.set(init.name, constFromTensor(init));
    ctx.set(body.input[0]?.name ?? '', { kind: 'const', dims: [], integer: true, values: () => [i] });
    ctx.set(body.input[1]?.name ?? '', { kind: 'const', dims: [], integer: true, values: () => [1] });
    values.forEach((v, k) => ctx.set(body.input[k + 2]?.name ?? '', v));
    for (const n of body.node) ctx.absorbed.delete(n);
    convertGraph(ctx, body.node);
    const stop = ctx.get(body.output[0]?.name ?? '');
    values = body.output.slice(1, 1 + carried.length).map((o) => {
      const v = ctx.get(o.name);
      if (!v) throw ctx.invalid(`body output '${o.name}'`, 'produced by no node of the body', 'a tensor the body computes');
      return v;
    });
    const next = stop?.kind === 'const' ? stop.values()?.[0] : 1;
    if (next === 0) break;
  }
  ctx.begin(node, 0);
  values.forEach((v, k) => ctx.set(node.output[k] ?? '', v));
}

function readFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(file, code === 'ENOENT' ? 'no such file.' : `cannot be read (${code ?? String(error)}).`);
  }
}

function convertNode(ctx: ImportContext, node: OnnxNode, index: number): void {
  const op = node.opType;
  if (ctx.absorbed.has(node)) return;
  if (node.domain !== '' && node.domain !== 'ai.onnx') throw unsupported(ctx, node, index, `${node.domain}::${op}`);
  if (op === 'ReduceMean' && tryDecomposedLayerNorm(ctx, node)) return;
  const folder = ALL_FOLDERS[op];
  const allConst = node.input.every((t, i) => t === '' || ctx.optional(node, i)?.kind === 'const');
  if (folder && (ALWAYS_FOLD.has(op) || allConst)) return folder(ctx, node);
  const converter = CONVERTERS[op];
  if (!converter) {
    const detail = folder ? `${op} on a tensor computed from the network input (only constant ${op} is folded)` : op;
    throw unsupported(ctx, node, index, detail);
  }
  converter(ctx, node);
}

function unsupported(ctx: ImportContext, node: OnnxNode, index: number, found: string): ValidationError {
  return new ValidationError(ctx.source, `graph node ${nodeLabel(node, index)} op_type`, `'${found}' (not supported)`, supportedOnnxOps().join(', '));
}

/** ONNX requires topological order, but some tools write nodes out of order: sort stably by readiness. */
function sortNodes(nodes: OnnxNode[], ctx: ImportContext, source: string): { node: OnnxNode; index: number }[] {
  const ready = (t: string, produced: Set<string>): boolean => t === '' || ctx.has(t) || produced.has(t);
  const produced = new Set<string>();
  const pending = nodes.map((node, index) => ({ node, index }));
  const order: { node: OnnxNode; index: number }[] = [];
  while (pending.length > 0) {
    const before = pending.length;
    for (let i = 0; i < pending.length; ) {
      const item = pending[i];
      if (item && nodeReads(item.node).every((t) => ready(t, produced))) {
        order.push(item);
        for (const t of item.node.output) produced.add(t);
        pending.splice(i, 1);
      } else i++;
    }
    if (pending.length === before) throw stuckError(pending, (t) => ready(t, produced), source);
  }
  return order;
}

/**
 * Why no pending node can run: one reads a tensor nothing makes (a missing tensor), or, when every tensor they
 * wait for is made by another of them, they read each other's outputs in a cycle (ONNX graphs are acyclic).
 */
function stuckError(pending: { node: OnnxNode; index: number }[], ready: (t: string) => boolean, source: string): InputFileError {
  const producer = new Map<string, { node: OnnxNode; index: number }>();
  for (const item of pending) for (const t of item.node.output) producer.set(t, item);
  const waitsFor = (item: { node: OnnxNode }): string => nodeReads(item.node).find((t) => !ready(t)) ?? '';
  const label = (item: { node: OnnxNode; index: number }): string => `${nodeLabel(item.node, item.index)} (${item.node.opType})`;
  const orphan = pending.find((item) => !producer.has(waitsFor(item)));
  if (orphan) {
    return new InputFileError(source, `node ${label(orphan)} reads tensor '${waitsFor(orphan)}', which no node, initializer or graph input produces (truncated or corrupt file?)`);
  }
  const path: { node: OnnxNode; index: number }[] = [];
  for (let item = pending[0]; item && !path.includes(item); item = producer.get(waitsFor(item))) path.push(item);
  const last = path[path.length - 1];
  const cycle = path.slice(path.findIndex((item) => last && producer.get(waitsFor(last)) === item));
  const steps = cycle.map((item) => `${label(item)} reads '${waitsFor(item)}'`).join(', ');
  return new InputFileError(source, `nodes read each other's outputs in a cycle: ${steps}; an ONNX graph has no cycles (corrupt file?)`);
}
