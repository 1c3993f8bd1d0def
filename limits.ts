/**
 * The physical range and integrality of every number a user can type that is not an architecture field (those
 * live in arch/validate.ts, in the same NumericRange form): command-line flags, plan entries, network dimensions
 * (JSON, NeuroSim CSV, ONNX, --input-shape). Every path that sets one of these reads its range here, so a flag and
 * the plan entry it overrides cannot drift apart, and every error names the input, what was typed and the range.
 *
 * The upper bounds are where a value stops describing a real chip or network and starts being a typo that would
 * drive memory or run time (1e9 replicas, a 1e9 x 1e9 input); they are far above anything published.
 */
import { ValidationError } from './errors';

export interface NumericRange {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer: boolean;
  /** `min` itself is not allowed (a positive real: min 0, exclusive). @default false */
  minExclusive?: boolean;
  /** Appended to the range in messages and help (e.g. 'percentage points'). */
  unit?: string;
}

const int = (min: number, max: number, unit?: string): NumericRange => ({ min, max, integer: true, ...(unit ? { unit } : {}) });
const real = (min: number, max: number, unit?: string, minExclusive = false): NumericRange => ({
  min,
  max,
  integer: false,
  ...(minExclusive ? { minExclusive } : {}),
  ...(unit ? { unit } : {}),
});

/** Largest extent of one tensor dimension (channels, height, width, features) of a network. */
export const MAX_TENSOR_DIM = 1 << 20;
/** Largest spatial extent (height, width) of a feature map, and of a kernel, stride, dilation or pad. */
export const MAX_SPATIAL_DIM = 1 << 16;
/** Largest element count of one activation tensor (per image): 2^31, 2 GB at 8 bits. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31;
/** Largest weight count of one layer (2^34: 8x the largest published single layers). */
export const MAX_LAYER_WEIGHTS = 2 ** 34;
/** Most points one sweep may have (the grid is enumerated before the first point runs). */
export const MAX_SWEEP_POINTS = 100_000;
/** Most layers a network may have. */
export const MAX_LAYERS = 100_000;

export const LIMITS = {
  // Plan entries and the flags that override them.
  bits: int(1, 16),
  replicas: int(1, 4096),
  // Command-line flags.
  // The simulator's memory follows the images in flight, not the stream (sim/image-stream.ts): a million images
  // run in the memory of a few.
  images: int(1, 1_000_000),
  sequenceBlock: int(1, 4096),
  workers: int(0, 256),
  topK: int(1, 100),
  mixWeight: real(0, 1),
  seed: int(0, 2 ** 32 - 1),
  episodes: int(1, 1_000_000),
  accuracyBudget: real(0, 100, 'percentage points'),
  accuracyTimeoutS: real(0, 86_400, 's', true),
  budgetTiles: int(1, 65_536),
  budgetAreaMm2: real(0, 1e6, 'mm2', true),
  // The study queue (--queue, lrmp worker).
  attempts: int(1, 100),
  concurrency: int(1, 1024),
  stalledCheckS: int(1, 86_400, 's'),
  maxStalls: int(0, 1000),
  refusalDelayS: int(0, 86_400, 's'),
  // Network dimensions.
  channels: int(1, MAX_TENSOR_DIM),
  features: int(1, MAX_TENSOR_DIM),
  spatial: int(1, MAX_SPATIAL_DIM),
  kernel: int(1, MAX_SPATIAL_DIM),
  stride: int(1, MAX_SPATIAL_DIM),
  dilation: int(1, MAX_SPATIAL_DIM),
  pad: int(0, MAX_SPATIAL_DIM),
  groups: int(1, MAX_TENSOR_DIM),
  /** First index a slice keeps. */
  sliceStart: int(0, MAX_TENSOR_DIM),
  /** Learned parameters of an activation (PReLU slopes). */
  learnedParams: int(0, MAX_TENSOR_DIM),
  /** Upsampling factor of a resize layer, per axis. */
  resizeScale: real(0, 1024, undefined, true),
  /** One entry of an input shape (--input-shape, ONNX graph inputs), batch included. */
  inputDim: int(1, MAX_TENSOR_DIM),
} as const satisfies Record<string, NumericRange>;

export type LimitName = keyof typeof LIMITS;

function formatBound(value: number): string {
  return Math.abs(value) >= 1e6 && Number.isInteger(Math.log2(value + 1)) ? `2^${Math.log2(value + 1)}-1`
    : Math.abs(value) >= 1e6 && Number.isInteger(Math.log2(value)) ? `2^${Math.log2(value)}`
      : String(value);
}

/** 'an integer from 1 to 16', 'a number > 0 and <= 86400 s'. */
export function describeRange(range: NumericRange): string {
  const unit = range.unit ? ` ${range.unit}` : '';
  const what = range.integer ? 'an integer' : 'a number';
  if (range.minExclusive) return `${what} > ${formatBound(range.min)} and <= ${formatBound(range.max)}${unit}`;
  return `${what} from ${formatBound(range.min)} to ${formatBound(range.max)}${unit}`;
}

/** Whether `value` is a number inside `range`. */
export function inRange(value: unknown, range: NumericRange): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (range.integer && !Number.isInteger(value)) return false;
  if (range.minExclusive ? value <= range.min : value < range.min) return false;
  return value <= range.max;
}

/** A typed or parsed value as the user would recognise it. */
export function describeTyped(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks a number already parsed (JSON, API call). @param source the file or flag, @param field the field path.
 * @throws ValidationError naming source, field, the value and the range
 */
export function checkNumber(value: unknown, range: NumericRange, source: string, field: string): number {
  if (!inRange(value, range)) throw new ValidationError(source, field, describeTyped(value), describeRange(range));
  return value;
}

/** The number in `text` (a flag's or a CSV cell's text), or NaN when it is not one plain decimal number. */
export function numberFromText(text: string): number {
  const trimmed = text.trim();
  // Number('') is 0 and Number('0x10') is 16: neither is what a user typing a count means.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return NaN;
  return Number(trimmed);
}

/** Parses and checks a number typed as text. @throws ValidationError quoting the text as typed */
export function parseNumber(text: string, range: NumericRange, source: string, field: string): number {
  const value = numberFromText(text);
  if (!inRange(value, range)) throw new ValidationError(source, field, `'${text}'`, describeRange(range));
  return value;
}
