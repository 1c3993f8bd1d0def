/**
 * How an ONNX tensor of any rank maps to lrmp's internal channels x rows x cols (docs/hardware-model.md rule 4):
 * one ONNX axis is streamed as the rows, some axes make the cols, every other axis folds into channels. The
 * row axis is followed through transposes and reshapes, so a sequence keeps its time steps as rows wherever an
 * exporter moves the axis.
 */
import type { Shape } from '../types';
import { numel, type ActValue } from './tensors';

export interface Layout {
  /** ONNX axis streamed as rows; -1: none (one row). */
  rowAxis: number;
  /** ONNX axes whose product is the cols. */
  colAxes: number[];
}

/** Internal shape of a tensor of `dims` under `layout`. */
export function internalShape(dims: readonly number[], layout: Layout): Shape {
  const height = layout.rowAxis >= 0 ? (dims[layout.rowAxis] ?? 1) : 1;
  const width = layout.colAxes.reduce((p, a) => p * (dims[a] ?? 1), 1);
  return { channels: Math.max(1, numel(dims) / (height * width)), height, width };
}

export function shapeOf(v: ActValue): Shape {
  return internalShape(v.dims, v);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.channels === b.channels && a.height === b.height && a.width === b.width;
}

/**
 * The layout a tensor gets when no operator dictates one: rank 4+ as NCHW (rows = the second-to-last axis, cols =
 * the last), rank 3 as a sequence [N, T, F] (rows = T), rank 2 or less as a vector (one row).
 */
export function defaultLayout(rank: number): Layout {
  if (rank >= 4) return { rowAxis: rank - 2, colAxes: [rank - 1] };
  if (rank === 3) return { rowAxis: 1, colAxes: [] };
  return { rowAxis: -1, colAxes: [] };
}

/** Layout after a transpose by `perm` (output axis i is input axis perm[i]): the axes move with their data. */
export function permutedLayout(layout: Layout, perm: readonly number[]): Layout {
  const where = (a: number): number => perm.indexOf(a);
  return {
    rowAxis: layout.rowAxis >= 0 ? where(layout.rowAxis) : -1,
    colAxes: layout.colAxes.map(where).filter((a) => a >= 0),
  };
}

/** Layout after removing axes (Squeeze, a reduction without keepdims): later axes shift down. */
export function removedAxesLayout(layout: Layout, removed: readonly number[]): Layout {
  const map = (a: number): number => (removed.includes(a) ? -1 : a - removed.filter((r) => r < a).length);
  return { rowAxis: layout.rowAxis >= 0 ? map(layout.rowAxis) : -1, colAxes: layout.colAxes.map(map).filter((a) => a >= 0) };
}

/** Layout after inserting size-1 axes at `inserted` (positions in the output). */
export function insertedAxesLayout(layout: Layout, inserted: readonly number[], outRank: number): Layout {
  const kept: number[] = [];
  for (let i = 0; i < outRank; i++) if (!inserted.includes(i)) kept.push(i);
  const map = (a: number): number => kept[a] ?? -1;
  return { rowAxis: layout.rowAxis >= 0 ? map(layout.rowAxis) : -1, colAxes: layout.colAxes.map(map) };
}

/** Product of dims before axis `a`. */
function prefix(dims: readonly number[], a: number): number {
  return numel(dims.slice(0, a));
}

/**
 * Where a reshape leaves the row axis: the output axis holding the same data in the same order (same size, same
 * product of the axes before it), so rows stay rows; undefined when the row axis is merged or split.
 */
export function reshapedAxis(inDims: readonly number[], axis: number, outDims: readonly number[]): number | undefined {
  if (axis < 0) return undefined;
  const before = prefix(inDims, axis);
  const size = inDims[axis] ?? 1;
  for (let j = 0; j < outDims.length; j++) if (outDims[j] === size && prefix(outDims, j) === before) return j;
  return undefined;
}

/** True when every axis before `axis` has size 1: the rows are the outermost data, so a reshape re-cuts them in order. */
export function outermost(dims: readonly number[], axis: number): boolean {
  return axis < 0 || prefix(dims, axis) === 1;
}
