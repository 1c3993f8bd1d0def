import { ValidationError } from '../errors';
import { MAX_SKIP_CORES } from './plan';

/**
 * Checks a plan's layout (PlanChoices.skipCores) as the packing walk reads it: one whole number of cores from 0 to MAX_SKIP_CORES per
 * weighted layer. Plan files are checked when read (arch/plan.ts); this guards the API, where a negative skip would
 * overlap layers, a fraction start a layer inside a core, and a list of another length skip the wrong layers.
 * @throws ValidationError naming the entry
 */
export function checkSkipCores(skipCores: readonly number[], layers: number): void {
  if (skipCores.length !== layers) {
    throw new ValidationError('PlanChoices', 'skipCores', `a list of ${skipCores.length} entries`, `one entry per weighted layer (${layers})`);
  }
  for (let i = 0; i < skipCores.length; i++) {
    const s = skipCores[i] as number;
    if (!Number.isInteger(s) || s < 0 || s > MAX_SKIP_CORES) {
      throw new ValidationError('PlanChoices', `skipCores[${i}]`, String(s), `an integer from 0 to ${MAX_SKIP_CORES}: cores left empty before the layer`);
    }
  }
}
