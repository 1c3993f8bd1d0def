/**
 * Graph inputs: one is streamed (the image, the sequence, the audio); the others (a recurrent state, a sample
 * rate, a mask) are constants, zeros unless the user gives their values. The batch dimension is 1: lrmp streams
 * one input after another.
 */
import { ValidationError } from '../../errors';
import { DTYPE, toNumber, type OnnxGraph, type OnnxValueInfo } from './proto';
import { constOf, numel, type ConstValue } from './tensors';

export interface OnnxInputOptions {
  /** Dims of the streamed input (any rank, e.g. [1, 3, 224, 224] or [1, 16, 96]), replacing the declared ones. */
  inputShape?: number[];
  /** Dims per graph input, by name (the streamed input or a constant one). */
  inputShapes?: Record<string, number[]>;
  /** Element values of non-streamed inputs, by name (one value fills the tensor); others are zeros. */
  inputValues?: Record<string, number[]>;
}

const INTEGER_ELEMS = new Set<number>([DTYPE.INT64, DTYPE.INT32, DTYPE.INT8, DTYPE.UINT8, DTYPE.INT16, DTYPE.UINT16, DTYPE.BOOL]);

function declaredDims(info: OnnxValueInfo): (number | undefined)[] {
  return (info.type?.tensorType?.shape?.dim ?? []).map((d) => {
    if (d.value !== 'dimValue' || d.dimValue === undefined) return undefined;
    const v = toNumber(d.dimValue);
    return v >= 1 ? v : undefined;
  });
}

function describeDims(info: OnnxValueInfo): string {
  const dims = (info.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.value === 'dimValue' && d.dimValue !== undefined ? String(toNumber(d.dimValue)) : `'${d.dimParam ?? '?'}'`,
  );
  return `[${dims.join(', ')}]`;
}

/** How to write a shape for this input on the command line, from its declared dims. */
function example(info: OnnxValueInfo, first: boolean): string {
  const dims = declaredDims(info).map((d, i) => d ?? (i === 0 ? 1 : 16));
  const text = (dims.length > 0 ? dims : [1, 3, 224, 224]).join('x');
  return first ? `--input-shape ${text} (or ${info.name}=${text})` : `--input-shape ${info.name}=${text}`;
}

/** Dims of one input: the given ones checked against the declared ones; dynamic batch = 1. */
function dimsOf(info: OnnxValueInfo, given: number[] | undefined, source: string, streamed: boolean): number[] {
  const declared = declaredDims(info);
  const field = given ? `--input-shape (input '${info.name}')` : `graph.input['${info.name}'].shape`;
  const accepted = `${declared.length > 0 ? `${declared.length} dimensions` : 'dimensions'} joined by x, e.g. ${example(info, streamed)}; other inputs as name=dims, values of constant inputs as name:value`;
  if (given) {
    if (declared.length > 0 && given.length !== declared.length) {
      throw new ValidationError(source, field, `${given.join('x')} (${given.length} dimensions; the graph declares ${describeDims(info)})`, accepted);
    }
    declared.forEach((d, i) => {
      if (d !== undefined && i > 0 && d !== given[i]) throw new ValidationError(source, field, `${given.join('x')} (dimension ${i} is fixed to ${d} by the graph)`, accepted);
    });
    if (given.some((d) => !Number.isInteger(d) || d < 1)) throw new ValidationError(source, field, given.join('x'), `positive integers: ${accepted}`);
    return [...given];
  }
  if (info.type?.tensorType?.shape === undefined || info.type.tensorType.shape === null) {
    if (!streamed) return [];
    throw new ValidationError(source, field, 'not declared', `a shape given with ${accepted}`);
  }
  // The batch (dimension 0) may stay dynamic; any other dynamic dimension of the streamed input must be given.
  const missing = declared.findIndex((d, i) => d === undefined && i > 0 && declared.length > 1);
  if (missing >= 0 && streamed) {
    throw new ValidationError(source, field, `dynamic in dimension ${missing} (${describeDims(info)})`, `fixed sizes: give them with ${accepted}`);
  }
  return declared.map((d) => d ?? 1);
}

/** The streamed input (the first graph input that is not an initializer) and the others as constants. */
export function graphInputs(graph: OnnxGraph, options: OnnxInputOptions & { source: string }): { streamed: { name: string; dims: number[]; batch: number }; others: { name: string; value: ConstValue }[] } {
  const source = options.source;
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initializers.has(i.name));
  const first = inputs[0];
  if (!first) throw new ValidationError(source, 'graph.input', 'none besides initializers', 'one input to stream (the image or sequence)');
  const shapes = options.inputShapes ?? {};
  // A graph input with an initializer (older exporters list every weight among the inputs) has the model's own
  // value and dims: it takes no shape or values; saying "not a graph input" of it was wrong.
  const notOne = (name: string): string =>
    initializers.has(name) && graph.input.some((i) => i.name === name) ? 'a graph input with an initializer (a weight: the model fixes its dims and values)' : 'not a graph input';
  for (const name of Object.keys(shapes)) {
    if (!inputs.some((i) => i.name === name)) {
      throw new ValidationError(source, `--input-shape ${name}=...`, `'${name}', which is ${notOne(name)}`, `one of ${inputs.map((i) => `'${i.name}'`).join(', ')}`);
    }
  }
  // Values only fill constant inputs: a name that is none of them (a typo, or the streamed input) would be ignored.
  for (const name of Object.keys(options.inputValues ?? {})) {
    if (!inputs.slice(1).some((i) => i.name === name)) {
      const constants = inputs.slice(1).map((i) => `'${i.name}'`);
      throw new ValidationError(source, `--input-shape ${name}:...`, `'${name}', which is ${name === first.name ? 'not a constant input (it is the streamed one)' : notOne(name)}`, constants.length > 0 ? `values for one of ${constants.join(', ')}` : `no values: the graph's only input, '${first.name}', is streamed`);
    }
  }
  const given = options.inputShape ?? shapes[first.name];
  const dims = dimsOf(first, given, source, true);
  // lrmp streams one input at a time: a dynamic batch, and an image's batch, is 1 (a fixed leading dim of a
  // sequence may be its time steps, [T, N, F], and is kept).
  const declared0 = declaredDims(first)[0];
  // The model's own batch (a fixed [8, 3, H, W] input) is kept aside: its parameters may be sized for it.
  const batch = dims[0] ?? 1;
  if ((dims.length >= 2 && declared0 === undefined && !given) || dims.length === 4) dims[0] = 1;
  const others = inputs.slice(1).map((info) => {
    const d = dimsOf(info, shapes[info.name], source, false);
    const given = options.inputValues?.[info.name];
    const n = numel(d);
    const values = given ? (given.length === 1 ? new Array<number>(n).fill(given[0] ?? 0) : given) : new Array<number>(n).fill(0);
    if (values.length !== n) throw new ValidationError(source, `--input-value ${info.name}`, `${given?.length ?? 0} values`, `1 or ${n} (the input's elements)`);
    return { name: info.name, value: constOf(d, values, INTEGER_ELEMS.has(info.type?.tensorType?.elemType ?? DTYPE.FLOAT)) };
  });
  return { streamed: { name: first.name, dims, batch: dims[0] === 1 ? batch : 1 }, others };
}
