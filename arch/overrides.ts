import { ValidationError } from '../errors';
import type { ArchSpec } from './types';
import { edramCost } from './edram';
import { archFieldPaths, fieldKind, fieldRange, isArchFieldPath, unknownKeyAllowed, validateArchSpec, type ArchFieldPath } from './validate';
import { describeRange, inRange, numberFromText } from '../limits';

/*
 * User overrides of an ArchSpec: `--set path=value` and partial JSON files. Both return a new, re-validated
 * spec; the input spec is never changed.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseValue(path: string, text: string, kind: 'number' | 'boolean' | 'string', source: string): unknown {
  if (kind === 'string') return text;
  if (kind === 'boolean') {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new ValidationError(source, path, `'${text}'`, 'true or false');
  }
  const number = numberFromText(text);
  const range = fieldRange(path as ArchFieldPath);
  if (!Number.isFinite(number)) throw new ValidationError(source, path, `'${text}'`, range ? describeRange(range) : 'a number');
  // Out of range: shown as typed (9007199254740993, 1e-400), not as the double it rounds to (...992, 0).
  if (range !== undefined && !inRange(number, range)) throw new ValidationError(source, path, text.trim(), describeRange(range));
  return number;
}

/**
 * Applies one `path=value` assignment, e.g. `crossbar.rows=256` or `crossbar.differentialWeights=true`.
 * @param source where the assignment came from, for messages. @default '--set'
 * @throws ValidationError for a malformed assignment, an unknown path (with the nearest known one) or a bad value
 */
export function applySetOverride(spec: ArchSpec, assignment: string, source = '--set'): ArchSpec {
  const equals = assignment.indexOf('=');
  if (equals <= 0) {
    throw new ValidationError(source, assignment, 'not of the form path=value', "e.g. 'crossbar.rows=256'");
  }
  const path = assignment.slice(0, equals).trim();
  const text = assignment.slice(equals + 1);
  if (!isArchFieldPath(path)) {
    throw new ValidationError(source, path, 'an unknown field path', unknownKeyAllowed(path, archFieldPaths()));
  }
  const copy = structuredClone(spec) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    if (!isPlainObject(child)) throw new ValidationError(source, path, 'unreachable', 'a complete spec to override');
    node = child;
  }
  node[keys[keys.length - 1] ?? ''] = parseValue(path, text, fieldKind(path), source);
  return validateArchSpec(copy, source);
}

/** Applies several `--set` assignments in order. */
export function applySetOverrides(spec: ArchSpec, assignments: readonly string[], source = '--set'): ArchSpec {
  return assignments.reduce((current, assignment) => applySetOverride(current, assignment, source), spec);
}

/** Deep merge: objects merge key by key, anything else replaces. Neither input is changed. */
function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(base[key], value);
  return out;
}

/**
 * Deep-merges a partial spec (e.g. the contents of an override JSON file) into `spec` and validates the result,
 * so an unknown or misspelt key in the partial is reported with its path and the nearest known key.
 * @throws ValidationError
 */
export function mergeOverrideJson(spec: ArchSpec, partial: unknown, source: string): ArchSpec {
  if (!isPlainObject(partial)) {
    throw new ValidationError(source, '(root)', Array.isArray(partial) ? 'an array' : typeof partial, 'a JSON object with the fields to override');
  }
  return validateArchSpec(deepMerge(spec, partial), source);
}

/**
 * The chip `lrmp validate --uncontended` runs on: NoC links, eDRAM port and capacity made ample, so only compute and
 * digital work shape the timing (model and simulator should then agree within 5%).
 */
export function uncontendedArch(arch: ArchSpec): ArchSpec {
  return {
    ...arch,
    // Cost stays the arch's (costCapacityKb moves with the capacity): an ample buffer is a timing device here.
    tile: { ...arch.tile, edram: { ...arch.tile.edram, ...edramCost(arch), capacityKb: 1e7, costCapacityKb: 1e7, accessesPerCycle: 1e4 } },
    noc: { ...arch.noc, linkFlitsPerCycle: 1e4 },
  };
}
