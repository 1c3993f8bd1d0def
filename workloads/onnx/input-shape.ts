import { ValidationError } from '../../errors';

/** Parses `--input-shape 1x3x224x224` (or `1x784`) into dims. */
export function parseInputShape(text: string, source = '--input-shape'): number[] {
  const parts = text.trim().split(/[x,×]/i);
  const dims = parts.map((p) => (/^\d+$/.test(p.trim()) ? Number(p.trim()) : NaN));
  if ((dims.length !== 4 && dims.length !== 2) || !dims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ValidationError(source, 'input shape', `'${text}'`, 'positive integers NxCxHxW such as 1x3x224x224 (or NxF)');
  }
  return dims;
}
