/**
 * Dims of the small parameter inputs that lrmp counts but never reads (biases, batch-norm statistics, norm scales,
 * PReLU slopes) checked against what the ONNX specification requires of them. A model whose Conv bias has 17
 * values for 16 output channels is invalid; importing it would be a wrong success.
 */
import type { ImportContext } from './context';
import { broadcastDims } from './fold';
import type { OnnxNode } from './proto';

const dimsText = (dims: readonly number[]): string => `[${dims.join(', ')}]`;

function field(node: OnnxNode, index: number, label: string): string {
  return `input ${index} (${label}) '${node.input[index] ?? ''}'`;
}

/** Input `index` of `node`, when present, must have exactly `want` dims (e.g. a Conv bias: [M]). */
export function checkParamDims(ctx: ImportContext, node: OnnxNode, index: number, label: string, want: readonly number[], why: string): void {
  const value = ctx.optional(node, index);
  if (value === undefined || value.dims.join(',') === want.join(',')) return;
  throw ctx.invalid(field(node, index, label), `of dims ${dimsText(value.dims)}`, `dims ${dimsText(want)} (${why})`);
}

/** Input `index` of `node`, when present, must broadcast to `target` without changing it (ONNX unidirectional broadcast); `what` names `target` with its dims. */
export function checkBroadcastsTo(ctx: ImportContext, node: OnnxNode, index: number, label: string, target: readonly number[], what: string): void {
  const value = ctx.optional(node, index);
  if (value === undefined) return;
  const joined = value.dims.length <= target.length ? broadcastDims(target, value.dims) : undefined;
  if (joined !== undefined && joined.join(',') === target.join(',')) return;
  throw ctx.invalid(field(node, index, label), `of dims ${dimsText(value.dims)}`, `dims that broadcast to ${what}`);
}
