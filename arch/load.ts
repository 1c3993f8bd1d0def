import { existsSync } from 'node:fs';
import { UnknownNameError, ValidationError } from '../errors';
import { readJsonFile } from '../io';
import { applySetOverride, mergeOverrideJson } from './overrides';
import { isPresetName, presetArch, presetNames } from './presets';
import type { ArchSpec } from './types';
import { validateArchSpec } from './validate';

export interface LoadArchOptions {
  /** A preset name (`isaac`, `puma`) or the path of an architecture JSON file. */
  arch: string;
  /** Partial JSON files deep-merged in order after the base. @default [] */
  overrideFiles?: readonly string[];
  /** `path=value` assignments applied last, in order. @default [] */
  sets?: readonly string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An architecture JSON file is either a complete ArchSpec, or `{"base": "<preset>", ...}`: the preset with the
 * file's other fields deep-merged over it (see arch/README.md).
 */
function loadArchFile(file: string): ArchSpec {
  const value = readJsonFile(file);
  if (!isPlainObject(value) || !('base' in value)) return validateArchSpec(value, file);
  const { base, ...rest } = value;
  if (typeof base !== 'string' || !isPresetName(base)) {
    const found = typeof base === 'string' ? `'${base}'` : String(JSON.stringify(base));
    throw new ValidationError(file, 'base', found, `a preset name: ${presetNames().join(', ')}`);
  }
  return mergeOverrideJson(presetArch(base), rest, file);
}

/**
 * Loads an architecture: preset or file, then override files, then `--set` assignments; validated at each step.
 * @throws UnknownNameError (a bare name that is neither a preset nor a file), InputFileError, ValidationError
 */
/** True when loadArch reads `arch` as a file: a preset name is never read from disk, even when such a file exists. */
export function archSpecIsFile(arch: string): boolean {
  return !isPresetName(arch);
}

export function loadArch(options: LoadArchOptions): ArchSpec {
  const { arch, overrideFiles = [], sets = [] } = options;
  let spec: ArchSpec;
  if (!archSpecIsFile(arch)) spec = presetArch(arch);
  else if (!existsSync(arch) && !/[/\\.]/.test(arch)) {
    throw new UnknownNameError('architecture preset (or JSON file)', arch, presetNames());
  } else spec = loadArchFile(arch);
  for (const file of overrideFiles) spec = mergeOverrideJson(spec, readJsonFile(file), file);
  for (const assignment of sets) spec = applySetOverride(spec, assignment, '--set');
  return spec;
}
