/**
 * Readers for fields of a parsed JSON document. Each checks one value and throws ValidationError(source, path,
 * found, allowed) when it is wrong, so every message names the file, the field path and what is allowed.
 */
import { ValidationError } from '../errors';

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

function isIntAtLeast(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

function intWord(min: number): string {
  return min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
}

export function readInt(source: string, path: string, v: unknown, min: number, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (!isIntAtLeast(v, min)) throw new ValidationError(source, path, describeValue(v), intWord(min));
  return v;
}

export function readFiniteNumber(source: string, path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ValidationError(source, path, describeValue(v), `a number from ${min} to ${max}`);
  }
  return v;
}

/** A scalar (both axes) or [height, width] pair of integers >= min. */
export function readPair(source: string, path: string, v: unknown, min: number, fallback?: [number, number]): [number, number] {
  if (v === undefined && fallback !== undefined) return [fallback[0], fallback[1]];
  if (isIntAtLeast(v, min)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => isIntAtLeast(x, min))) return [v[0] as number, v[1] as number];
  throw new ValidationError(source, path, describeValue(v), `${intWord(min)} or a pair [height, width] of them`);
}

/** A scalar, a [vertical, horizontal] pair, or [top, left, bottom, right] of non-negative integers. */
export function readQuad(source: string, path: string, v: unknown, fallback: number): [number, number, number, number] {
  if (v === undefined) return [fallback, fallback, fallback, fallback];
  if (isIntAtLeast(v, 0)) return [v, v, v, v];
  if (Array.isArray(v) && v.every((x) => isIntAtLeast(x, 0))) {
    const n = v as number[];
    if (n.length === 2) return [n[0] as number, n[1] as number, n[0] as number, n[1] as number];
    if (n.length === 4) return [n[0] as number, n[1] as number, n[2] as number, n[3] as number];
  }
  throw new ValidationError(
    source,
    path,
    describeValue(v),
    'a non-negative integer, a pair [vertical, horizontal] or a quad [top, left, bottom, right] of them',
  );
}
