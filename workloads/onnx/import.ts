/**
 * ONNX -> lrmp layer graph. Reads the graph, attributes and initializer shapes (never the weights), folds
 * constants and shape arithmetic, and converts each remaining node with its operator's converter.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputFileError, ValidationError } from '../../errors';
import { NETWORK_INPUT, type Network } from '../types';
import { ImportContext, nodeLabel } from './context';
import { FOLDERS } from './fold';
import { WINDOW_OPS } from './ops-window';
import { TENSOR_OPS } from './ops-tensor';
import { decodeModel, toNumber, type OnnxGraph, type OnnxNode, type OnnxValueInfo } from './proto';
import { constFromTensor } from './tensors';

export interface OnnxImportOptions {
  /** File name (or other origin) that error messages name. */
  source: string;
  /** Input shape [N, C, H, W] (or [N, F]) that replaces the graph input's dims, required when any is dynamic. */
  inputShape?: number[];
  /** Network name. @default the graph name, else the file name without extension */
  name?: string;
}

type Converter = (ctx: ImportContext, node: OnnxNode) => void;
const CONVERTERS: Readonly<Record<string, Converter>> = { ...WINDOW_OPS, ...TENSOR_OPS };

/** Operator types the importer understands (converted to layers or folded to constants). */
export function supportedOnnxOps(): string[] {
  return [...new Set([...Object.keys(CONVERTERS), ...Object.keys(FOLDERS)])].sort();
}

/** Ops whose folder runs even on activations (they only read the input's shape). */
const ALWAYS_FOLD = new Set(['Constant', 'Shape']);

/** Imports an ONNX model given as bytes or as a path to the file. */
export function importOnnx(file: Uint8Array | string, options: OnnxImportOptions): Network {
  const bytes = typeof file === 'string' ? readFile(file) : file;
  const model = decodeModel(bytes, options.source);
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw new InputFileError(options.source, 'the ONNX model has no graph nodes (truncated or not an ONNX model?)');
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!opset) throw new InputFileError(options.source, 'the ONNX model imports no default-domain opset (truncated or corrupt file?)');

  const readers = new Map<string, number>();
  for (const node of graph.node) for (const t of node.input) if (t !== '') readers.set(t, (readers.get(t) ?? 0) + 1);
  const outputs = new Set(graph.output.map((o) => o.name));
  const ctx = new ImportContext(options.source, toNumber(opset.version), readers, outputs);

  for (const init of graph.initializer) ctx.set(init.name, constFromTensor(init));
  const input = networkInput(graph, options);
  ctx.set(input.name, { kind: 'act', producer: NETWORK_INPUT, dims: input.dims });

  sortNodes(graph.node, ctx, options.source).forEach(({ node, index }) => {
    ctx.begin(node, index);
    convertNode(ctx, node, index);
  });

  for (const out of graph.output) {
    const value = ctx.get(out.name);
    if (!value) throw new InputFileError(options.source, `graph output '${out.name}' is produced by no node (truncated or corrupt file?)`);
    if (value.kind !== 'act' || value.producer === NETWORK_INPUT) {
      throw new ValidationError(options.source, `graph.output['${out.name}']`, 'a constant or the unchanged input', 'a tensor computed by layers');
    }
  }
  if (ctx.layers.length === 0) throw new ValidationError(options.source, 'graph', 'no layers after folding constants', 'at least one layer');
  const [, c = 1, h = 1, w = 1] = input.dims.length === 2 ? [input.dims[0], input.dims[1], 1, 1] : input.dims;
  const name = options.name ?? (graph.name !== '' ? graph.name : path.basename(options.source, path.extname(options.source)));
  return { name, input: { channels: c, height: h, width: w }, layers: ctx.layers };
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
  if (node.domain !== '' && node.domain !== 'ai.onnx') throw unsupported(ctx, node, index, `${node.domain}::${op}`);
  const folder = FOLDERS[op];
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
      if (item && item.node.input.every((t) => ready(t, produced))) {
        order.push(item);
        for (const t of item.node.output) produced.add(t);
        pending.splice(i, 1);
      } else i++;
    }
    if (pending.length === before) {
      const stuck = pending[0];
      const missing = stuck?.node.input.find((t) => !ready(t, produced)) ?? '';
      throw new InputFileError(
        source,
        `node ${stuck ? nodeLabel(stuck.node, stuck.index) : '?'} (${stuck?.node.opType ?? ''}) reads tensor '${missing}', which no node, ` +
          'initializer or graph input produces (truncated or corrupt file?)',
      );
    }
  }
  return order;
}

/** The one graph input that is not an initializer, with its dims (dynamic ones from options.inputShape). */
function networkInput(graph: OnnxGraph, options: OnnxImportOptions): { name: string; dims: number[] } {
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initializers.has(i.name));
  const only = inputs[0];
  if (!only || inputs.length !== 1) {
    throw new ValidationError(options.source, 'graph.input', `${inputs.length} non-constant inputs (${inputs.map((i) => i.name).join(', ')})`, 'exactly one (the image)');
  }
  const declared = declaredDims(only);
  const field = `graph.input['${only.name}'].shape`;
  const given = options.inputShape;
  if (given) {
    if (given.length !== declared.length && declared.length > 0) {
      throw new ValidationError(options.source, '--input-shape', given.join('x'), `${declared.length} dimensions, as the graph input [${declared.map((d) => d ?? '?').join(', ')}]`);
    }
    declared.forEach((d, i) => {
      if (d !== undefined && i > 0 && d !== given[i]) {
        throw new ValidationError(options.source, '--input-shape', given.join('x'), `dimension ${i} = ${d}, as the graph input fixes it`);
      }
    });
    return checked({ name: only.name, dims: [...given] }, options.source, '--input-shape');
  }
  const dynamic = declared.findIndex((d) => d === undefined);
  if (declared.length === 0 || dynamic >= 0) {
    const what = declared.length === 0 ? 'not declared' : `dynamic in dimension ${dynamic} ([${describeDims(only).join(', ')}])`;
    throw new ValidationError(options.source, field, what, 'fixed sizes; give the input shape with --input-shape NxCxHxW (e.g. 1x3x224x224)');
  }
  return checked({ name: only.name, dims: declared as number[] }, options.source, field);
}

function checked(input: { name: string; dims: number[] }, source: string, field: string): { name: string; dims: number[] } {
  const ok = (input.dims.length === 4 || input.dims.length === 2) && input.dims.every((d) => Number.isInteger(d) && d >= 1);
  if (!ok) throw new ValidationError(source, field, `[${input.dims.join(', ')}]`, 'positive integers NxCxHxW (or NxF)');
  return input;
}

function declaredDims(info: OnnxValueInfo): (number | undefined)[] {
  const dims = info.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => {
    if (d.value !== 'dimValue' || d.dimValue === undefined) return undefined;
    const v = toNumber(d.dimValue);
    return v >= 1 ? v : undefined;
  });
}

function describeDims(info: OnnxValueInfo): string[] {
  return (info.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.value === 'dimValue' && d.dimValue !== undefined ? String(toNumber(d.dimValue)) : `'${d.dimParam ?? '?'}'`,
  );
}
