import solver, { type Model as JsModel, type SolveResult } from 'javascript-lp-solver';
import type { MilpBackend, MilpProblem, MilpSolution, MilpSolveOptions } from './problem';


/** javascript-lp-solver model: one column object per variable, rows named as in the problem. */
export function toJslpModel(problem: MilpProblem, timeLimitS: number): JsModel {
  const variables: Record<string, Record<string, number>> = {};
  const column = (v: string): Record<string, number> => (variables[v] ??= {});
  for (const [v, k] of problem.objective) column(v)['__objective'] = (column(v)['__objective'] ?? 0) + k;
  const constraints: Record<string, { min?: number; max?: number; equal?: number }> = {};
  for (const c of problem.constraints) {
    if (c.min !== undefined && c.max !== undefined && c.min === c.max) constraints[c.name] = { equal: c.min };
    else {
      const row: { min?: number; max?: number } = {};
      if (c.min !== undefined) row.min = c.min;
      if (c.max !== undefined) row.max = c.max;
      constraints[c.name] = row;
    }
    for (const [v, k] of c.terms) column(v)[c.name] = (column(v)[c.name] ?? 0) + k;
  }
  for (const [v, lb] of Object.entries(problem.lowerBounds ?? {})) {
    const row = `__lb_${v}`;
    constraints[row] = { min: lb };
    column(v)[row] = 1;
  }
  for (const v of [...problem.binaries, ...problem.integers, ...problem.continuous]) column(v);
  const ints: Record<string, 1> = {};
  for (const v of problem.integers) ints[v] = 1;
  const binaries: Record<string, 1> = {};
  for (const v of problem.binaries) binaries[v] = 1;
  return { optimize: '__objective', opType: 'min', constraints, variables, ints, binaries, options: { timeout: timeLimitS * 1000, tolerance: 0 } };
}

/**
 * javascript-lp-solver branch and bound. It can answer `feasible` with fractional values when it times out,
 * so `claimedIntegral` reports its own isIntegral flag and the caller checks the values anyway.
 */
export const jslpBackend: MilpBackend = {
  name: 'jslp',
  solve(problem: MilpProblem, options: MilpSolveOptions = {}): Promise<MilpSolution> {
    const start = performance.now();
    const result = solver.Solve(toJslpModel(problem, options.timeLimitS ?? 30)) as SolveResult;
    const wallMs = performance.now() - start;
    const values: Record<string, number> = {};
    for (const v of [...problem.binaries, ...problem.integers, ...problem.continuous]) {
      const x = result[v];
      values[v] = typeof x === 'number' ? x : 0;
    }
    const timedOut = wallMs >= (options.timeLimitS ?? 30) * 1000;
    const status: MilpSolution['status'] = !result.feasible ? 'infeasible' : timedOut ? 'timeout' : 'optimal';
    return Promise.resolve({
      status,
      objective: result.result,
      values,
      claimedIntegral: result.isIntegral === true,
      detail: `feasible=${String(result.feasible)} bounded=${String(result.bounded)} isIntegral=${String(result.isIntegral)}`,
      wallMs,
    });
  },
};
