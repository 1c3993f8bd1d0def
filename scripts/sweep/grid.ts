/**
 * The sweep grid: `--vary path=v1,v2,...` options parsed, checked against the architecture validator before any
 * point runs, and expanded into the cartesian product in a fixed order (the first --vary varies slowest).
 */
import { MAX_SWEEP_POINTS } from '../../limits';
import { ValidationError } from '../../errors';
import { applySetOverride } from '../../arch/overrides';
import { archFieldPaths, fieldKind, isArchFieldPath, unknownKeyAllowed } from '../../arch/validate';
import type { ArchSpec } from '../../arch/types';

export interface VariedParam {
  /** Dotted architecture field path, e.g. `crossbar.rows`. */
  path: string;
  /** Canonical value texts (numbers normalised: `64.0` -> `64`), in the user's order. */
  values: string[];
}

export interface SweepPoint {
  /** Position in the cartesian product (0-based); stable for a given set of --vary options. */
  index: number;
  /** One canonical value per varied parameter, in --vary order. */
  values: string[];
}

/** Canonical text of a value for a field, so `64`, `64.0` and ` 64` name the same point. */
export function canonicalValue(path: string, text: string): string {
  const trimmed = text.trim();
  if (isArchFieldPath(path) && fieldKind(path) === 'number' && trimmed !== '' && Number.isFinite(Number(trimmed))) {
    return String(Number(trimmed));
  }
  return trimmed;
}

/**
 * Parses and validates `--vary` options. Each value is applied alone to `base` with the architecture validator,
 * so a bad path or value is reported up front (naming the path, the value and what is allowed); a combination
 * that breaks a cross-field rule (e.g. adc.perCrossbar > crossbar.cols) becomes that point's error row instead.
 * @throws ValidationError
 */
export function parseVary(options: readonly string[], base: ArchSpec): VariedParam[] {
  if (options.length === 0) {
    throw new ValidationError('--vary', 'vary', 'missing', "at least one 'path=v1,v2,...', e.g. --vary crossbar.rows=64,128,256");
  }
  const params: VariedParam[] = [];
  for (const option of options) {
    const equals = option.indexOf('=');
    if (equals <= 0) throw new ValidationError('--vary', option, 'not of the form path=v1,v2,...', "e.g. 'crossbar.rows=64,128,256'");
    const path = option.slice(0, equals).trim();
    if (!isArchFieldPath(path)) {
      throw new ValidationError('--vary', path, 'an unknown architecture field path', unknownKeyAllowed(path, archFieldPaths()));
    }
    if (path === 'name') throw new ValidationError('--vary', path, 'the architecture name', 'a field that changes the hardware');
    if (params.some((p) => p.path === path)) throw new ValidationError('--vary', path, 'given twice', 'each field in one --vary with all its values');
    const texts = option.slice(equals + 1).split(',');
    const values: string[] = [];
    for (const text of texts) {
      if (text.trim() === '') throw new ValidationError('--vary', path, `an empty value in '${option}'`, 'comma-separated values, e.g. 64,128,256');
      applySetOverride(base, `${path}=${text.trim()}`, `--vary ${path}`); // throws for a bad value
      const value = canonicalValue(path, text);
      if (values.includes(value)) throw new ValidationError('--vary', path, `the value ${value} twice`, 'distinct values');
      values.push(value);
    }
    params.push({ path, values });
  }
  // The grid is enumerated up front: its size is checked before it is (a typo in a value list multiplies).
  const points = params.reduce((n, p) => n * p.values.length, 1);
  if (points > MAX_SWEEP_POINTS) {
    throw new ValidationError('--vary', params.map((p) => p.path).join(' x '), `${points} points (${params.map((p) => p.values.length).join(' x ')} values)`, `at most ${MAX_SWEEP_POINTS} points per sweep`);
  }
  return params;
}

/** Every combination, the first parameter varying slowest. */
export function gridPoints(params: readonly VariedParam[]): SweepPoint[] {
  let combos: string[][] = [[]];
  for (const p of params) combos = combos.flatMap((c) => p.values.map((v) => [...c, v]));
  return combos.map((values, index) => ({ index, values }));
}

/** Key of a point by its values (what --resume matches on). */
export function pointKey(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** The point's `path=value` assignments, applied after the user's --set. */
export function pointAssignments(params: readonly VariedParam[], point: SweepPoint): string[] {
  return params.map((p, i) => `${p.path}=${point.values[i] ?? ''}`);
}
