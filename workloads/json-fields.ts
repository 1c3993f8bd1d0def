/**
 * Readers for fields of a parsed JSON document. Each checks one value and throws ValidationError(source, path,
 * found, allowed) when it is wrong, so every message names the file, the field path and what is allowed.
 */
import { ValidationError } from '../errors';
import { describeRange, inRange, type NumericRange } from '../limits';

export type JsonObject = Record<string, unknown>;

/** A short, readable rendering of a found value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function expectObject(source: string, path: string, v: unknown): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(source, path, describeValue(v), 'an object');
  return v as JsonObject;
}

export function expectArray(source: string, path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new ValidationError(source, path, describeValue(v), 'an array');
  return v;
}

/** Rejects keys that are not in `allowed` (so a misspelt option is never silently ignored). */
export function checkKeys(source: string, path: string, obj: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new ValidationError(source, path ? `${path}.${key}` : key, 'an unknown key', `only the keys ${allowed.join(', ')}`);
    }
  }
}

export function readString(source: string, path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new ValidationError(source, path, describeValue(v), 'a non-empty string');
  return v;
}

export function readBool(source: string, path: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ValidationError(source, path, describeValue(v), 'true or false');
  return v;
}

export function readEnum<T extends string>(source: string, path: string, v: unknown, options: readonly T[], fallback?: T): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new ValidationError(source, path, describeValue(v), `one of ${options.map((o) => `'${o}'`).join(', ')}`);
  }
  return v as T;
}

/** A bound: a NumericRange from limits.ts, or just a minimum (no upper bound beyond what shape checks add). */
export type IntBound = number | NumericRange;

function toRange(bound: IntBound): NumericRange {
  return typeof bound === 'number' ? { min: bound, max: Number.MAX_SAFE_INTEGER, integer: true } : bound;
}

function isIntIn(v: unknown, bound: IntBound): v is number {
  return inRange(v, toRange(bound));
}

function intWord(bound: IntBound): string {
  if (typeof bound !== 'number') return describeRange(bound);
  return bound === 0 ? 'a non-negative integer' : bound === 1 ? 'a positive integer' : `an integer >= ${bound}`;
}

export function readInt(source: string, path: string, v: unknown, bound: IntBound, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (!isIntIn(v, bound)) throw new ValidationError(source, path, describeValue(v), intWord(bound));
  return v;
}

export function readFiniteNumber(source: string, path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ValidationError(source, path, describeValue(v), `a number from ${min} to ${max}`);
  }
  return v;
}

/** A scalar (both axes) or [height, width] pair of integers in `bound`. */
export function readPair(source: string, path: string, v: unknown, bound: IntBound, fallback?: [number, number]): [number, number] {
  if (v === undefined && fallback !== undefined) return [fallback[0], fallback[1]];
  if (isIntIn(v, bound)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => isIntIn(x, bound))) return [v[0] as number, v[1] as number];
  throw new ValidationError(source, path, describeValue(v), `${intWord(bound)} or a pair [height, width] of them`);
}

/** A scalar, a [vertical, horizontal] pair, or [top, left, bottom, right] of integers in `bound` (default: >= 0). */
export function readQuad(source: string, path: string, v: unknown, fallback: number, bound: IntBound = 0): [number, number, number, number] {
  if (v === undefined) return [fallback, fallback, fallback, fallback];
  if (isIntIn(v, bound)) return [v, v, v, v];
  if (Array.isArray(v) && v.every((x) => isIntIn(x, bound))) {
    const n = v as number[];
    if (n.length === 2) return [n[0] as number, n[1] as number, n[0] as number, n[1] as number];
    if (n.length === 4) return [n[0] as number, n[1] as number, n[2] as number, n[3] as number];
  }
  throw new ValidationError(
    source,
    path,
    describeValue(v),
    `${intWord(bound)}, a pair [vertical, horizontal] or a quad [top, left, bottom, right] of them`,
  );
}
