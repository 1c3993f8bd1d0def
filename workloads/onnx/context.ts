/**
 * The state of one ONNX import: the value of every tensor seen so far and the lrmp layers emitted. Converters
 * (one per operator) read their inputs through it and emit layers or constants into it.
 */
import { InputFileError, ValidationError } from '../../errors';
import { NETWORK_INPUT, type Layer } from '../types';
import type { OnnxNode } from './proto';
import type { ActValue, ConstValue, Value } from './tensors';

/** A layer's own fields, without the name and inputs that the context fills in. */
export type LayerBody = Layer extends infer L ? (L extends Layer ? Omit<L, 'name' | 'inputs'> : never) : never;

/** Label of a node in messages: its name, else its position and first output. */
export function nodeLabel(node: OnnxNode, index: number): string {
  return node.name !== '' ? `'${node.name}'` : `#${index} (output '${node.output[0] ?? ''}')`;
}

/** Layer names come from ONNX node names: leading '/' dropped, other characters outside [A-Za-z0-9_.-] -> '_'. */
export function sanitizeName(raw: string): string {
  return raw
    .replace(/^\/+/, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export class ImportContext {
  readonly layers: Layer[] = [];
  private readonly values = new Map<string, Value>();
  private readonly names = new Set<string>([NETWORK_INPUT]);
  /** The node being converted and its index, for messages. */
  private current: { node: OnnxNode; index: number } | undefined;

  constructor(
    readonly source: string,
    /** Version of the default-domain opset the model imports. */
    readonly opset: number,
    /** Number of nodes reading each tensor. */
    private readonly readers: ReadonlyMap<string, number>,
    /** Names of the graph's output tensors. */
    private readonly outputs: ReadonlySet<string>,
  ) {}

  isGraphOutput(tensor: string): boolean {
    return this.outputs.has(tensor);
  }

  begin(node: OnnxNode, index: number): void {
    this.current = { node, index };
  }

  /** Label of the node being converted. */
  here(): string {
    return this.current ? nodeLabel(this.current.node, this.current.index) : 'graph';
  }

  /** A ValidationError about an attribute or input of the current node. */
  invalid(field: string, found: string, allowed: string): ValidationError {
    const op = this.current?.node.opType ?? '';
    return new ValidationError(this.source, `node ${this.here()} (${op}) ${field}`, found, allowed);
  }

  set(tensor: string, value: Value): void {
    this.values.set(tensor, value);
  }

  get(tensor: string): Value | undefined {
    return this.values.get(tensor);
  }

  has(tensor: string): boolean {
    return this.values.has(tensor);
  }

  readerCount(tensor: string): number {
    return this.readers.get(tensor) ?? 0;
  }

  /** Value of input `index` of `node`; undefined when the optional input is absent or empty. */
  optional(node: OnnxNode, index: number): Value | undefined {
    const tensor = node.input[index];
    if (tensor === undefined || tensor === '') return undefined;
    const value = this.values.get(tensor);
    if (!value) {
      throw new InputFileError(
        this.source,
        `node ${this.here()} (${node.opType}) reads tensor '${tensor}', which no earlier node, initializer or ` +
          'graph input produces (truncated or corrupt file?)',
      );
    }
    return value;
  }

  input(node: OnnxNode, index: number): Value {
    const value = this.optional(node, index);
    if (!value) throw this.invalid(`input ${index}`, 'missing', 'a tensor name');
    return value;
  }

  act(node: OnnxNode, index: number): ActValue {
    const value = this.input(node, index);
    if (value.kind !== 'act') {
      throw this.invalid(`input ${index} '${node.input[index] ?? ''}'`, 'a constant', 'a tensor computed from the network input');
    }
    return value;
  }

  constant(node: OnnxNode, index: number): ConstValue {
    const value = this.input(node, index);
    if (value.kind !== 'const') {
      throw this.invalid(
        `input ${index} '${node.input[index] ?? ''}'`,
        'computed from the network input',
        'a constant (initializer, Constant node or foldable shape arithmetic)',
      );
    }
    return value;
  }

  /** Element values of a constant input, which must be small and readable. */
  constValues(node: OnnxNode, index: number): number[] {
    const values = this.constant(node, index).values();
    if (!values) throw this.invalid(`input ${index} '${node.input[index] ?? ''}'`, 'an unreadable constant', 'a small numeric constant');
    return values;
  }

  /** Emits a layer for `node` reading `inputs`, and binds the node's first output to it. */
  addLayer(node: OnnxNode, body: LayerBody, inputs: ActValue[], outDims: number[]): ActValue {
    for (const [i, value] of inputs.entries()) {
      if (value.pendingPad) {
        throw this.invalid(`input ${i}`, 'the output of a Pad node', 'Pad only directly before a Conv or pooling node');
      }
    }
    const name = this.uniqueName(node);
    const layer = { ...body, name, inputs: inputs.map((v) => v.producer) } as Layer;
    this.layers.push(layer);
    const out: ActValue = { kind: 'act', producer: name, dims: outDims };
    this.set(node.output[0] ?? '', out);
    return out;
  }

  /** Last emitted layer with this name. */
  layer(name: string): Layer | undefined {
    return this.layers.find((l) => l.name === name);
  }

  private uniqueName(node: OnnxNode): string {
    const base = sanitizeName(node.name) || sanitizeName(node.output[0] ?? '') || node.opType.toLowerCase();
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }
}
