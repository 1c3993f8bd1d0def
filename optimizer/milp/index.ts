export type { MilpBackend, MilpBackendName, MilpConstraint, MilpProblem, MilpSolution, MilpSolveOptions } from './problem';
export { MILP_BACKENDS, integralityGap, worstViolation } from './problem';
export { highsBackend, toLpFormat } from './highs';
export { jslpBackend, toJslpModel } from './jslp';
import { UnknownNameError } from '../../errors';
import { highsBackend } from './highs';
import { jslpBackend } from './jslp';
import { MILP_BACKENDS, type MilpBackend } from './problem';

export function milpBackend(name: string): MilpBackend {
  if (name === 'highs') return highsBackend;
  if (name === 'jslp') return jslpBackend;
  throw new UnknownNameError('MILP backend (--milp)', name, [...MILP_BACKENDS]);
}
