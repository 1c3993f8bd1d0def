/**
 * Dims of the small parameter inputs that lrmp counts but never reads (biases, batch-norm statistics, norm scales,
 * PReLU slopes) checked against what the ONNX specification requires of them. A model whose Conv bias has 17
 * values for 16 output channels is invalid; importing it would be a wrong success.
 */
import type { ImportContext } from './context';
import { broadcastDims } from './fold';
import type { OnnxNode } from './proto';

/** Dims as messages print them: [1, 3, 8, 8]. */
export const dimsText = (dims: readonly number[]): string => `[${dims.join(', ')}]`;

function field(node: OnnxNode, index: number, label: string): string {
  return `input ${index} (${label}) '${node.input[index] ?? ''}'`;
}

/** Input `index` of `node`, when present, must have exactly `want` dims (e.g. a Conv bias: [M]). */
export function checkParamDims(ctx: ImportContext, node: OnnxNode, index: number, label: string, want: readonly number[], why: string): void {
  const value = ctx.optional(node, index);
  if (value === undefined || value.dims.join(',') === want.join(',')) return;
  throw ctx.invalid(field(node, index, label), `of dims ${dimsText(value.dims)}`, `dims ${dimsText(want)} (${why})`);
}

/** How a parameter may differ from the activation dims it broadcasts to, beyond ONNX's unidirectional broadcast. */
export interface BroadcastLeeway {
  /**
   * The target's axis 0 is the batch, which lrmp streams as 1: a parameter of the same rank may be sized for the
   * model's declared batch there (a fixed-batch [8, ...] model's Gemm C of [8, N]).
   */
  batchAxis?: boolean;
  /**
   * Leading 1s beyond the target's rank are allowed, up to this rank (the input's): a LayerNorm scale [1, 1, H]
   * over the normalized [H] of an [N, S, H] input.
   */
  leadingOnesUpToRank?: number;
}

/**
 * Input `index` of `node`, when present, must broadcast to `target` without changing it (ONNX unidirectional
 * broadcast, with `leeway`); `what` names `target` with its dims.
 */
export function checkBroadcastsTo(ctx: ImportContext, node: OnnxNode, index: number, label: string, target: readonly number[], what: string, leeway: BroadcastLeeway = {}): void {
  const value = ctx.optional(node, index);
  if (value === undefined) return;
  let dims = value.dims;
  if (dims.length <= (leeway.leadingOnesUpToRank ?? 0)) while (dims.length > target.length && dims[0] === 1) dims = dims.slice(1);
  if (leeway.batchAxis && dims.length === target.length && target[0] === 1 && dims[0] === ctx.declaredBatch) dims = [1, ...dims.slice(1)];
  const joined = dims.length <= target.length ? broadcastDims(target, dims) : undefined;
  if (joined !== undefined && joined.join(',') === target.join(',')) return;
  throw ctx.invalid(field(node, index, label), `of dims ${dimsText(value.dims)}`, `dims that broadcast to ${what}`);
}
