/**
 * Feasibility of a network's sizes, checked during shape inference before anything is allocated for it: a tensor or
 * a layer past these bounds (limits.ts) is a typo (an input of 1e9 x 1e9, a 1e9-pixel pad), and would otherwise
 * drive memory and run time of the models and the simulator.
 */
import { ValidationError } from '../errors';
import { MAX_LAYER_WEIGHTS, MAX_SPATIAL_DIM, MAX_TENSOR_ELEMENTS } from '../limits';
import type { Shape } from './types';

/** A tensor's height and width at most MAX_SPATIAL_DIM, its elements at most MAX_TENSOR_ELEMENTS. @throws ValidationError */
export function checkTensorSize(source: string, field: string, layerName: string, shape: Shape): void {
  const elements = shape.channels * shape.height * shape.width;
  const what = `${shape.channels}x${shape.height}x${shape.width} (${elements} elements, output of '${layerName}')`;
  if (shape.height > MAX_SPATIAL_DIM || shape.width > MAX_SPATIAL_DIM) {
    throw new ValidationError(source, field, what, `a height and width of at most ${MAX_SPATIAL_DIM}`);
  }
  if (elements > MAX_TENSOR_ELEMENTS) throw new ValidationError(source, field, what, `at most 2^${Math.log2(MAX_TENSOR_ELEMENTS)} elements per tensor`);
}

/** A layer's weights at most MAX_LAYER_WEIGHTS. @throws ValidationError */
export function checkLayerWeights(source: string, field: string, layerName: string, params: number): void {
  if (params > MAX_LAYER_WEIGHTS) {
    throw new ValidationError(source, field, `${params} weights (layer '${layerName}')`, `at most 2^${Math.log2(MAX_LAYER_WEIGHTS)} weights per layer`);
  }
}
