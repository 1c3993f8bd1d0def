/**
 * The state of one ONNX import: the value of every tensor seen so far and the lrmp layers emitted. Converters
 * (one per operator) read their inputs through it and emit layers or constants into it.
 */
import { InputFileError, ValidationError } from '../../errors';
import { formatShape } from '../shapes';
import { NETWORK_INPUT, type Layer, type Shape } from '../types';
import { internalShape, sameShape, shapeOf, type Layout } from './layout';
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
  /** Internal shape of the network input, once the first layer reading it has chosen its layout. */
  inputShape: Shape | undefined;
  /** Nodes already converted as part of a pattern (the decomposed LayerNorm): skipped when their turn comes. */
  readonly absorbed = new Set<OnnxNode>();
  /** Integer widths of quantized layers (ConvInteger, QLinearMatMul...), by layer name: their default bits. */
  readonly quantBits = new Map<string, { wbits: number; abits: number }>();
  /** Internal shape each emitted layer must have, checked against shape inference at the end. */
  readonly expected = new Map<string, Shape>();
  private readonly values = new Map<string, Value>();
  private readonly names = new Set<string>([NETWORK_INPUT]);
  /**
   * The streamed input's batch as the model declares it (8 for a fixed [8, 3, H, W]); lrmp streams batch 1, so an
   * activation's dim 0 is 1 where the model's parameters (a Gemm C, a per-axis scale on axis 0) may say this.
   */
  declaredBatch = 1;
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
    /** Nodes reading each tensor (for multi-node patterns). */
    private readonly readersOf: ReadonlyMap<string, OnnxNode[]> = new Map(),
  ) {}

  consumers(tensor: string): OnnxNode[] {
    return this.readersOf.get(tensor) ?? [];
  }

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

  /** Emits a layer for `node` reading `inputs`, and binds the node's first output to it (dims and layout given). */
  addLayer(node: OnnxNode, body: LayerBody, inputs: ActValue[], outDims: number[], layout: Layout): ActValue {
    const out = this.emit(this.baseName(node), body, inputs, outDims, layout);
    this.set(node.output[0] ?? '', out);
    return out;
  }

  /** Emits a layer named after `base` (made unique) reading `inputs`; returns its output value. */
  emit(base: string, body: LayerBody, inputs: ActValue[], outDims: number[], layout: Layout): ActValue {
    const settled = inputs.map((v) => this.settle(v.pendingPad ? this.materializePad(v) : v));
    const name = this.unique(base);
    const layer = { ...body, name, inputs: settled.map((v) => v.producer) } as Layer;
    this.layers.push(layer);
    this.expected.set(name, internalShape(outDims, layout));
    return { kind: 'act', producer: name, dims: outDims, rowAxis: layout.rowAxis, colAxes: [...layout.colAxes] };
  }

  /**
   * A Pad that no window op absorbed: free 'pad' layers, one per padded axis (the reader substitutes the fill
   * value); an axis folded into channels or cols pads them in proportion.
   */
  materializePad(v: ActValue): ActValue {
    const pad = v.pendingPad;
    if (!pad) return v;
    let dims = v.dims.map((d, i) => d - (pad.begin[i] ?? 0) - (pad.end[i] ?? 0));
    let out: ActValue = { kind: 'act', producer: v.producer, dims, rowAxis: v.rowAxis, colAxes: v.colAxes, ...(v.floating ? { floating: true } : {}) };
    dims.forEach((_, a) => {
      const b = pad.begin[a] ?? 0;
      const e = pad.end[a] ?? 0;
      if (b + e === 0) return;
      const axis = a === out.rowAxis ? 'height' : out.colAxes.includes(a) ? 'width' : 'channels';
      const before = shapeOf(out);
      dims = [...out.dims];
      const unit = before[axis] / (dims[a] ?? 1);
      dims[a] = (dims[a] ?? 0) + b + e;
      out = this.emit(`${out.producer}.pad`, { kind: 'pad', axis, before: b * unit, after: e * unit }, [this.settle(out)], dims, out);
    });
    return out;
  }

  /** The network input read in its current layout: the first reader fixes the input's layout (rule 4). */
  settle(v: ActValue): ActValue {
    if (!v.floating) return v;
    const fixed: ActValue = { ...v, floating: false };
    const shape = shapeOf(fixed);
    if (this.inputShape === undefined || sameShape(this.inputShape, shape)) {
      this.inputShape = shape;
      return fixed;
    }
    // Another reader already fixed a different order: this one reads the input re-cut (waits for all of it).
    return this.emit(`${NETWORK_INPUT}.relayout`, { kind: 'reshape', shape, rows: 'all' }, [{ ...fixed, producer: NETWORK_INPUT }], v.dims, v);
  }

  /**
   * The value in the layout an operator needs: nothing to do when rows and the internal shape agree; a free
   * re-cut in row order when only channels and cols regroup; a reshape across rows (its readers wait for the
   * whole tensor) when the row axis moves (docs/hardware-model.md rule 4).
   */
  relayout(v: ActValue, layout: Layout): ActValue {
    const target: ActValue = { ...v, rowAxis: layout.rowAxis, colAxes: [...layout.colAxes] };
    if (v.floating) return this.settle(target);
    const from = shapeOf(v);
    const to = shapeOf(target);
    const rowsKept = v.rowAxis === layout.rowAxis || (from.height === 1 && to.height === 1);
    if (rowsKept && sameShape(from, to)) return target;
    const out = this.emit(`${v.producer}.relayout`, { kind: 'reshape', shape: to, rows: rowsKept ? 'ordered' : 'all' }, [v], v.dims, layout);
    return out;
  }

  /** Throws when a layer's inferred shape differs from what the importer tracked (an importer bug, reported plainly). */
  checkShapes(inferred: ReadonlyMap<string, Shape>): void {
    for (const [name, want] of this.expected) {
      const got = inferred.get(name);
      if (got && !sameShape(got, want)) {
        throw new InputFileError(
          this.source,
          `lrmp mapped layer '${name}' inconsistently (internal error, please report it with this file): the ` +
            `importer tracked ${formatShape(want)}, shape inference gives ${formatShape(got)}`,
        );
      }
    }
  }

  /** Records a crossbar layer's integer width when its weights are a quantized tensor (its default bits). */
  markQuantized(layerName: string, weight: ConstValue): void {
    if (weight.bits !== undefined) this.quantBits.set(layerName, { wbits: weight.bits, abits: Math.max(8, weight.bits) });
  }

  /** Last emitted layer with this name. */
  layer(name: string): Layer | undefined {
    return this.layers.find((l) => l.name === name);
  }

  baseName(node: OnnxNode): string {
    return sanitizeName(node.name) || sanitizeName(node.output[0] ?? '') || node.opType.toLowerCase();
  }

  private unique(base: string): string {
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }
}
